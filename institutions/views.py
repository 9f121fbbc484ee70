"""The institution's own profile and training projects: only its members edit them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from appraisal import access
from portal.ui import form_errors_to_messages

from .forms import InstitutionForm, TrainingProjectForm
from .models import TrainingProject, held_condition


@login_required
def profile(request):
    institution = access.own_institution(request.user)
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "机构信息已保存。")
        return redirect("institutions:profile")
    return render(request, "institutions/profile.html", {"form": form, "institution": institution})


@login_required
def project_list(request):
    institution = access.own_institution(request.user)
    held = TrainingProject.cases.through.objects.filter(
        held_condition("case__"), trainingproject=OuterRef("pk")
    )
    projects = (
        institution.projects.prefetch_related("subjects")
        .annotate(held=Exists(held))
        .order_by("-is_active", "name")
    )
    return render(
        request,
        "institutions/project_list.html",
        {"projects": projects, "institution": institution},
    )


PROJECT_FIELDS = ("name", "grades", "mode", "description", "is_active")


def _held_numbers(project) -> list[str]:
    return list(project.held_cases().order_by("number").values_list("number", flat=True))


@login_required
def project_edit(request, pk=None):
    """Register a project, or change one no submitted application names yet. A project named by
    a submitted application is shown as it was submitted; only its 在办 mark may change."""
    institution = access.own_institution(request.user)
    project = access.get_project_for(request.user, pk) if pk is not None else None
    if project is not None and _held_numbers(project):
        return _held_project(request, project)
    initial = {}
    if project is None and request.GET.get("copy"):  # 以此为基础登记新项目
        source = access.get_project_for(request.user, request.GET["copy"])
        initial = {f: getattr(source, f) for f in PROJECT_FIELDS}
        initial["subjects"] = list(source.subjects.values_list("pk", flat=True))
    form = TrainingProjectForm(request.POST or None, instance=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = None
            if project is not None:  # submitted meanwhile? (submission locks its projects)
                stored = TrainingProject.objects.select_for_update().get(pk=project.pk)
                if _held_numbers(project):
                    messages.error(
                        request,
                        "该培训项目已列入刚报送的鉴定申请，不能再修改；本次修改未保存。",
                    )
                    return redirect("institutions:project_edit", project.pk)
                before = _described(stored)  # as stored: the form has changed ``project``
            project = form.save(commit=False)
            project.institution = institution
            project.save()
            form.save_m2m()
            if before is not None:
                _record_amendment(project, before, request.user)
        messages.success(request, f"培训项目“{project.name}”已保存。")
        return redirect("institutions:project_list")
    return render(request, "institutions/project_form.html", {"form": form, "project": project})


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
    from appraisal.models import CaseLog, CaseState

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
        CaseLog.objects.create(
            case=case,
            transition="amend_project",
            source=case.state,
            target=case.state,
            actor=user,
            note=f"培训项目“{project.name}”：" + "；".join(changes) + "。",
            data={"project": project.pk, "before": before, "after": after},
        )


def _held_project(request, project):
    numbers = _held_numbers(project)
    if request.method == "POST":
        wanted = request.POST.get("set_active")
        if wanted in ("0", "1") and not any(
            f in request.POST for f in TrainingProjectForm.Meta.fields
        ):
            project.is_active = wanted == "1"
            project.save(update_fields=["is_active", "updated_at"])
            messages.success(
                request,
                f"培训项目“{project.name}”已标为{'在办' if project.is_active else '停办'}。",
            )
        else:  # a form opened before the application was submitted, or a hand-made request
            messages.error(
                request,
                f"该培训项目已列入已报送的鉴定申请（案件 {'、'.join(numbers)}），"
                "不能再修改；本次修改未保存。",
            )
        return redirect("institutions:project_edit", project.pk)
    return render(
        request,
        "institutions/project_held.html",
        {"project": project, "numbers": numbers},
    )


@login_required
def staff_detail(request, pk):
    """The institution as bureau staff see it: profile, projects, cases and credit marks."""
    from appraisal import access

    from .forms import CreditMarkForm

    institution = access.get_institution_for_staff(request.user, pk)
    return render(
        request,
        "institutions/staff_detail.html",
        {
            "institution": institution,
            "projects": institution.projects.prefetch_related("subjects"),
            "cases": access.cases_visible_to(request.user)
            .filter(institution=institution)
            .select_related("institution", "bureau")
            .order_by("-created_at"),
            "marks": institution.credit_marks.select_related("bureau", "recorded_by"),
            "form": CreditMarkForm(),
        },
    )


@login_required
@require_POST
def credit_mark_add(request, pk):
    from appraisal import access
    from appraisal.services import ServiceError

    from .forms import CreditMarkForm
    from .services import add_credit_mark

    institution = access.get_institution_for_staff(request.user, pk)
    form = CreditMarkForm(request.POST)
    if form.is_valid():
        try:
            add_credit_mark(request.user, institution, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "信用评价记录已登记。")
    else:
        form_errors_to_messages(request, form)
    return redirect("institutions:staff_detail", pk=institution.pk)
