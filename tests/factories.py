"""Plain factory functions for test data: real rows, no mocks."""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm
from stdnum.cn import uscc

from appraisal import scenario
from appraisal.filing.materials import upload_material  # noqa: F401 (tests upload through it)
from appraisal.models import CaseState, MaterialKind
from appraisal.panel import draws
from institutions.models import Institution, TrainingProject
from portal.models import SEAL, Bureau, Subject, User
from portal.reauth import requires_second_factor

PASSWORD = "Test-password-2026"
_seq = itertools.count(1)

# The smallest file each accepted type is recognised by (content, not extension).
PDF_BYTES = scenario.SMALLEST_PDF
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def bureau(code: str) -> Bureau:
    return Bureau.objects.get(code=code)


def prefecture() -> Bureau:
    return Bureau.objects.get(level=Bureau.Level.PREFECTURE)


def credit_code() -> str:
    body = f"52652301MJ{next(_seq):07d}"
    return body + uscc.calc_check_digit(body)


def user(role: str, *, bureau=None, institution=None, username=None, **extra) -> User:
    u = User(
        username=username or f"{role}{next(_seq)}",
        role=role,
        bureau=bureau,
        institution=institution,
        full_name=extra.pop("full_name", f"{role}用户"),
        **extra,
    )
    u.set_password(PASSWORD)
    u.save()
    return u


def institution(county_code: str = "652301", **fields) -> Institution:
    defaults = {
        "name": f"测试培训机构{next(_seq)}",
        "credit_code": credit_code(),
        "county": bureau(county_code),
        "address": "昌吉市测试路 1 号",
        "legal_representative": "王五",
        "contact_name": "赵六",
        "contact_phone": "13900001111",
    }
    defaults.update(fields)
    return Institution.objects.create(**defaults)


def project(inst: Institution, subject_codes=("mathematics",), **fields) -> TrainingProject:
    defaults = {
        "name": f"测试项目{next(_seq)}",
        "grades": "小学三至六年级",
        "description": "测试项目简介",
    }
    defaults.update(fields)
    p = TrainingProject.objects.create(institution=inst, **defaults)
    p.subjects.set(Subject.objects.filter(code__in=subject_codes))
    return p


def same_as(p: TrainingProject) -> TrainingProject:
    """A new project with ``p``'s subject areas: an application's projects are its own until it
    is refused or withdrawn, so each further case of a test names a project of its own."""
    return project(p.institution, tuple(p.subjects.values_list("code", flat=True)))


def pdf_upload(name="材料.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The opening meeting with its policy briefing (guide 七(三)), as the tests record it.
MEETING = {
    "place": "教育局会议室",
    "attendees": "专家组全体成员；教育局工作人员",
    "findings": "宣讲“双减”政策和鉴定指标，明确独立、回避和保密要求。",
}
# Every kind of material but "other", each file named after its kind.
MATERIAL_KINDS = [k for k in MaterialKind.values if k != MaterialKind.OTHER]
SCRIPT = scenario.Script(
    material=lambda kind: pdf_upload(f"{kind}.pdf"),
    witness=lambda round: witness_for(round.bureau),
    meeting=lambda round, clerk: MEETING,
    vote_reasons="依据材料。",
)


def grant_stamp(user):
    """The custody of the seal of the user's own bureau (印章保管, granted by the admin on the
    bureau), for ``user`` as a fresh instance (the old one's permission cache is stale)."""
    assign_perm(SEAL, user, user.bureau)
    return type(user).objects.get(pk=user.pk)


def case_at(
    to,
    applicant: User,
    clerk=None,
    *,
    projects=None,
    with_materials=True,
    prefecture=None,
    script=SCRIPT,
):
    """A new application of ``applicant`` taken to ``to`` (a state or a stop of
    ``appraisal.scenario.ROUTES``) through the services; returns the ``Driven`` with its actors.
    A clerk who is to stamp needs the seal (``grant_stamp``)."""
    return scenario.new_case_at(
        to,
        applicant=applicant,
        projects=projects or [project(applicant.institution)],
        materials=MATERIAL_KINDS if with_materials else (),
        clerk=clerk,
        prefecture=prefecture,
        password=PASSWORD,
        script=script,
    )


def draft_case(applicant: User, projects=None, *, with_materials=True):
    return case_at(
        CaseState.DRAFT, applicant, projects=projects, with_materials=with_materials
    ).case


def submitted_case(applicant: User, **kwargs):
    return case_at(CaseState.SUBMITTED, applicant, **kwargs).case


def accepted_case(applicant: User, clerk: User, **kwargs):
    return case_at(CaseState.ACCEPTED, applicant, clerk, **kwargs).case


def otp_device(user: User, *, confirmed=True) -> TOTPDevice:
    """The user's TOTP device (a real one, with its own secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    return device or TOTPDevice.objects.create(user=user, name="测试手机", confirmed=confirmed)


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the device's app shows now (or ``offset_steps`` steps later)."""
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset_steps,
    )
    return f"{code:0{device.digits}d}"


def login(client, user: User) -> User:
    """Log ``user`` in on a test client, past the second factor when the role requires one.

    Uses a real confirmed TOTP device, marked verified in the session the way django-otp does
    after a code was entered; the login and OTP pages themselves are tested in tests/portal.
    """
    client.force_login(user)
    if requires_second_factor(user):
        device = otp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user


def opinion_context(case, *, experts=5, result="academic"):
    """附件2's context for a case: the sample's findings and panel, the case's own institution."""
    from appraisal.documents.context import sample_opinion_context

    context = sample_opinion_context(experts=experts)
    inst = case.institution
    context["institution"] = {
        "name": inst.name,
        "credit_code": inst.credit_code,
        "licence_no": inst.licence_no,
        "address": inst.address,
    }
    context["projects"] = [
        {"name": p.name, "subjects": "数学", "grades": p.grades, "result": result}
        for p in case.projects.all()
    ]
    return context


def issue_opinion(case, user, *, experts=5, result="academic", round=None):
    """Issue 附件2 for a case in one transaction, as the stamping service will."""
    from django.db import transaction

    from appraisal.documents import issue_document
    from appraisal.documents.issue import public_summary
    from appraisal.models import IssuedDocument

    context = opinion_context(case, experts=experts, result=result)
    kind = IssuedDocument.Kind.OPINION
    with transaction.atomic():
        return issue_document(
            case=case,
            kind=kind,
            bureau=case.bureau,
            template="documents/opinion.html",
            context=context,
            user=user,
            public=public_summary(case, kind, projects=context["projects"]),
            round=round,
        )


def expert(pool: Bureau, subject_codes=("mathematics",), *, username=None, account=None, **fields):
    """An active, eligible expert of ``pool`` with a login account (``account``, or a new one)."""
    from experts.models import Expert

    n = next(_seq)
    account = account or user(
        "expert", username=username or f"expert{n}", full_name=fields.get("name", "")
    )
    defaults = {
        "name": f"专家{n}",
        "employer": "昌吉州第一中学",
        "title": "中学高级教师",
        "title_level": Expert.TitleLevel.VICE_SENIOR,
        "category": Expert.Category.EDUCATION,
        "phone": f"139{n:08d}",
        "email": f"expert{n}@example.cn",
        "declares_no_training_work": True,
        "knows_administrative_law": fields.get("category") == Expert.Category.LEGAL,
    }
    defaults.update(fields)
    e = Expert.objects.create(user=account, pool=pool, **defaults)
    e.subjects.set(Subject.objects.filter(code__in=subject_codes))
    account.full_name = account.full_name or e.name
    account.email = e.email
    account.save(update_fields=["full_name", "email"])
    return e


def experts(pool: Bureau, count: int, subject_codes=("mathematics",), **fields):
    return [expert(pool, subject_codes, **fields) for _ in range(count)]


WITNESSED = object()  # draw(): a witness of the round's bureau, as the portal requires by default


def witness_for(bureau) -> User:
    """A supervisor of ``bureau`` who witnesses the draws the tests make (one per bureau)."""
    found = User.objects.filter(username=f"witness-{bureau.code}").first()
    return found or user(
        "supervisor", bureau=bureau, username=f"witness-{bureau.code}", full_name="见证监督人"
    )


def draw(clerk: User, case, *, witness=WITNESSED, witness_value="", **kwargs):
    """Draw the panel of the case's current round through the service (``scenario.draw``:
    ``panel_size`` 3, all the case's subjects, no legal seat), witnessed by a supervisor of the
    round's bureau (``witness_for``) unless a witness, or None, is given."""
    if witness is WITNESSED:
        case.refresh_from_db()
        witness = witness_for(case.current_round.bureau)
        witness_value = witness_value or f"w{case.pk}-{case.current_round.pk}-20261201"
    return scenario.draw(clerk, case, witness=witness, witness_value=witness_value, **kwargs)


def draw_panel(clerk: User, case, commitment, *, witness, witness_value, panel_size=3):
    """The draw service as the draw page calls it on a mathematics case, for the tests of what it
    accepts and refuses (``draw`` draws with every default)."""
    return draws.draw_panel(
        clerk,
        case.pk,
        panel_size=panel_size,
        subjects=["mathematics"],
        commitment_id=commitment.pk,
        witness=witness,
        witness_value=witness_value,
    )


def opening_meeting(clerk, round):
    """The round's opening meeting with its policy briefing (guide 七(三)), as the clerk records it."""
    from django.utils import timezone

    from appraisal.review import activities

    return activities.record_activity(
        clerk, round, kind="opening_meeting", date=timezone.localdate(), **MEETING
    )
