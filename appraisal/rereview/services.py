"""The re-review (guide 七(五); docs/domain.md §复审): the institution's request (附件3) or its acceptance
of the result, the county's approval and forwarding or refusal, the prefecture's receipt, and the
closing of cases whose window has passed (the daily timer)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal import access
from appraisal.documents import issue_document
from appraisal.documents.context import CATEGORY_LABELS, remedy
from appraisal.documents.issue import public_summary
from appraisal.filing.materials import store_material
from appraisal.filing.uploads import check_upload
from appraisal.models import Case, CaseState, IssuedDocument, MaterialKind, RereviewRequest, Round
from appraisal.models.rereview import DECLARATION_TEXT
from appraisal.workflow import policy
from appraisal.workflow.transitions import lock_case, log_step, run_transition
from common.errors import ServiceError
from common.limits import SHORT_MAX, within
from common.text import cn_date
from portal.notify import bureau_staff, institution_members, notify_from


def case_url(case) -> str:
    return reverse("appraisal:case_detail", args=[case.pk])


def _check_files(files):
    checked = []
    for uploaded in files or []:
        try:
            checked.append((uploaded, check_upload(uploaded)))
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from None  # it names the file
    return checked


def _veto_request(case):
    """Why the institution cannot request a re-review now, in its words (or None)."""
    request = RereviewRequest.objects.filter(case=case).first()
    if request is not None:
        if request.is_refused:
            return "本案的复审申请已被县（市）教育局不予批准，鉴定结论为最终结论，不能再次申请。"
        return "本案已提出过复审申请，每个案件只能申请一次。"
    ends, _ = case.rereview_window_ends()
    if ends is None:
        return "本案尚未作出鉴定结论，不能申请复审。"
    if not case.rereview_window_open():
        return f"已超过复审申请期限（{cn_date(ends)}），不能再申请复审。"
    return None


def request_rereview(user, case_id, *, reasons: str, declared: bool, files=(), ip=None):
    """复审申请: reasons, supporting material and the truthfulness declaration, in one step."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise ServiceError("请填写申请复审的理由。")
    if not declared:
        raise ServiceError("请确认真实性声明：申请书所填内容及所附材料真实、准确、完整。")
    checked = _check_files(files)
    made = {}

    def before(case):
        veto = _veto_request(case)
        if veto:
            raise ServiceError(veto)

    def after(case, log):
        ends, _ = case.rereview_window_ends()
        request = RereviewRequest.objects.create(
            case=case,
            reasons=reasons,
            declaration=DECLARATION_TEXT,
            requested_by=user,
            window_ends=ends,
        )
        for uploaded, check in checked:
            store_material(
                user,
                case,
                kind=MaterialKind.OTHER,
                uploaded=uploaded,
                checked=check,
                note="复审申请材料",
                rereview=request,
            )
        made["request"] = request
        notify_from(
            "rereview_requested", bureau_staff(case.bureau), {}, url=case_url(case), case=case
        )

    run_transition(
        case_id, user, "request_rereview", note=reasons[:500], ip=ip, before=before, after=after
    )
    return made["request"]


def upload_rereview_material(user, case_id, *, uploaded, replaces_id=None, note="", ip=None):
    """A further file, or a new version of one, while the county has not yet handled the request."""
    if uploaded is None:
        raise ServiceError("请选择要上传的文件。")
    ((_, checked),) = _check_files([uploaded])
    with transaction.atomic():
        case = lock_case(case_id)
        policy.check(user, case, "rereview_upload")
        request = RereviewRequest.objects.get(case=case)
        return store_material(
            user,
            case,
            kind=MaterialKind.OTHER,
            uploaded=uploaded,
            checked=checked,
            replaces_id=replaces_id,
            note=note or "复审申请材料",
            rereview=request,
        )


def accept_result(user, case_id, *, ip=None):
    """The institution accepts the county's result: the case closes."""

    def after(case, log):
        notify_from("result_accepted", bureau_staff(case.bureau), {}, url=case_url(case), case=case)

    return run_transition(case_id, user, "accept_result", ip=ip, after=after)


# ---- the county -------------------------------------------------------------------------------
def original_result(case) -> dict:
    """The first round's 附件2: its serial and per-project results (for 附件3)."""
    opinion = (
        IssuedDocument.objects.filter(case=case, kind=IssuedDocument.Kind.OPINION, round__number=1)
        .order_by("-issued_at", "-id")
        .first()
    )
    if opinion is None:
        return {"serial": "", "projects": []}
    return {
        "serial": opinion.serial,
        "issued_at": opinion.issued_at,
        "projects": [
            {"name": p["name"], "result": CATEGORY_LABELS.get(p.get("result"), "—")}
            for p in opinion.public_summary.get("projects", [])
        ],
    }


def rereview_context(case, request, *, approved: bool, opinion: str) -> dict:
    """附件3's plain context (documents/rereview.html)."""
    inst = case.institution
    return {
        "institution": {
            "name": inst.name,
            "credit_code": inst.credit_code,
            "licence_no": inst.licence_no,
            "address": inst.address,
            "legal_representative": inst.legal_representative,
            "contact": f"{inst.contact_name}（{inst.contact_phone}）",
        },
        "case_number": case.number,
        "original": original_result(case),
        "reasons": request.reasons,
        "materials": [
            {"name": m.original_name, "version": m.version, "sha256": m.sha256}
            for m in request.materials.order_by("uploaded_at", "id")
            if m.is_current
        ],
        "declaration": request.declaration,
        "requested_at": request.requested_at,
        "requested_by": request.requested_by.display_name,
        "county": {"approved": approved, "opinion": opinion, "at": timezone.now()},
        # refused, the county's result stands as final: the remedies against it
        "remedy": "" if approved else "原鉴定结论为最终结论。" + remedy(case.bureau),
        "prefecture_name": case.bureau.prefecture.bureau_name,
    }


def _handle(user, case_id, name, *, opinion: str, approved: bool, ip=None):
    made = {}

    def after(case, log):
        request = RereviewRequest.objects.select_for_update().get(case=case)
        request.status = (
            RereviewRequest.Status.FORWARDED if approved else RereviewRequest.Status.REFUSED
        )
        request.county_opinion = opinion
        request.handled_by = user
        request.handled_at = timezone.now()
        second = case.rounds.filter(number=Round.PREFECTURE).first()
        kind = IssuedDocument.Kind.REREVIEW
        request.document = issue_document(
            case=case,
            kind=kind,
            bureau=case.bureau,
            template="documents/rereview.html",
            context=rereview_context(case, request, approved=approved, opinion=opinion),
            user=user,
            round=second,
            public=public_summary(case, kind),
        )
        request.save()
        made["request"] = request
        if approved:
            notify_from(
                "rereview_forwarded_to_prefecture",
                bureau_staff(case.bureau.prefecture, "prefecture"),
                {},
                url=case_url(case),
                case=case,
            )
        notify_from(
            "rereview_forwarded" if approved else "rereview_refused",
            institution_members(case.institution),
            {"reason": opinion},
            url=case_url(case),
            case=case,
        )

    run_transition(case_id, user, name, note=opinion[:500], ip=ip, after=after)
    return made["request"]


def forward_rereview(user, case_id, *, opinion: str, ip=None):
    """批准并报送: with the county's opinion; 附件3 is issued under the county's seal and round 2
    (the prefecture's) begins."""
    opinion = (opinion or "").strip()
    if not opinion:
        raise ServiceError("批准报送复审申请时，请填写县（市）教育局意见。")
    return _handle(user, case_id, "forward_rereview", opinion=opinion, approved=True, ip=ip)


def refuse_rereview(user, case_id, *, reason: str, ip=None):
    """不予批准, with written reasons: recorded on 附件3 and shown; the result is final."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("不予批准复审申请时必须写明理由。")
    return _handle(user, case_id, "refuse_rereview", opinion=reason, approved=False, ip=ip)


# ---- the prefecture ---------------------------------------------------------------------------
def receive_rereview(user, case_id, *, note: str = "", ip=None):
    """签收: the prefecture records that it received the forwarded request and its materials."""
    with transaction.atomic():
        case = lock_case(case_id)
        if not access.can_view_case(user, case):
            raise ServiceError("案件不存在或您无权操作。")
        policy.check(user, case, "receive_rereview")
        request = RereviewRequest.objects.select_for_update().get(case=case)
        request.received_by = user
        request.received_at = timezone.now()
        request.receipt_note = within(note, SHORT_MAX, "签收说明")
        request.save(update_fields=["received_by", "received_at", "receipt_note"])
        log_step(case, "receive_rereview", user, note=request.receipt_note, ip=ip)
        notify_from(
            "rereview_received",
            bureau_staff(case.bureau) + institution_members(case.institution),
            {},
            url=case_url(case),
            case=case,
        )
    return request


# ---- the daily timer --------------------------------------------------------------------------
def close_lapsed_windows(today=None) -> list:
    """Decided cases whose re-review window has passed are closed (actor: the system); a window
    whose last day was counted on the law's holidays alone stays open until the year's notice is
    entered (``Case.rereview_window_open``)."""
    closed = []
    for case in _decided_cases():
        if not case.rereview_window_passed(today):
            continue

        def after(case, log):
            notify_from(
                "case_closed_after_window",
                institution_members(case.institution) + bureau_staff(case.bureau),
                {},
                url=case_url(case),
                case=case,
            )

        try:
            run_transition(
                case.pk, None, "close_after_window", note="复审申请期限届满。", after=after
            )
        except ServiceError:
            continue  # someone was faster (a request filed today, or closed meanwhile)
        closed.append(case)
    return closed


def _decided_cases():
    return list(
        Case.objects.filter(state=CaseState.DECIDED).select_related("institution", "bureau")
    )


_LOOK = object()  # opinion_standing: find the replacing opinion, if any


def opinion_standing(document, *, round=None, case=None, later=_LOOK) -> dict | None:
    """Whether a 鉴定意见书's result is the final one (guide 七(五)): a county opinion may still be
    open to a re-review, await one, or have been replaced by the prefecture's (``replacement``);
    the re-review's opinion is final. Someone holding the county's paper must not be told it
    stands when it does not. ``status`` is final, open, pending or replaced, ``heading`` says it in
    a few words, ``text`` in full; None for other documents. Shown on the public verification
    page and on the case page, which pass what they hold already (the round, the case, the
    prefecture's opinion or None)."""
    round = round or document.round
    if document.kind != IssuedDocument.Kind.OPINION or round is None:
        return None
    if round.number == Round.PREFECTURE:
        return _standing("final", "本意见书为州级复审鉴定结论，为最终结论。")
    case = case or document.case
    if later is _LOOK:  # the prefecture's decision closes the case: only a closed one has it
        later = None
        if case.state == CaseState.CLOSED:
            later = replacing_opinion(document.case_id)
    if later is not None:
        return _standing(
            "replaced",
            "该鉴定结果已被复审结论取代，不再有效（见下方的复审鉴定意见书）。",
            replacement=later,
        )
    if case.state not in (CaseState.DECIDED, CaseState.CLOSED):
        # requested, forwarded, or the prefecture's round under way (drawn, in review, signed)
        return _standing(
            "pending", "培训机构已对该鉴定结果申请复审，复审结论出具前该结果尚非最终结论。"
        )
    if case.state == CaseState.DECIDED and case.may_request_rereview():
        ends, basis = case.rereview_window_ends()
        return _standing(
            "open",
            f"复审申请期至 {cn_date(ends)}（{basis.label}）；期满未申请复审的，该鉴定结果为最终结论。",
        )
    return _standing("final", "未申请复审或复审申请未获批准，该鉴定结果为最终结论。")


STANDING_HEADINGS = {
    "final": "最终结论",
    "replaced": "已被复审结论取代",
    "pending": "尚非最终结论",
    "open": "尚非最终结论",
}


def _standing(status, text, replacement=None) -> dict:
    return {
        "status": status,
        "heading": STANDING_HEADINGS[status],
        "text": text,
        "replacement": replacement,
    }


def replacing_opinion(case_id):
    """The prefecture's 鉴定意见书 of the case, if its re-review ended in one."""
    return (
        IssuedDocument.objects.filter(
            case_id=case_id, kind=IssuedDocument.Kind.OPINION, round__number=Round.PREFECTURE
        )
        .select_related("bureau")
        .first()
    )
