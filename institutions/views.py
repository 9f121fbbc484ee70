"""The institution's own profile and training projects: only its members edit them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal import access
from appraisal.filing import cases as case_services
from common.errors import ServiceError
from common.forms import form_errors_to_messages
from common.views import run

from .forms import CreditMarkForm, InstitutionForm, TrainingProjectForm
from .models import TrainingProject, held_condition
from .services import add_credit_mark


@never_cache
@login_required
def profile(request):
    institution = access.own_institution(request.user)
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "机构信息已保存。")
        return redirect("institutions:profile")
    marks = institution.credit_marks.select_related("bureau")
    return render(
        request,
        "institutions/profile.html",
        {"form": form, "institution": institution, "marks": marks},
    )


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


def _held_numbers(project) -> list[str]:
    return list(project.held_cases().order_by("number").values_list("number", flat=True))


@never_cache
@login_required
def project_edit(request, pk=None):
    """Register a project, or change one no submitted application names yet. A project named by
    a submitted application is shown as it was submitted; only its 在办 mark may change."""
    access.own_institution(request.user)  # 403 for anyone but an institution's member
    project = access.get_project_for(request.user, pk) if pk is not None else None
    if project is not None and _held_numbers(project):
        return _held_project(request, project)
    initial = {}
    if project is None and request.GET.get("copy"):  # 以此为基础登记新项目
        source = access.get_project_for(request.user, request.GET["copy"])
        initial = {f: getattr(source, f) for f in case_services.PROJECT_FIELDS}
        initial["subjects"] = list(source.subjects.values_list("pk", flat=True))
    form = TrainingProjectForm(request.POST or None, instance=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = case_services.save_project(
                request.user, None if project is None else project.pk, form.cleaned_data
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)  # what was typed stays on the page
        else:
            messages.success(request, f"培训项目“{saved.name}”已保存。")
            return redirect("institutions:project_list")
    return render(request, "institutions/project_form.html", {"form": form, "project": project})


def _held_project(request, project):
    numbers = _held_numbers(project)
    if request.method == "POST":
        wanted = request.POST.get("set_active")
        if wanted in ("0", "1") and not any(
            f in request.POST for f in TrainingProjectForm.Meta.fields
        ):
            try:
                project = case_services.set_project_active(request.user, project.pk, wanted == "1")
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
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


@never_cache
@login_required
def staff_detail(request, pk):
    """The institution as bureau staff see it: profile, projects, cases and credit marks."""
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


@never_cache
@login_required
@require_POST
def credit_mark_add(request, pk):
    institution = access.get_institution_for_staff(request.user, pk)
    form = CreditMarkForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: add_credit_mark(request.user, institution, **form.cleaned_data),
            "信用评价记录已登记。",
        )
    else:
        form_errors_to_messages(request, form)
    return redirect("institutions:staff_detail", pk=institution.pk)
