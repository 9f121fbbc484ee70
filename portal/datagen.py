"""A large, realistic and reproducible data set for measuring the portal at scale.

Rows only (files are named, never written): bureaus grouped under prefectures, their staff,
institutions with a member and projects, expert pools, and cases spread over every state with the
rows each state implies (materials, rounds, commitments, draws, seats, the case log, issued
documents and their transparency log entries, audit events, notifications). Everything is inserted with ``bulk_create`` in batches,
and the same seed gives the same data.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc

from appraisal import scenario
from appraisal.documents import transparency
from appraisal.models import (
    Case,
    CaseLog,
    CaseState,
    Decision,
    Draw,
    DrawCommitment,
    IndicatorTemplate,
    IssuedDocument,
    LogEntry,
    Material,
    MaterialKind,
    Opinion,
    ReviewSheet,
    Round,
    Seat,
    SerialCounter,
    SheetAnswer,
    Signature,
)
from appraisal.panel import algorithm as algorithm
from appraisal.panel import record as draw_record
from appraisal.workflow.states import ENDED
from audit.models import AuditEvent
from experts.models import Expert
from institutions.models import Institution, TrainingProject
from portal.models import Bureau, Notification, Subject, User

PASSWORD = "jianding2026"

SCALES = {
    # bureaus (county level), experts, institutions, cases
    "tiny": (4, 40, 60, 200),
    "small": (12, 200, 600, 3_000),
    "medium": (60, 1_000, 5_000, 20_000),
    "national": (300, 5_000, 20_000, 100_000),
}

# How the cases spread over the states (weights): most are finished, every state is present.
STATE_WEIGHTS = [
    (CaseState.DRAFT, 6),
    (CaseState.SUBMITTED, 8),
    (CaseState.ACCEPTED, 6),
    (CaseState.REFUSED, 3),
    (CaseState.WITHDRAWN, 3),
    (CaseState.PANEL_DRAWN, 6),
    (CaseState.IN_REVIEW, 8),
    (CaseState.OPINION_SIGNED, 5),
    (CaseState.DECIDED, 15),
    (CaseState.REREVIEW_REQUESTED, 2),
    (CaseState.REREVIEW_FORWARDED, 2),
    (CaseState.CLOSED, 36),
]

# The first round's states in order, on the routes the demo and the tests drive through the
# services (appraisal.scenario): how far along it a case came says which rows it holds (a round
# once accepted, a draw once drawn, sheets, the opinion and signatures, the decision).
PATH = scenario.path(CaseState.DECIDED)


def progress(state) -> int:
    """The furthest point of ``PATH`` on the state's route (a re-review or a closed case has
    passed the decision; a refused or withdrawn one, only the filing)."""
    return max(PATH.index(s) for s in scenario.path(state) if s in PATH)


REQUIRED_KINDS = [k for k in MaterialKind.values if k != MaterialKind.OTHER]
PANEL_SIZE = 5
WORDS = "思维 美术 书法 编程 机器人 围棋 阅读 口才 舞蹈 科学 实验 音乐 篮球 国学 英语 演讲".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐".split()
GIVEN = "建华 丽娟 卫东 文静 志强 秀英 海燕 国庆 晓明 玉兰 春梅 永刚 雪莲 新民 红霞".split()


@dataclass
class Sizes:
    bureaus: int
    experts: int
    institutions: int
    cases: int

    @classmethod
    def for_scale(cls, scale: str) -> "Sizes":
        return cls(*SCALES[scale])


class Generator:
    def __init__(self, sizes: Sizes, *, seed: int = 2026, batch: int = 2000, out=None):
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.seed = seed
        self.batch = batch
        self.out = out
        self.now = timezone.now().replace(microsecond=0)
        self.password = make_password(PASSWORD)
        self.tag = f"g{seed}"

    def say(self, message):
        if self.out is not None:
            self.out(message)

    def bulk(self, model, rows):
        made = []
        for start in range(0, len(rows), self.batch):
            made.extend(model.objects.bulk_create(rows[start : start + self.batch]))
        self.say(f"  {model._meta.label}: {len(rows)}")
        return made

    # ---- the pieces ------------------------------------------------------------------------
    def run(self):
        if not Bureau.objects.exists():
            call_command("loaddata", "fixtures/changji.json", verbosity=0)
        if User.objects.filter(username__startswith=f"{self.tag}-").exists():
            raise ValueError(f"数据已生成过（种子 {self.seed}）：请换一个种子或清空数据库。")
        self.counters = {(c.bureau_id, c.year, c.kind): c.last for c in SerialCounter.objects.all()}
        with transaction.atomic():
            self.make_bureaus()
            self.make_staff()
            self.make_institutions()
            self.make_experts()
            self.make_cases()
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner sees the new sizes at once.
            with connection.cursor() as cursor:
                for model in apps.get_models():
                    if model._meta.managed and not model._meta.proxy:
                        cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        return self

    def make_bureaus(self):
        existing = list(Bureau.objects.filter(level=Bureau.Level.COUNTY))
        wanted = max(0, self.sizes.bureaus - len(existing))
        prefectures, counties = [], []
        per_prefecture = 10
        for p in range((wanted + per_prefecture - 1) // per_prefecture):
            prefectures.append(
                Bureau(
                    code=f"9{self.seed % 10}{p:02d}00",
                    name=f"第{p + 1}州",
                    bureau_name=f"第{p + 1}州教育局",
                    short_name=f"州{p + 1}",
                    level=Bureau.Level.PREFECTURE,
                    order=100 + p,
                )
            )
        prefectures = self.bulk(Bureau, prefectures)
        for i in range(wanted):
            p = prefectures[i // per_prefecture]
            counties.append(
                Bureau(
                    code=f"{p.code[:4]}{i % per_prefecture + 1:02d}",
                    name=f"{p.name}{i % per_prefecture + 1}县",
                    bureau_name=f"{p.name}{i % per_prefecture + 1}县教育局",
                    # From the seed and the position, not the row id: the same seed, the same numbers.
                    short_name=f"{self.seed % 10}州{i // per_prefecture + 1}-{i % per_prefecture + 1}",
                    level=Bureau.Level.COUNTY,
                    parent=p,
                    order=1000 + i,
                )
            )
        self.counties = existing + self.bulk(Bureau, counties)
        self.prefectures = list(Bureau.objects.filter(level=Bureau.Level.PREFECTURE))
        self.subjects = list(Subject.objects.values_list("pk", "code"))

    def user(self, role, name, **fields):
        return User(
            username=f"{self.tag}-{name}",
            password=self.password,
            role=role,
            full_name=fields.pop("full_name", name),
            **fields,
        )

    def make_staff(self):
        rows = []
        for b in self.counties:
            rows.append(
                self.user("county", f"county-{b.pk}", bureau=b, full_name="县教育局工作人员")
            )
            rows.append(self.user("supervisor", f"supervisor-{b.pk}", bureau=b, full_name="监督人"))
        for b in self.prefectures:
            rows.append(self.user("prefecture", f"prefecture-{b.pk}", bureau=b))
        staff = self.bulk(User, rows)
        self.clerk_of = {u.bureau_id: u for u in staff if u.role == "county"}

    def make_institutions(self):
        rng = self.rng
        rows = []
        for i in range(self.sizes.institutions):
            county = self.counties[i % len(self.counties)]
            body = f"5265{self.seed % 100:02d}{i:011d}"
            rows.append(
                Institution(
                    name=f"{county.name}{rng.choice(WORDS)}{rng.choice(WORDS)}培训中心{i + 1}",
                    credit_code=body + uscc.calc_check_digit(body),
                    county=county,
                    address=f"{county.name}测试路 {i + 1} 号",
                    legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    contact_phone=f"139{i:08d}",
                )
            )
        self.institutions = self.bulk(Institution, rows)
        self.members = self.bulk(
            User,
            [
                self.user("institution", f"inst-{inst.pk}", institution=inst)
                for inst in self.institutions
            ],
        )
        projects = self.bulk(
            TrainingProject,
            [
                TrainingProject(
                    institution=inst,
                    name=f"{rng.choice(WORDS)}{rng.choice(WORDS)}课程",
                    grades="小学三至六年级",
                    description="培训目标、主要内容、组织方式与评价方式。",
                )
                for inst in self.institutions
            ],
        )
        self.project_of = {p.institution_id: p for p in projects}
        through = TrainingProject.subjects.through
        self.project_subjects = {}
        links = []
        for p in projects:
            subject_id, code = rng.choice(self.subjects)
            self.project_subjects[p.pk] = code
            links.append(through(trainingproject_id=p.pk, subject_id=subject_id))
        self.bulk(through, links)

    def make_experts(self):
        rng = self.rng
        accounts = self.bulk(
            User,
            [
                self.user(
                    "expert", f"expert-{i}", full_name=rng.choice(SURNAMES) + rng.choice(GIVEN)
                )
                for i in range(self.sizes.experts)
            ],
        )
        rows = []
        for i, account in enumerate(accounts):
            legal = i % 10 == 0
            rows.append(
                Expert(
                    user=account,
                    name=account.full_name,
                    employer="第一中学",
                    title="律师" if legal else "中学高级教师",
                    title_level=Expert.TitleLevel.VICE_SENIOR,
                    category=Expert.Category.LEGAL if legal else Expert.Category.EDUCATION,
                    pool=self.counties[i % len(self.counties)],
                    phone=f"1{self.seed % 10}{i:09d}",
                    email=f"{account.username}@example.cn",
                    declares_no_training_work=True,
                    knows_administrative_law=legal,
                )
            )
        experts = self.bulk(Expert, rows)
        through = Expert.subjects.through
        links, self.expert_subjects = [], {}
        for e in experts:
            chosen = rng.sample(self.subjects, 2)
            self.expert_subjects[e.pk] = frozenset(code for _, code in chosen)
            links.extend(through(expert_id=e.pk, subject_id=sid) for sid, _ in chosen)
        self.bulk(through, links)
        self.pools = {}
        for e in experts:
            self.pools.setdefault(e.pool_id, []).append(e)

    def make_cases(self):
        rng = self.rng
        states = [s for s, _ in STATE_WEIGHTS]
        weights = [w for _, w in STATE_WEIGHTS]
        sequences, cases, plans = {}, [], []
        county_by_pk = {b.pk: b for b in self.counties}
        for i in range(self.sizes.cases):
            inst = self.institutions[rng.randrange(len(self.institutions))]
            state = states[i % len(states)] if i < len(states) else rng.choices(states, weights)[0]
            created = self.now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            year = created.year
            key = (inst.county_id, year)
            sequences[key] = sequences.get(key, self.counters.get((*key, "case"), 0)) + 1
            county = county_by_pk[inst.county_id]
            reached = progress(state)
            case = Case(
                number=f"{county.short_name}-{year}-{sequences[key]:05d}",
                bureau_id=inst.county_id,
                year=year,
                sequence=sequences[key],
                institution=inst,
                statement="项目类别存在争议，申请鉴定。",
                state=state,
                created_by_id=self.member_of(inst).pk,
                created_at=created,
                submitted_at=created + timedelta(days=1) if state != CaseState.DRAFT else None,
                accepted_at=created + timedelta(days=3) if reached >= 2 else None,
                closed_at=created + timedelta(days=60) if state in ENDED else None,
            )
            cases.append(case)
            plans.append(reached)
        self.save_counters({(b, y, "case"): n for (b, y), n in sequences.items()})
        cases = self.bulk(Case, cases)
        # bulk_create keeps no FSM protection to worry about: the rows are written as they are.
        through = Case.projects.through
        self.bulk(
            through,
            [
                through(case_id=c.pk, trainingproject_id=self.project_of[c.institution_id].pk)
                for c in cases
            ],
        )
        self.make_materials(cases)
        rounds = self.make_rounds(cases, plans)
        seats = self.make_draws(cases, rounds, plans)
        opinions = self.make_documents(cases, rounds, plans)
        self.make_review(cases, rounds, plans, seats, opinions)
        self.make_logs(cases)
        self.make_transparency_log()

    def member_of(self, inst):
        if not hasattr(self, "_members_by_inst"):
            self._members_by_inst = {u.institution_id: u for u in self.members}
        return self._members_by_inst[inst.pk]

    def make_materials(self, cases):
        rows = []
        for c in cases:
            uploader = c.created_by_id
            for kind in REQUIRED_KINDS:
                digest = hashlib.sha256(f"{c.pk}-{kind}".encode()).hexdigest()
                rows.append(
                    Material(
                        case_id=c.pk,
                        kind=kind,
                        file=f"materials/{c.pk}/{digest[:32]}",
                        original_name=f"{MaterialKind(kind).label}.pdf",
                        content_type="application/pdf",
                        size=100_000 + int(digest[:4], 16),
                        sha256=digest,
                        uploaded_by_id=uploader,
                        uploaded_at=c.created_at,
                    )
                )
            if len(rows) >= 20_000:
                self.bulk(Material, rows)
                rows = []
        self.bulk(Material, rows)

    def make_rounds(self, cases, plans):
        rows = [
            Round(case_id=c.pk, number=Round.COUNTY, bureau_id=c.bureau_id, opened_at=c.accepted_at)
            for c, reached in zip(cases, plans, strict=True)
            if reached >= 2
        ]
        return {r.case_id: r for r in self.bulk(Round, rows)}

    def make_draws(self, cases, rounds, plans):
        rng = self.rng
        commitments, draws, seat_plans = [], [], []
        for c, reached in zip(cases, plans, strict=True):
            if reached < 3:
                continue
            pool = self.pools.get(c.bureau_id) or next(iter(self.pools.values()))
            chosen = rng.sample(pool, min(len(pool), PANEL_SIZE + 4))
            candidates = [
                algorithm.Candidate(e.pk, self.expert_subjects[e.pk], e.category == "legal")
                for e in chosen
            ]
            system_value = f"{rng.getrandbits(256):064x}"
            seed = algorithm.derive_seed(system_value, "")
            params = algorithm.Parameters(panel_size=min(PANEL_SIZE, len(candidates)))
            result = algorithm.run(candidates, seed, params)
            clerk = self.clerk_of[c.bureau_id]
            commitments.append(
                DrawCommitment(
                    round=rounds[c.pk],
                    system_value=system_value,
                    commitment=algorithm.commitment(system_value),
                    created_by=clerk,
                    created_at=c.accepted_at,
                    used_at=c.accepted_at + timedelta(days=1),
                )
            )
            draws.append(
                Draw(
                    round=rounds[c.pk],
                    pool_id=c.bureau_id,
                    algorithm_version=algorithm.ALGORITHM_VERSION,
                    panel_size=params.panel_size,
                    parameters=params.as_json(),
                    system_value=system_value,
                    seed=seed,
                    candidates=result.candidates_json,
                    candidates_hash=result.candidates_hash,
                    order=result.order,
                    panel=result.panel,
                    filters=[],
                    drawn_by=clerk,
                    created_at=c.accepted_at + timedelta(days=1),
                )
            )
            seat_plans.append((c, reached, result.panel))
        commitments = self.bulk(DrawCommitment, commitments)
        for d, cm in zip(draws, commitments, strict=True):
            d.commitment = cm
        draws = self.bulk(Draw, draws)
        self.made_draws = [
            (d, c) for d, (c, _reached, _panel) in zip(draws, seat_plans, strict=True)
        ]
        seats = []
        for d, (_case, reached, panel) in zip(draws, seat_plans, strict=True):
            invited = d.created_at
            for position, expert_id in enumerate(panel, start=1):
                accepted = reached >= 4
                seats.append(
                    Seat(
                        round_id=d.round_id,
                        draw=d,
                        expert_id=expert_id,
                        position=position,
                        source=Seat.Source.DRAWN,
                        rank=position,
                        status=Seat.Status.ACCEPTED if accepted else Seat.Status.INVITED,
                        invited_at=invited,
                        reply_by=invited + timedelta(days=3),
                        replied_at=invited + timedelta(days=1) if accepted else None,
                        accepted_at=invited + timedelta(days=1) if accepted else None,
                    )
                )
        return self.bulk(Seat, seats)

    def make_documents(self, cases, rounds, plans):
        serials, rows = {}, []
        for c, reached in zip(cases, plans, strict=True):
            kinds = []
            if reached >= 2:
                kinds.append(IssuedDocument.Kind.ACCEPTANCE_NOTICE)
            if reached >= 6:
                kinds.append(IssuedDocument.Kind.OPINION)
            for kind in kinds:
                key = (c.bureau_id, c.year, kind)
                serials[key] = serials.get(key, self.counters.get(key, 0)) + 1
                n = serials[key]
                digest = hashlib.sha256(f"{c.pk}-{kind}".encode()).hexdigest()
                rows.append(
                    IssuedDocument(
                        case_id=c.pk,
                        round=rounds[c.pk] if kind == IssuedDocument.Kind.OPINION else None,
                        kind=kind,
                        bureau_id=c.bureau_id,
                        year=c.year,
                        sequence=n,
                        serial=f"{c.bureau_id}{IssuedDocument.SERIAL_WORDS[kind]}〔{c.year}〕{n:05d}号",
                        file=f"documents/{c.pk}/{digest[:32]}.pdf",
                        size=80_000,
                        sha256=digest,
                        verification_code=digest[:16].upper(),
                        issued_by=self.clerk_of[c.bureau_id],
                        issued_at=c.accepted_at,
                        public_summary={
                            "title": IssuedDocument.Kind(kind).label,
                            "case_number": c.number,
                        },
                    )
                )
        issued = self.bulk(IssuedDocument, rows)
        self.made_documents = issued
        self.save_counters(serials)
        return {d.case_id: d for d in issued if d.kind == IssuedDocument.Kind.OPINION}

    def make_transparency_log(self):
        """The log's entries for the draws and documents made (docs/draw-spec.md §9), in time
        order after the log's last entry, chained as ``transparency.append`` chains them."""
        codes = dict(Bureau.objects.values_list("pk", "code"))
        items = []
        for d, c in self.made_draws:
            record = draw_record.build(
                d,
                case_number=c.number,
                round_number=Round.COUNTY,
                pool_code=codes[d.pool_id],
                commitment=d.commitment,
                witness_role=None,
                seat_position=None,
            )
            ref = transparency.draw_ref(c.number, Round.COUNTY, d.kind, d.pk)
            items.append((d.created_at, 0, d.pk, ref, draw_record.sha256(record), d, None))
        for doc in self.made_documents:
            items.append((doc.issued_at, 1, doc.pk, doc.serial, doc.sha256, None, doc))
        items.sort(key=lambda item: item[:3])
        last = LogEntry.objects.order_by("-seq").values_list("seq", "hash", "at").first()
        seq, prev, at = last if last else (0, transparency.GENESIS, None)
        rows = []
        for moment, kind, _pk, ref, sha256, d, doc in items:
            seq += 1
            at = max(moment, at) if at else moment
            name = LogEntry.Kind.DRAW if kind == 0 else LogEntry.Kind.DOCUMENT
            digest = transparency.entry_hash(seq, draw_record.utc_text(at), name, ref, sha256, prev)
            rows.append(
                LogEntry(
                    seq=seq,
                    at=at,
                    kind=name,
                    ref=ref,
                    sha256=sha256,
                    prev_hash=prev,
                    hash=digest,
                    draw=d,
                    document=doc,
                )
            )
            prev = digest
        self.bulk(LogEntry, rows)

    def make_review(self, cases, rounds, plans, seats, opinion_documents):
        """Sheets of the accepted seats (submitted once the opinion is signed), the opinion, every
        member's signature, and the bureau's decision with its 附件2 (guide 八(三); docs/domain.md
        §确定类别与盖章)."""
        rng = self.rng
        template = IndicatorTemplate.current()
        seats_of = {}
        for s in seats:
            seats_of.setdefault(s.round_id, []).append(s)
        sheets, answers, opinions, decisions = [], [], [], []
        for c, reached in zip(cases, plans, strict=True):
            if reached < 4 or template is None:
                continue
            r = rounds[c.pk]
            r.case = c
            panel = seats_of.get(r.pk, [])
            project = self.project_of[c.institution_id]
            votes = [rng.choice(["academic", "non_academic"]) for _ in panel]
            signed = reached >= 5
            at = c.accepted_at + timedelta(days=5)
            for seat, vote in zip(panel, votes, strict=True):
                sheet = ReviewSheet(
                    seat=seat, round=r, template=template, submitted_at=at if signed else None
                )
                sheets.append(sheet)
                answers.append(
                    SheetAnswer(sheet=sheet, project=project, vote=vote if signed else "")
                )
            if not signed:
                continue
            academic = votes.count("academic")
            result = "academic" if academic * 2 >= len(votes) else "non_academic"
            opinion = Opinion(
                round=r,
                leader=panel[0] if panel else None,
                reasoning="经查阅材料、实地查看，专家组形成鉴定意见如下。",
                findings=[{"dimension": d, "text": "见评分表。"} for d in ("培训目的", "培训内容")],
                results=[
                    {
                        "project": project.pk,
                        "name": project.name,
                        "academic": academic,
                        "non_academic": len(votes) - academic,
                        "result": result,
                        "tie": academic * 2 == len(votes),
                    }
                ],
                dissent=[],
                revision=1,
                drafted_at=at,
            )
            opinion.content_hash = opinion.compute_hash()
            opinions.append((opinion, panel))
            if reached >= 6:
                clerk = self.clerk_of[c.bureau_id]
                decisions.append(
                    Decision(
                        round=r,
                        results=[
                            {
                                "project": project.pk,
                                "name": project.name,
                                "opinion": result,
                                "category": result,
                            }
                        ],
                        decided_by=clerk,
                        decided_at=at + timedelta(days=3),
                        stamped_by=clerk,
                        stamped_at=at + timedelta(days=3),
                        document=opinion_documents.get(c.pk),
                    )
                )
        self.bulk(ReviewSheet, sheets)
        for a in answers:
            a.sheet_id = a.sheet.pk
        self.bulk(SheetAnswer, answers)
        made = self.bulk(Opinion, [o for o, _ in opinions])
        self.bulk(
            Signature,
            [
                Signature(
                    opinion=o,
                    seat=seat,
                    revision=1,
                    content_hash=o.content_hash,
                    signed_at=o.drafted_at,
                )
                for o, (_, panel) in zip(made, opinions, strict=True)
                for seat in panel
            ],
        )
        self.bulk(Decision, decisions)

    def save_counters(self, values):
        """Numbers go on from where the counters stand, so a second run adds to the first."""
        stored = {
            (c.bureau_id, c.year, c.kind): c
            for c in SerialCounter.objects.filter(kind__in={k for _, _, k in values})
        }
        changed = []
        for key, last in values.items():
            if key in stored:
                stored[key].last = last
                changed.append(stored[key])
        SerialCounter.objects.bulk_update(changed, ["last"], batch_size=self.batch)
        new = [
            SerialCounter(bureau_id=b, year=y, kind=k, last=n)
            for (b, y, k), n in values.items()
            if (b, y, k) not in stored
        ]
        self.bulk(SerialCounter, new)

    def make_logs(self, cases):
        logs, events, notes = [], [], []
        for c in cases:
            member = c.created_by_id
            clerk = self.clerk_of[c.bureau_id].pk
            at = c.created_at
            logs.append(
                CaseLog(
                    case_id=c.pk,
                    transition="create",
                    source="draft",
                    target="draft",
                    actor_id=member,
                    at=at,
                )
            )
            previous = CaseState.DRAFT
            for name, step in scenario.steps(c.state):
                at = at + timedelta(days=2)
                by = scenario.STEPS[name].by
                actor = member if by == scenario.APPLICANT else clerk
                logs.append(
                    CaseLog(
                        case_id=c.pk,
                        transition=name,
                        source=previous,
                        target=step,
                        actor_id=actor,
                        at=at,
                    )
                )
                events.append(
                    AuditEvent(
                        at=at,
                        actor_id=actor,
                        actor_name="",
                        action="transition",
                        object_type="appraisal.case",
                        object_id=str(c.pk),
                        object_repr=c.number,
                        bureau_id=c.bureau_id,
                        data={"transition": name},
                    )
                )
                notes.append(
                    Notification(
                        recipient_id=member,
                        subject=f"{CaseState(step).label}：{c.number}",
                        url=f"/cases/{c.pk}/",
                        case_id=c.pk,
                        read_at=at if step != c.state else None,
                    )
                )
                previous = step
            if len(logs) >= 20_000:
                self.flush_logs(logs, events, notes)
                logs, events, notes = [], [], []
        self.flush_logs(logs, events, notes)

    def flush_logs(self, logs, events, notes):
        self.bulk(CaseLog, logs)
        self.bulk(AuditEvent, events)
        self.bulk(Notification, notes)
