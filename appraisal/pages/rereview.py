"""Re-review pages: the institution's request or acceptance, the county's handling, the
prefecture's receipt. Thin, like views.py: read the form, call one service, show its message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal import access
from appraisal.filing.uploads import too_large_message
from appraisal.pages import typed
from appraisal.pages.forms import (
    CountyOpinionForm,
    OptionalNoteForm,
    ReasonForm,
    RereviewRequestForm,
)
from appraisal.rereview import services as services
from common.errors import ServiceError
from common.http import client_ip
from common.views import run


def _run(request, case, call, success, form=None):
    if not run(request, call, success) and form:
        typed.keep(request, case, form)  # the form comes back as it was sent
    return redirect("appraisal:case_detail", pk=case.pk)


def _too_long(request, form, case, name=None):
    """A text past its limit is refused in the form's own words: the service, which says what is
    missing, would otherwise read the refused field as empty and ask for it."""
    if form.is_valid():
        return None
    errors = [
        e for field in form.errors.as_data().values() for e in field if e.code == "max_length"
    ]
    if not errors:
        return None
    for error in errors:
        messages.error(request, error.messages[0])
    if name:
        typed.keep(request, case, name)
    return redirect("appraisal:case_detail", pk=case.pk)


def _refused_upload(request, case):
    refused = getattr(request, "refused_uploads", None)  # set while request.FILES was read
    if refused:
        messages.error(request, too_large_message(refused[0]))
        return redirect("appraisal:case_detail", pk=case.pk)
    return None


@never_cache
@login_required
@require_POST
def rereview_request(request, pk):
    case = access.get_case_for_transition(request.user, pk, "request_rereview")
    form = RereviewRequestForm(request.POST)
    too_long = _too_long(request, form, case, "request_rereview")  # kept as typed
    if too_long:
        return too_long
    data = form.cleaned_data
    reasons = data.get("reasons", "")
    files = request.FILES.getlist("files")
    refused = _refused_upload(request, case)
    try:
        if refused:
            raise ServiceError("")
        services.request_rereview(
            request.user,
            case.pk,
            reasons=reasons,
            declared=data.get("declared", False),
            files=files,
            ip=client_ip(request),
        )
    except ServiceError as exc:
        if exc.message:
            messages.error(request, exc.message)
        typed.keep(request, case, "request_rereview")  # the reasons and the declaration as typed
        if files:
            messages.info(request, "已填写的理由已保留；补充材料请重新选择后再提交。")
    else:
        messages.success(request, "复审申请已提交，请等待县（市）教育局审核。")
    return redirect("appraisal:case_detail", pk=case.pk)


@never_cache
@login_required
@require_POST
def rereview_upload(request, pk):
    case = access.get_case_for_transition(request.user, pk, "request_rereview")
    replaces = request.POST.get("replaces") or None
    return _refused_upload(request, case) or _run(
        request,
        case,
        lambda: services.upload_rereview_material(
            request.user,
            case.pk,
            uploaded=request.FILES.get("file"),
            replaces_id=replaces,
            note=request.POST.get("note", ""),  # a longer one is refused, not cut
            ip=client_ip(request),
        ),
        "复审申请材料已上传。",
    )


@never_cache
@login_required
@require_POST
def accept_result(request, pk):
    case = access.get_case_for_transition(request.user, pk, "accept_result")
    return _run(
        request,
        case,
        lambda: services.accept_result(request.user, case.pk, ip=client_ip(request)),
        "您已接受鉴定结论，案件办结。",
    )


@never_cache
@login_required
@require_POST
def rereview_forward(request, pk):
    case = access.get_case_for_transition(request.user, pk, "forward_rereview")
    form = CountyOpinionForm(request.POST)
    return _too_long(request, form, case, "forward_rereview") or _run(
        request,
        case,
        lambda: services.forward_rereview(
            request.user,
            case.pk,
            opinion=form.cleaned_data.get("opinion", ""),
            ip=client_ip(request),
        ),
        "已批准复审申请并报送州教育局，复审申请书（附件3）已出具。",
        "forward_rereview",
    )


@never_cache
@login_required
@require_POST
def rereview_refuse(request, pk):
    case = access.get_case_for_transition(request.user, pk, "refuse_rereview")
    form = ReasonForm(request.POST)
    return _too_long(request, form, case, "refuse_rereview") or _run(
        request,
        case,
        lambda: services.refuse_rereview(
            request.user,
            case.pk,
            reason=form.cleaned_data.get("reason", ""),
            ip=client_ip(request),
        ),
        "已作出不予批准复审的决定，理由已记录并告知申请机构。",
        "refuse_rereview",
    )


@never_cache
@login_required
@require_POST
def rereview_receive(request, pk):
    case = access.get_case_for_transition(request.user, pk, "receive_rereview")
    form = OptionalNoteForm(request.POST)
    return _too_long(request, form, case, "receive_rereview") or _run(
        request,
        case,
        lambda: services.receive_rereview(
            request.user, case.pk, note=form.cleaned_data.get("note", ""), ip=client_ip(request)
        ),
        "已签收复审申请，可以抽取复审专家组。",
        "receive_rereview",
    )
