"""The expert pool pages: prefecture staff see every pool and keep the prefecture's, county
staff keep their county's; an expert declares its own ties."""

import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal import access
from appraisal.models import Seat
from common.errors import ServiceError
from common.forms import form_errors_to_messages
from common.views import run
from portal.models import Bureau, Subject

from . import services, sheets
from .forms import CreditRecordForm, ExpertFilterForm, ExpertForm, ImportForm, TieForm
from .models import Expert

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_BYTES = 5 * 1024 * 1024


def _staff(user):
    if user.role not in ("county", "prefecture") or not user.bureau_id:
        raise PermissionDenied("只有县（市）、州教育局工作人员可以查看专家库。")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=experts.xlsx; filename*=UTF-8''{_quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _quote(name):
    return quote(name)


def _filtered(request):
    experts = access.experts_visible_to(request.user)
    form = ExpertFilterForm(request.GET or None)
    if form.is_valid():
        q = form.cleaned_data.get("q", "").strip()
        if q:
            experts = experts.filter(
                Q(name__icontains=q) | Q(employer__icontains=q) | Q(phone__icontains=q)
            )
        if form.cleaned_data.get("status"):
            experts = experts.filter(status=form.cleaned_data["status"])
        if form.cleaned_data.get("pool"):
            experts = experts.filter(pool_id=form.cleaned_data["pool"])
        if form.cleaned_data.get("subject"):
            experts = experts.filter(subjects__code=form.cleaned_data["subject"])
    elif form.is_bound:  # a hand-edited address: say so, as the case list does
        messages.error(request, "筛选条件有误，以下为未经筛选的列表。")
        form_errors_to_messages(request, form)
    return form, experts.distinct()


@login_required
def expert_list(request):
    _staff(request.user)
    form, experts = _filtered(request)
    experts = (
        experts.select_related("pool")
        .prefetch_related("subjects")
        .annotate(credit_count=Count("credit_records", distinct=True))
        .order_by("pool__order", "name", "id")
    )
    page = Paginator(experts, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    pools = (
        Bureau.objects.filter(Q(pk=request.user.bureau_id) | Q(parent_id=request.user.bureau_id))
        if request.user.role == "prefecture"
        else []
    )
    return render(
        request,
        "experts/expert_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "pools": pools,
            "subjects": Subject.objects.filter(is_active=True),
            "own_pool": request.user.bureau,
        },
    )


@login_required
def expert_export(request):
    _staff(request.user)
    _, experts = _filtered(request)
    experts = experts.select_related("pool", "user").prefetch_related("subjects", "credit_records")
    return _xlsx(sheets.export_bytes(experts), "专家名单.xlsx")


@login_required
def import_template(request):
    _staff(request.user)
    return _xlsx(sheets.template_bytes(), "专家名单导入模板.xlsx")


def _expert_form_data(form):
    data = dict(form.cleaned_data)
    data.pop("username", None)
    return data


@never_cache
@login_required
def expert_create(request):
    _staff(request.user)
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _expert_form_data(form)
        try:
            expert = services.create_expert(
                request.user, username=form.cleaned_data.get("username") or data["phone"], **data
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"专家“{expert.name}”已入库。")
            return redirect("experts:expert_detail", pk=expert.pk)
    return render(request, "experts/expert_form.html", {"form": form, "expert": None})


@never_cache
@login_required
def expert_edit(request, pk):
    expert = access.get_expert_for(request.user, pk)
    if not access.can_manage_expert(request.user, expert):
        raise PermissionDenied("只能维护本局专家库中的专家。")
    form = ExpertForm(request.POST or None, instance=Expert.objects.get(pk=expert.pk))
    if request.method == "POST" and form.is_valid():
        if run(
            request,
            lambda: services.update_expert(request.user, expert.pk, **_expert_form_data(form)),
            "专家信息已保存。",
            form=form,
        ):
            return redirect("experts:expert_detail", pk=expert.pk)
    return render(request, "experts/expert_form.html", {"form": form, "expert": expert})


@never_cache
@login_required
def expert_detail(request, pk):
    expert = access.get_expert_for(request.user, pk)

    return render(
        request,
        "experts/expert_detail.html",
        {
            "expert": expert,
            "can_manage": access.can_manage_expert(request.user, expert),
            "ties": expert.ties.select_related("institution", "declared_by"),
            "records": expert.credit_records.select_related("recorded_by", "bureau"),
            "seats": Seat.objects.filter(expert=expert)
            .select_related("round__case")
            .order_by("-invited_at")[:50],
            "tie_form": TieForm(auto_id="tie_%s"),  # two forms on one page: ids of their own
            "credit_form": CreditRecordForm(auto_id="credit_%s"),
        },
    )


@never_cache
@login_required
@require_POST
def tie_add(request, pk):
    expert = access.get_expert_for(request.user, pk)
    form = TieForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.add_tie(request.user, expert.pk, **form.cleaned_data),
            "关联关系已登记。",
        )
    else:
        form_errors_to_messages(request, form)
    return redirect("experts:expert_detail", pk=expert.pk)


@never_cache
@login_required
@require_POST
def credit_add(request, pk):
    expert = access.get_expert_for(request.user, pk)
    form = CreditRecordForm(request.POST)
    if form.is_valid():
        if run(
            request,
            lambda: services.add_credit_record(request.user, expert.pk, **form.cleaned_data),
            "信用管理记录已登记，该专家今后不再被抽取。",
        ):
            at_work = [s.round.case.number for s in services.seats_at_work(expert)]
            if at_work:
                messages.warning(
                    request,
                    f"该专家目前仍在以下进行中的鉴定专家组中：{'、'.join(at_work)}。"
                    "依指南九（三）不再聘请其继续参与，已通知组织该轮鉴定的教育局依规处理。",
                )
    else:
        form_errors_to_messages(request, form)
    return redirect("experts:expert_detail", pk=expert.pk)


IMPORT_SESSION_KEY = "expert_import"


@never_cache
@login_required
def expert_import(request):
    """Upload → preview (every row's problems, nothing saved) → confirm (all or nothing)."""
    _staff(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_SHEET_BYTES:
            form.add_error("file", "文件过大（上限 5 MB）。")
        else:
            data = upload.read()
            parsed = sheets.parse(data)
            token = None
            if parsed.ok:
                token = uuid.uuid4().hex
                default_storage.save(f"imports/{token}.xlsx", ContentFile(data))
                request.session[IMPORT_SESSION_KEY] = token
            return render(
                request,
                "experts/import_preview.html",
                {"parsed": parsed, "token": token, "pool": request.user.bureau},
            )
    return render(request, "experts/import_form.html", {"form": form, "pool": request.user.bureau})


@never_cache
@login_required
@require_POST
def expert_import_confirm(request):
    _staff(request.user)
    token = request.POST.get("token", "")
    if not token or request.session.get(IMPORT_SESSION_KEY) != token:
        messages.error(request, "导入预览已失效，请重新上传表格。")
        return redirect("experts:expert_import")
    with default_storage.open(f"imports/{token}.xlsx", "rb") as handle:
        data = handle.read()
    try:
        created = services.import_sheet(request.user, data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("experts:expert_import")
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(request, f"已导入 {len(created)} 名专家。初始密码请联系系统管理员设置。")
    return redirect("experts:expert_list")


@never_cache
@login_required
def my_ties(request):
    """The expert's own declarations of ties (declared in advance, docs/domain.md §回避与独立性)."""
    expert = getattr(request.user, "expert_profile", None)
    if request.user.role != "expert" or expert is None:
        raise PermissionDenied
    form = TieForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run(
            request,
            lambda: services.add_tie(request.user, expert.pk, **form.cleaned_data),
            "关联关系已申报；涉及该机构的鉴定将不再抽取您。",
            form=form,
        ):
            return redirect("experts:my_ties")
    return render(
        request,
        "experts/my_ties.html",
        {"expert": expert, "ties": expert.ties.select_related("institution"), "form": form},
    )
