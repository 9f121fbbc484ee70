"""The institution's own profile and training projects: only its members edit them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from appraisal import access
from portal.ui import form_errors_to_messages

from .forms import InstitutionForm, TrainingProjectForm


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
    projects = institution.projects.prefetch_related("subjects").order_by("-is_active", "name")
    return render(
        request,
        "institutions/project_list.html",
        {"projects": projects, "institution": institution},
    )


@login_required
def project_edit(request, pk=None):
    institution = access.own_institution(request.user)
    project = None
    if pk is not None:
        project = access.get_project_for(request.user, pk)
    form = TrainingProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.institution = institution
        project.save()
        form.save_m2m()
        messages.success(request, f"培训项目“{project.name}”已保存。")
        return redirect("institutions:project_list")
    return render(request, "institutions/project_form.html", {"form": form, "project": project})


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
