"""Filing an application and the county's first answer to it (guide 七(一)(二))."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal.documents import issue_document
from appraisal.documents.context import remedy
from appraisal.models import Case, CaseLog, CaseState, IssuedDocument, MaterialKind
from appraisal.models.document import SerialCounter
from appraisal.workflow import policy
from appraisal.workflow.deadlines import next_deadline
from appraisal.workflow.states import RELEASED
from appraisal.workflow.transitions import log_step, run_transition
from common.errors import ServiceError
from institutions.models import TrainingProject
from portal.notify import bureau_staff, institution_members, notify_from

CASE_COUNTER = "case"


# A project in a case not RELEASED (never taken up, or withdrawn) is being appraised or has its
# result (contested by re-review, not by a second application); a project that has changed is
# registered anew.


def open_applications(projects, case=None) -> dict[int, tuple[str, CaseState]]:
    """Project id → (number, state) of another case naming it that has not released it."""
    rows = (
        Case.projects.through.objects.filter(trainingproject__in=projects)
        .exclude(case__state__in=RELEASED)
        .exclude(case_id=getattr(case, "pk", None))
        .order_by("case__number")
        .values_list("trainingproject_id", "case__number", "case__state")
    )
    return {pk: (number, CaseState(state)) for pk, number, state in rows}


def _check_projects(institution, projects, case=None):
    projects = list(projects)
    if not projects:
        raise ServiceError("请至少选择一个申请鉴定的培训项目。")
    if any(p.institution_id != institution.pk for p in projects):
        raise ServiceError("只能选择本机构登记的培训项目。")
    taken = open_applications(projects, case)
    if taken:
        where = [
            f"“{p.name}”已在鉴定申请 {taken[p.pk][0]}（{taken[p.pk][1].label}）中"
            for p in projects
            if p.pk in taken
        ]
        decided = any(state == CaseState.DECIDED for _number, state in taken.values())
        raise ServiceError(
            "培训项目"
            + "；".join(where)
            + "，不能重复申请鉴定。"
            + ("对结论有异议的，请在规定期限内申请复审；" if decided else "")
            + "项目内容有变化的，请登记新项目后申请。"
        )
    return projects


def create_case(user, *, projects, statement: str, ip=None) -> Case:
    """A new application, as a draft, numbered per county bureau and year (e.g. 昌市-2026-0001)."""
    if user.role != "institution" or user.institution is None:
        raise ServiceError("只有培训机构用户可以提出鉴定申请。")
    institution = user.institution
    projects = _check_projects(institution, projects)
    if not statement.strip():
        raise ServiceError("请填写申请事由。")
    with transaction.atomic():
        year = timezone.localtime().year
        bureau = institution.county
        sequence = SerialCounter.next_value(bureau, year, CASE_COUNTER)
        case = Case.objects.create(
            number=f"{bureau.short_name}-{year}-{sequence:04d}",
            bureau=bureau,
            year=year,
            sequence=sequence,
            institution=institution,
            statement=statement.strip(),
            created_by=user,
        )
        case.projects.set(projects)
        log_step(case, "create", user, ip=ip)  # a new case is a draft
    return case


def update_application(user, case_id, *, projects, statement: str) -> Case:
    """The applicant changes its draft (projects, statement)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        policy.check(user, case, "edit")
        projects = _check_projects(case.institution, projects, case)
        if not statement.strip():
            raise ServiceError("请填写申请事由。")
        case.statement = statement.strip()
        case.save(update_fields=["statement", "updated_at"])
        case.projects.set(projects)
    return case


def case_url(case) -> str:
    return reverse("appraisal:case_detail", args=[case.pk])


def tell_institution(case, template_name, **context):
    notify_from(
        template_name,
        institution_members(case.institution),
        context,
        url=case_url(case),
        case=case,
    )


def submit_case(user, case_id, *, ip=None) -> Case:
    def before(case):
        # From now on the projects are what the bureau holds (TrainingProject.held_cases): lock
        # them, so that an edit saved at this moment is either in the submission or refused.
        projects = list(TrainingProject.objects.select_for_update(of=("self",)).filter(cases=case))
        problems = case.submission_problems()
        if problems:
            raise ServiceError("申请还不能提交：" + "".join(problems))
        _check_projects(case.institution, projects, case)  # another draft submitted first

    def after(case, log):
        again = CaseLog.objects.filter(case=case, transition="return_for_completion").exists()
        notify_from(
            "case_submitted",
            bureau_staff(case.bureau),
            {"again": again},
            url=case_url(case),
            case=case,
        )

    return run_transition(case_id, user, "submit", ip=ip, before=before, after=after)


def withdraw_case(user, case_id, *, reason: str = "", ip=None) -> Case:
    def after(case, log):
        if log.source == CaseState.SUBMITTED:
            notify_from(
                "case_withdrawn",
                bureau_staff(case.bureau),
                {"reason": reason},
                url=case_url(case),
                case=case,
            )

    return run_transition(case_id, user, "withdraw", note=reason.strip(), ip=ip, after=after)


def _notice_context(case):
    return {"institution": case.institution, "projects": list(case.projects.all())}


def return_case(user, case_id, *, missing_kinds, note: str, ip=None) -> Case:
    """补正: back to the applicant with what is missing; a 补正材料通知书 is issued."""
    missing_kinds = [k for k in missing_kinds if k in MaterialKind.values]
    note = (note or "").strip()
    if not missing_kinds and not note:
        raise ServiceError("退回补正时，请勾选需补正的材料或写明需补正的内容。")
    missing_labels = [MaterialKind(k).label for k in missing_kinds]

    def after(case, log):
        issue_document(
            case=case,
            kind=IssuedDocument.Kind.RETURN_NOTICE,
            bureau=case.bureau,
            template="documents/return_notice.html",
            context={**_notice_context(case), "missing": missing_labels, "note": note},
            user=user,
        )
        tell_institution(case, "case_returned", missing=missing_labels, note=note)

    return run_transition(
        case_id,
        user,
        "return_for_completion",
        note=note,
        data={"missing": missing_kinds},
        ip=ip,
        after=after,
    )


def accept_case(user, case_id, *, note: str = "", ip=None) -> Case:
    """受理: the county round begins and a 受理通知书 is issued."""

    def after(case, log):
        days = settings.APPRAISAL_DAYS_TO_OPINION
        due = next_deadline(case).due  # the panel's opinion, counted from acceptance
        issue_document(
            case=case,
            kind=IssuedDocument.Kind.ACCEPTANCE_NOTICE,
            bureau=case.bureau,
            template="documents/acceptance_notice.html",
            context={**_notice_context(case), "note": note.strip(), "days": days, "due": due},
            user=user,
            round=case.rounds.get(number=1),
        )
        tell_institution(case, "case_accepted")

    return run_transition(case_id, user, "accept", note=note.strip(), ip=ip, after=after)


def refuse_case(user, case_id, *, reason: str, ip=None) -> Case:
    """不予受理, with the reason, which the 不予受理通知书 states."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("不予受理时必须写明理由。")

    def after(case, log):
        issue_document(
            case=case,
            kind=IssuedDocument.Kind.REFUSAL_NOTICE,
            bureau=case.bureau,
            template="documents/refusal_notice.html",
            context={
                **_notice_context(case),
                "reason": reason,
                "remedy": remedy(case.bureau, "决定", "本通知书"),
            },
            user=user,
        )
        tell_institution(case, "case_refused", reason=reason)

    return run_transition(case_id, user, "refuse", note=reason, ip=ip, after=after)


# ---- training projects -------------------------------------------------------------------------
PROJECT_FIELDS = ("name", "grades", "mode", "description", "is_active")  # and its subjects


def save_project(user, project_id, data) -> TrainingProject:
    """Register a project of the user's institution (``project_id`` None), or change one that no
    submitted application holds (``TrainingProject.held_cases``): what the experts appraise is the
    project as submitted. A change while an application naming it is back for 补正 goes on that
    case's timeline. ``data``: the project form's cleaned data."""
    with transaction.atomic():
        before = None
        if project_id is None:
            project = TrainingProject(institution=user.institution)
        else:  # locked: a submission locks its projects too, so one of the two waits
            project = TrainingProject.objects.select_for_update().get(
                pk=project_id, institution=user.institution
            )
            if project.held_cases().exists():
                raise ServiceError("该培训项目已列入刚报送的鉴定申请，不能再修改；本次修改未保存。")
            before = _described(project)
        for f in PROJECT_FIELDS:
            setattr(project, f, data[f])
        _refuse_same_name(project)
        project.save()
        project.subjects.set(data["subjects"])
        if before is not None:
            _record_amendment(project, before, user)
    return project


def set_project_active(user, project_id, active: bool) -> TrainingProject:
    """在办 / 停办: the one mark that may change on a held project too."""
    project = TrainingProject.objects.get(pk=project_id, institution=user.institution)
    project.is_active = active
    _refuse_same_name(project)
    project.save(update_fields=["is_active", "updated_at"])
    return project


def _refuse_same_name(project) -> None:
    """Two projects in 在办 under one name cannot be told apart in an application (a form sent
    twice makes the second)."""
    same = TrainingProject.objects.filter(
        institution_id=project.institution_id, name=project.name.strip(), is_active=True
    ).exclude(pk=project.pk)
    if project.is_active and same.exists():
        raise ServiceError(
            f"本机构已有在办的同名培训项目“{project.name.strip()}”。"
            "请修改名称（如注明期次或版本），或先将原项目标为停办；本次未保存。"
        )


def _described(project) -> dict[str, str]:
    """The project's fields in words, to say what an amendment changed."""
    return {
        "项目名称": project.name,
        "涉及学科或领域": "、".join(s.name for s in project.subjects.order_by("order", "id")),
        "面向年级或年龄": project.grades,
        "培训形式": project.get_mode_display(),
        "项目简介": project.description,
    }


def _record_amendment(project, before: dict, user) -> None:
    """A project changed while an application naming it is back for 补正: the change goes on that
    case's timeline, so the bureau sees what differs from what it returned."""
    after = _described(project)
    changes = [
        f"{label}由“{before[label]}”改为“{after[label]}”"
        if label != "项目简介"
        else "修改了项目简介"
        for label in after
        if before[label] != after[label]
    ]
    if not changes:
        return
    for case in project.cases.filter(state=CaseState.DRAFT, submitted_at__isnull=False):
        log_step(
            case,
            "amend_project",
            user,
            note=f"培训项目“{project.name}”：" + "；".join(changes) + "。",
            data={"project": project.pk, "before": before, "after": after},
        )
