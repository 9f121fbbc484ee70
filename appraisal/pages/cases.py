"""Case pages. Thin: read a form, call one service, show its message."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

import audit
from appraisal import access
from appraisal.filing import cases as case_services
from appraisal.filing import materials as material_services
from appraisal.filing.uploads import too_large_message
from appraisal.models import Case, CaseState, MaterialKind
from appraisal.models.rereview import DECLARATION_TEXT
from appraisal.pages import typed
from appraisal.pages.forms import (
    ApplicationForm,
    CaseFilterForm,
    MaterialUploadForm,
    OptionalNoteForm,
    ReasonForm,
    ReturnForm,
)
from appraisal.pages.owed import owed_now
from appraisal.pages.panel import PANEL_STEPS, panel_context, rounds_overview
from appraisal.pages.review import review_context
from appraisal.workflow import policy
from appraisal.workflow.deadlines import next_deadline
from appraisal.workflow.states import RETURNED
from audit.models import Action
from common.errors import ServiceError
from common.forms import form_errors_to_messages
from common.http import attachment, client_ip
from common.limits import NOTE_MAX, REASON_MAX, TEXT_MAX
from common.views import run
from institutions.models import Institution
from portal.models import Bureau
from portal.pagination import CappedPaginator


def filtered_cases(request, queryset):
    """Apply the list filters (state, county, search) and paginate."""
    form = CaseFilterForm(request.GET or None)
    if form.is_valid():
        q = form.cleaned_data.get("q", "").strip()
        if q:
            # Two index lookups (trigram indexes on PostgreSQL), not a scan of every institution.
            named = Institution.objects.filter(name__icontains=q).values("pk")
            queryset = queryset.filter(Q(number__icontains=q) | Q(institution_id__in=named))
        state = form.cleaned_data.get("state")
        if state == RETURNED:  # drafts the county sent back for 补正
            queryset = Case.sent_back(queryset)
        elif state:
            queryset = queryset.filter(state=state)
        if form.cleaned_data.get("bureau"):
            queryset = queryset.filter(bureau_id=form.cleaned_data["bureau"])
    elif form.is_bound:  # a hand-edited address: say so rather than silently list everything
        messages.error(request, "筛选条件有误，以下为未经筛选的列表。")
        form_errors_to_messages(request, form)
    queryset = Case.flag_rereview_requests(
        queryset.select_related("institution", "bureau").order_by("-created_at", "-id")
    )
    page = CappedPaginator(queryset, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    Case.attach_last_returns(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return form, page, query.urlencode()


@login_required
def case_list(request):
    if not access.can_list_cases(request.user):
        raise PermissionDenied("您的账户没有案件列表。")
    form, page, query = filtered_cases(request, access.cases_visible_to(request.user))
    bureaus = []
    if request.user.role == "prefecture":
        bureaus = Bureau.objects.filter(
            Q(pk=request.user.bureau_id) | Q(parent_id=request.user.bureau_id)
        )
    return render(
        request,
        "appraisal/case_list.html",
        {"filter_form": form, "page": page, "query": query, "bureaus": bureaus},
    )


@never_cache
@login_required
def case_create(request):
    user = request.user
    institution = access.own_institution(user)
    # "申请鉴定此项目" from the project list: that project ticked (the form offers only the
    # institution's own projects, so another's id selects nothing).
    initial = {"projects": [request.GET["project"]]} if request.GET.get("project") else {}
    form = ApplicationForm(request.POST or None, institution=institution, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.create_case(
                user,
                projects=form.cleaned_data["projects"],
                statement=form.cleaned_data["statement"],
                ip=client_ip(request),
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已创建鉴定申请 {case.number}，请上传申报材料后提交。")
            return redirect("appraisal:case_detail", pk=case.pk)
    return render(request, "appraisal/case_form.html", {"form": form, "case": None})


@never_cache
@login_required
def case_edit(request, pk):
    case = access.get_case_to_edit(request.user, pk)
    initial = {"projects": list(case.projects.all()), "statement": case.statement}
    form = ApplicationForm(
        request.POST or None, institution=case.institution, case=case, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        if run(
            request,
            lambda: case_services.update_application(
                request.user,
                case.pk,
                projects=form.cleaned_data["projects"],
                statement=form.cleaned_data["statement"],
            ),
            "申请内容已保存。",
            form=form,
        ):
            return redirect("appraisal:case_detail", pk=case.pk)
    return render(request, "appraisal/case_form.html", {"form": form, "case": case})


def material_checklist(case, materials):
    """Per kind: required or not, and the current files (the completeness checklist)."""
    required = set(settings.APPRAISAL_REQUIRED_MATERIALS)
    # The same file filed under several kinds (a syllabus given as the plan too): said beside it,
    # for the institution before it submits and for the clerk who checks completeness.
    kinds_of = {}
    for m in materials:
        if m.is_current:
            kinds_of.setdefault(m.sha256, set()).add(m.kind)
    for m in materials:
        m.same_as = [
            MaterialKind(k).label
            for k in MaterialKind.values
            if k in kinds_of.get(m.sha256, ()) and k != m.kind
        ]
    rows = []
    for kind, label in MaterialKind.choices:
        files = [m for m in materials if m.kind == kind]
        rows.append(
            {
                "kind": kind,
                "label": label,
                "required": kind in required,
                "current": [m for m in files if m.is_current],
                "history": [m for m in files if not m.is_current],
            }
        )
    return rows


@never_cache
@login_required
def case_detail(request, pk, upload_form=None):
    case = access.get_case_for(request.user, pk)
    rereview = getattr(case, "rereview_request", None)  # read once; the page's parts reuse it
    materials = list(
        case.materials.filter(rereview__isnull=True)
        .select_related("uploaded_by", "replaced_by")
        .order_by("kind", "-version", "-uploaded_at")
    )

    actions = policy.actions_for(request.user, case)
    panel = panel_context(request.user, case)

    review = review_context(request.user, case)
    log = case.log.select_related("actor").order_by("at", "id")
    if not panel["panel_names_visible"]:
        log = log.exclude(transition__in=PANEL_STEPS)
    log = list(log)
    documents = access.documents_visible_to(request.user, case)
    kept = typed.take(request, case)  # a refused action form, as it was sent
    missing = case.missing_material_kinds()
    return render(
        request,
        "appraisal/case_detail.html",
        {
            "case": case,
            "projects": case.projects.prefetch_related("subjects"),
            "checklist": material_checklist(case, materials),
            "missing": missing,
            "documents": documents,
            "rounds": rounds_overview(request.user, case, panel, documents),
            "deadline": next_deadline(case),
            "owed": owed_now(
                case,
                actions,
                review_rounds=review["review_rounds"],
                missing=missing,
            ),
            "rereview": rereview,
            "rereview_materials": list(rereview.materials.order_by("uploaded_at", "id"))
            if rereview
            else [],
            "rereview_window": case.rereview_window_ends()
            if case.state == CaseState.DECIDED
            else (None, None),
            "declaration_text": DECLARATION_TEXT,
            "days_to_request": settings.APPRAISAL_DAYS_TO_REQUEST_REREVIEW,
            "log": log,
            "actions": actions,
            "upload_form": upload_form or MaterialUploadForm(),
            "return_form": ReturnForm(
                initial=kept.get("return_for_completion") or {"missing": missing}
            ),
            "typed": kept,
            "limits": {"note": NOTE_MAX, "reason": REASON_MAX, "text": TEXT_MAX},
            "reason_form": ReasonForm(),
            "note_form": OptionalNoteForm(),
            "credit_marks": case.institution.credit_marks.select_related("bureau")
            if access.is_case_staff(request.user, case)
            else [],
            **panel,
            **review,
        },
    )


@never_cache
@login_required
@require_POST
def material_upload(request, pk):
    case = access.get_case_to_edit(request.user, pk)
    form = MaterialUploadForm(request.POST, request.FILES)
    refused = getattr(request, "refused_uploads", None)  # set while request.FILES was read
    if refused:
        messages.error(request, too_large_message(refused[0]))
        return redirect("appraisal:case_detail", pk=case.pk)
    if form.is_valid():
        try:
            stored = material_services.upload_materials(
                request.user,
                case.pk,
                kind=form.cleaned_data["kind"],
                files=form.cleaned_data["file"],
                replaces_id=form.cleaned_data.get("replaces"),
                note=form.cleaned_data.get("note", ""),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已上传：" + "；".join(str(m) for m in stored))
            return redirect("appraisal:case_detail", pk=case.pk)
    else:
        form_errors_to_messages(request, form)
    # The page again with the kind and note as chosen: only the file is to be picked again.
    return case_detail(request, case.pk, upload_form=form)


@login_required
def material_download(request, pk):
    material = access.get_material_for(request.user, pk)
    audit.record(request, Action.MATERIAL_DOWNLOAD, material, sha256=material.sha256)
    return attachment(material.file, material.original_name, material.content_type)


@login_required
def document_download(request, pk):
    document = access.get_document_for(request.user, pk)
    audit.record(request, Action.DOCUMENT_DOWNLOAD, document, sha256=document.sha256)
    return attachment(document.file, document.filename, "application/pdf")


def _transition_view(request, pk, transition, call, success, form_class=None):
    case = access.get_case_for_transition(request.user, pk, transition)
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            form_errors_to_messages(request, form)
            typed.keep(request, case, transition)  # the form comes back as it was sent
            return redirect("appraisal:case_detail", pk=case.pk)
        kwargs = form.cleaned_data
    try:
        call(request.user, case.pk, ip=client_ip(request), **kwargs)
    except ServiceError as exc:
        messages.error(request, exc.message)
        typed.keep(request, case, transition)
    else:
        messages.success(request, success)
    return redirect("appraisal:case_detail", pk=case.pk)


@never_cache
@login_required
@require_POST
def case_submit(request, pk):
    return _transition_view(
        request, pk, "submit", case_services.submit_case, "申请已提交，请等待县（市）教育局受理。"
    )


@never_cache
@login_required
@require_POST
def case_withdraw(request, pk):
    return _transition_view(
        request,
        pk,
        "withdraw",
        lambda user, case_id, ip, note: case_services.withdraw_case(
            user, case_id, reason=note, ip=ip
        ),
        "申请已撤回。",
        OptionalNoteForm,
    )


@never_cache
@login_required
@require_POST
def case_accept(request, pk):
    return _transition_view(
        request,
        pk,
        "accept",
        case_services.accept_case,
        "已受理，受理通知书已出具。",
        OptionalNoteForm,
    )


@never_cache
@login_required
@require_POST
def case_return(request, pk):
    return _transition_view(
        request,
        pk,
        "return_for_completion",
        lambda user, case_id, ip, missing, note: case_services.return_case(
            user, case_id, missing_kinds=missing, note=note, ip=ip
        ),
        "已退回补正，补正材料通知书已出具。",
        ReturnForm,
    )


@never_cache
@login_required
@require_POST
def case_refuse(request, pk):
    return _transition_view(
        request,
        pk,
        "refuse",
        case_services.refuse_case,
        "已作出不予受理决定，通知书已出具。",
        ReasonForm,
    )
