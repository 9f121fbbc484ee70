"""The institution's own profile and training projects: only its members edit them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from .forms import InstitutionForm, TrainingProjectForm
from .models import TrainingProject


def _own_institution(user):
    if user.role != "institution" or user.institution is None:
        raise PermissionDenied
    return user.institution


@login_required
def profile(request):
    institution = _own_institution(request.user)
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "机构信息已保存。")
        return redirect("institutions:profile")
    return render(request, "institutions/profile.html", {"form": form, "institution": institution})


@login_required
def project_list(request):
    institution = _own_institution(request.user)
    projects = institution.projects.prefetch_related("subjects").order_by("-is_active", "name")
    return render(
        request,
        "institutions/project_list.html",
        {"projects": projects, "institution": institution},
    )


@login_required
def project_edit(request, pk=None):
    institution = _own_institution(request.user)
    project = None
    if pk is not None:
        try:
            project = TrainingProject.objects.get(pk=pk, institution=institution)
        except TrainingProject.DoesNotExist:
            raise Http404("培训项目不存在或您无权查看。") from None
    form = TrainingProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.institution = institution
        project.save()
        form.save_m2m()
        messages.success(request, f"培训项目“{project.name}”已保存。")
        return redirect("institutions:project_list")
    return render(request, "institutions/project_form.html", {"form": form, "project": project})
