"""The decision and its seal (guide 七(四), 八(三)): the round's bureau determines each
project's category on the basis of the signed opinion, and 附件2 is issued under its seal."""

from django.db import transaction
from django.utils import timezone

import audit
from appraisal.documents import issue_document
from appraisal.documents.context import CATEGORY_LABELS
from appraisal.documents.issue import public_summary
from appraisal.documents.review_context import opinion_context
from appraisal.models import Decision, IssuedDocument, Round
from appraisal.models.review import ACADEMIC, NON_ACADEMIC
from appraisal.review.activities import NO_MEETING, held_meeting
from appraisal.review.read import accepted_seats
from appraisal.review.rounds import case_url, lock_round
from appraisal.workflow import policy
from appraisal.workflow.transitions import run_transition
from audit.models import Action
from common.errors import ServiceError
from portal.notify import bureau_staff, institution_members, notify_from
from portal.reauth import check_reauth

# The transition that makes a round's decision take effect: the county's decides the case (a
# re-review may follow); the prefecture's re-review result is final and closes it.
DECISION_TRANSITIONS = {Round.COUNTY: "decide", Round.PREFECTURE: "close_after_rereview"}


def decision_transition(round) -> str:
    try:
        return DECISION_TRANSITIONS[round.number]
    except KeyError:
        raise ServiceError("该轮次的类别确定尚未开放。") from None


def stamp_decision(
    user,
    round,
    *,
    categories: dict | None = None,
    reason: str = "",
    reauth: str,
    ip=None,
    request=None,
) -> Decision:
    """确定类别并盖章 (guide 七(四), 八(三)): a clerk of the round's bureau with the stamp permission
    decides each project's category on the basis of the opinion (a different one only with a
    written reason), re-authenticates, and the seal is applied: 附件2 is issued and signed, and
    the round's decision transition runs. The institution is told."""
    reason = (reason or "").strip()
    error = check_reauth(user, reauth, request=request)
    if error:
        raise ServiceError(error)
    with transaction.atomic():
        case, round = lock_round(round)
        name = decision_transition(round)
        if hasattr(round, "decision"):
            raise ServiceError("本轮鉴定已确定类别并盖章，不能重复办理。")
        policy.check(user, case, "stamp")
        if not held_meeting(round):
            raise ServiceError(NO_MEETING)
        opinion = round.opinion
        categories = {str(k): v for k, v in (categories or {}).items()}
        results = []
        for r in opinion.results:
            category = categories.get(str(r["project"])) or r["result"]
            if category not in (ACADEMIC, NON_ACADEMIC):
                raise ServiceError("确定的类别只能是学科类或非学科类。")
            results.append(
                {
                    "project": r["project"],
                    "name": r["name"],
                    "opinion": r["result"],
                    "category": category,
                }
            )
        differs = any(r["category"] != r["opinion"] for r in results)
        if differs and not reason:
            raise ServiceError("确定的类别与专家组鉴定意见不同的，必须写明理由。")

        def after(case, log):
            seats = accepted_seats(round)
            now = timezone.now()
            decision = Decision(
                round=round,
                results=results,
                reason=reason if differs else "",
                decided_by=user,
                decided_at=now,
                stamped_by=user,
                stamped_at=now,
            )
            projects = [{"name": r["name"], "result": r["category"]} for r in results]
            decision.document = issue_document(
                case=case,
                kind=IssuedDocument.Kind.OPINION,
                bureau=round.bureau,
                template="documents/opinion.html",
                context=opinion_context(round, decision, seats),
                user=user,
                round=round,
                public=public_summary(case, IssuedDocument.Kind.OPINION, projects=projects),
            )
            decision.save()
            audit.record(
                request or user,
                Action.STAMP,
                case,
                ip=ip,
                round=round.number,
                serial=decision.document.serial,
                results={r["name"]: r["category"] for r in results},
            )
            told = {
                "bureau": round.bureau,
                "serial": decision.document.serial,
                "results": [
                    {"name": r["name"], "label": CATEGORY_LABELS[r["category"]]} for r in results
                ],
            }
            url = case_url(case)
            final = round.number == Round.PREFECTURE  # the re-review's result ends the case
            if final:
                notify_from(
                    "decision_final_to_county", bureau_staff(case.bureau), told, url=url, case=case
                )
            notify_from(
                "decision_final" if final else "decision_issued",
                institution_members(case.institution),
                told,
                url=url,
                case=case,
            )
            panel = [s.expert.user for s in seats]
            notify_from("decision_to_panel", panel, told, url=url, case=case)

        run_transition(
            case.pk,
            user,
            name,
            note=reason if differs else "依据专家组鉴定意见确定类别。",
            data={"results": {r["name"]: r["category"] for r in results}},
            ip=ip,
            after=after,
        )
    return Decision.objects.select_related("document").get(round=round)
