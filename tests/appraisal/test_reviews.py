"""The review of a round: records, sheets, the opinion, signatures, the decision and the seal."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from appraisal import scenario
from appraisal.documents import review_context
from appraisal.models import (
    ActivityFile,
    Case,
    CaseLog,
    CaseState,
    Decision,
    IndicatorSign,
    IssuedDocument,
    Opinion,
    ReviewActivity,
    ReviewSheet,
    Seat,
    Signature,
)
from appraisal.panel import invitations
from appraisal.review import activities, sheets
from appraisal.review import decision as decisions
from appraisal.review import opinion as opinions
from audit.models import Action, AuditEvent
from common.errors import ServiceError
from portal.models import Notification
from tests import factories

PW = factories.PASSWORD


grant_stamp = factories.grant_stamp


def in_review(clerk, case, panel_size=3):
    """The panel drawn, every member accepted, and the opening meeting held (guide 七(三))."""
    factories.draw(clerk, case, panel_size=panel_size, subjects=["mathematics"])
    seats = list(Seat.objects.filter(round__case=case).select_related("expert__user"))
    scenario.drive(case, CaseState.IN_REVIEW)
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    factories.opening_meeting(clerk, case.current_round)
    return case.current_round, seats


@pytest.fixture
def review(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    return accepted_case, round, seats


def state(case):
    return Case.objects.get(pk=case.pk).state


def signs(template, category, dimensions=None):
    rows = IndicatorSign.objects.filter(dimension__template=template, category=category)
    if dimensions is not None:
        rows = rows.filter(dimension__code__in=dimensions)
    return rows.order_by("dimension__order", "order")


def one_per_dimension(template, category):
    picked = {}
    for s in signs(template, category):
        picked.setdefault(s.dimension_id, s.pk)
    return list(picked.values())


def answered(template, ticked) -> dict:
    """Every dimension answered: a note for the ticked signs, 无上述特征 with a reason elsewhere."""
    with_signs = set(
        IndicatorSign.objects.filter(pk__in=ticked).values_list("dimension_id", flat=True)
    )
    return {
        str(d.pk): {"text": "课程方案第3页。"}
        if d.pk in with_signs
        else {"none": True, "text": "未见。"}
        for d in template.dimensions.all()
    }


def fill(seat, round, case, template, vote, *, ticked=None, reasons="依据材料和观摩情况。"):
    ticked = ticked if ticked is not None else one_per_dimension(template, vote)
    evidence = answered(template, ticked)
    answers = {
        p.pk: {"ticked": ticked, "evidence": evidence, "vote": vote, "reasons": reasons}
        for p in case.projects.all()
    }
    sheets.save_sheet(seat.expert.user, round, answers=answers)
    return sheets.submit_sheet(seat.expert.user, round)


def votes_in(review, votes, template):
    case, round, seats = review
    for seat, vote in zip(seats, votes, strict=True):
        fill(seat, round, case, template, vote)


def drafted(review, clerk, template, votes=("academic", "academic", "non_academic")):
    case, round, seats = review
    votes_in(review, votes, template)
    opinions.set_leader(clerk, round, seats[0].pk)
    return opinions.save_opinion(
        seats[0].expert.user,
        round,
        reasoning="培训内容主要为数学课程标准内容，以讲授和练习为主。",
        findings={"培训内容": "教材11讲为数学课程内容。"},
    )


def all_sign(review, opinion):
    case, round, seats = review
    for seat in seats:
        opinions.sign_opinion(seat.expert.user, round, reauth=PW, content_hash=opinion.content_hash)


# ---- records ----------------------------------------------------------------------------------
def test_clerk_records_activity_with_a_photo(review, clerk, foreign_clerk):
    case, round, seats = review
    photo = factories.SimpleUploadedFile("现场.png", factories.PNG_BYTES, content_type="image/png")
    activity = activities.record_activity(
        clerk,
        round,
        kind="site_visit",
        date=timezone.localdate(),
        place="机构教学点",
        attendees="专家组全体成员、县教育局工作人员",
        findings="教室内张贴数学公式挂图。",
        files=[photo],
    )
    f = ActivityFile.objects.get(activity=activity)
    assert f.content_type == "image/png" and len(f.sha256) == 64
    log = CaseLog.objects.filter(case=case, transition="record_activity").latest("id")
    today = timezone.localdate()
    assert f"（{today.year}年{today.month}月{today.day}日，机构教学点）" in log.note
    with pytest.raises(ServiceError, match="教育局工作人员"):
        activities.record_activity(
            foreign_clerk,
            round,
            kind="interview",
            date=timezone.localdate(),
            place="x",
            attendees="y",
        )
    with pytest.raises(ServiceError, match="专家组成员|教育局工作人员"):
        activities.record_activity(
            seats[0].expert.user,
            round,
            kind="interview",
            date=timezone.localdate(),
            place="x",
            attendees="y",
        )
    with pytest.raises(ServiceError, match="实际内容"):
        activities.record_activity(
            clerk,
            round,
            kind="interview",
            date=timezone.localdate(),
            place="x",
            attendees="y",
            files=[
                factories.SimpleUploadedFile("a.pdf", b"plain text", content_type="application/pdf")
            ],
        )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ServiceError, match="晚于今天"):
        activities.record_activity(
            clerk, round, kind="interview", date=tomorrow, place="x", attendees="y"
        )
    # Only the site visit was added to the round's opening meeting.
    assert list(ReviewActivity.objects.filter(round=round).values_list("kind", flat=True)) == [
        "opening_meeting",
        "site_visit",
    ]


def test_an_activity_cannot_be_dated_before_its_round_began(review, clerk):
    import datetime

    case, round, seats = review
    opened = timezone.localdate(round.opened_at)
    record = {"kind": "interview", "place": "机构", "attendees": "专家组", "findings": "访谈"}
    with pytest.raises(ServiceError, match="不能早于本轮鉴定开始之日"):
        activities.record_activity(clerk, round, date=opened - datetime.timedelta(days=1), **record)
    assert not ReviewActivity.objects.filter(round=round, kind="interview").exists()
    activities.record_activity(clerk, round, date=opened, **record)
    assert ReviewActivity.objects.filter(round=round, kind="interview").count() == 1


# ---- sheets -----------------------------------------------------------------------------------
def test_rule_suggestion_is_stored_and_sheet_locks(review, indicator_template):
    case, round, seats = review
    user = seats[0].expert.user
    project = case.projects.get()
    # Only non-academic signs, but not on every dimension: undetermined.
    partial = one_per_dimension(indicator_template, "non_academic")[:2]
    sheets.save_sheet(user, round, answers={project.pk: {"ticked": partial}})
    answer = ReviewSheet.objects.get(seat=seats[0]).answers.get()
    assert answer.suggested == ""
    assert "按学科类管理" in answer.suggestion_reason
    # One academic sign on top: academic, whatever else.
    academic = signs(indicator_template, "academic", ["method"]).first().pk
    sheets.save_sheet(
        user,
        round,
        answers={
            project.pk: {
                "ticked": [*partial, academic],
                "evidence": answered(indicator_template, [*partial, academic]),
                "vote": "non_academic",
                "reasons": "动手操作多。",
            }
        },
    )
    answer.refresh_from_db()
    assert answer.suggested == "academic"
    sheet = sheets.submit_sheet(user, round)
    answer.refresh_from_db()
    assert answer.suggested == "academic" and answer.vote == "non_academic"  # the expert decides
    assert sheet.document.kind == IssuedDocument.Kind.SHEET and sheet.document.round == round
    with pytest.raises(ServiceError, match="不能重复提交"):
        sheets.submit_sheet(user, round)
    with pytest.raises(ServiceError, match="已提交，不能再修改"):
        sheets.save_sheet(user, round, answers={project.pk: {"vote": "academic"}})
    assert SheetAnswer_count(round) == 1


def SheetAnswer_count(round):
    from appraisal.models import SheetAnswer

    return SheetAnswer.objects.filter(sheet__round=round).count()


def test_sheet_needs_a_vote_and_reasons(review):
    case, round, seats = review
    user = seats[0].expert.user
    project = case.projects.get()
    sheets.save_sheet(user, round, answers={project.pk: {"vote": "academic"}})
    with pytest.raises(ServiceError, match="理由"):
        sheets.submit_sheet(user, round)
    assert ReviewSheet.objects.get(seat=seats[0]).submitted_at is None


def test_sheet_refuses_foreign_signs_materials_and_projects(review, applicant):
    case, round, seats = review
    user = seats[0].expert.user
    project = case.projects.get()
    other = factories.draft_case(applicant)
    with pytest.raises(ServiceError, match="不属于本案件"):
        sheets.save_sheet(user, round, answers={other.projects.get().pk: {"vote": "academic"}})
    foreign_material = other.materials.first().pk
    dimension = str(round.case.projects.get().pk)
    from appraisal.models import IndicatorDimension

    dimension = str(IndicatorDimension.objects.filter(template__is_active=True).first().pk)
    with pytest.raises(ServiceError, match="材料不属于本案件"):
        sheets.save_sheet(
            user,
            round,
            answers={project.pk: {"evidence": {dimension: {"material": foreign_material}}}},
        )
    with pytest.raises(ServiceError, match="指标版本"):
        sheets.save_sheet(user, round, answers={project.pk: {"ticked": [999999]}})


def test_evidence_too_long_is_refused_not_cut_and_a_typed_page_word_is_kept_once(review):
    """Text past the limits is refused with where and why (nothing saved); "第3页" is kept as 3,
    which 附件1 prints as 第3页."""
    from appraisal.models import IndicatorDimension, SheetAnswer

    case, round, seats = review
    user = seats[0].expert.user
    project = case.projects.get()
    dimension = IndicatorDimension.objects.filter(template__is_active=True).first()

    def save(**row):
        sheets.save_sheet(user, round, answers={project.pk: {"evidence": {str(dimension.pk): row}}})

    with pytest.raises(
        ServiceError, match=f"“{dimension.name}”依据说明不能超过 2000 个字（现有 2001 个）"
    ):
        save(text="理" * 2001)
    with pytest.raises(ServiceError, match="页码不能超过 40 个字符"):
        save(page="3" * 41)
    assert not SheetAnswer.objects.exists()
    save(text="理\r\n" * 1000)  # line breaks count once, as the browser counts them
    save(page="第3页", text="理" * 2000)
    entry = SheetAnswer.objects.get().evidence[str(dimension.pk)]
    assert entry["page"] == "3" and len(entry["text"]) == 2000
    material = case.materials.first()
    entry["material"] = material.pk
    words = review_context.evidence_text(entry, {material.pk: material}, {})
    assert "第3页" in words and "第第" not in words


def test_expert_who_did_not_accept_cannot_fill_a_sheet(
    accepted_case, clerk, pool, indicator_template
):
    factories.draw(clerk, accepted_case, panel_size=3, subjects=["mathematics"])
    seat = Seat.objects.filter(round__case=accepted_case).first()
    round = seat.round
    with pytest.raises(ServiceError, match="不是本轮专家组成员"):
        sheets.save_sheet(seat.expert.user, round, answers={})
    invitations.decline_invitation(seat.expert.user, seat.pk, reason="unavailable")
    with pytest.raises(ServiceError, match="不是本轮专家组成员"):
        sheets.submit_sheet(seat.expert.user, round)
    assert not ReviewSheet.objects.exists()


# ---- the opinion -------------------------------------------------------------------------------
def test_majority_and_dissent(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    (row,) = opinion.results
    assert (row["academic"], row["non_academic"], row["result"], row["tie"]) == (
        2,
        1,
        "academic",
        False,
    )
    (d,) = opinion.dissent
    assert d["name"] == seats[2].expert.name and d["vote"] == "non_academic"
    assert d["reason"] == "依据材料和观摩情况。"
    assert opinion.revision == 1 and opinion.content_hash == opinion.compute_hash()


def test_a_tie_has_no_result_until_the_panel_settles_one(
    accepted_case, clerk, pool, indicator_template
):
    """An even panel split evenly has no majority (guide 七(三): the result must be 明确): the
    leader records the result the panel settled on in deliberation; the members who voted
    otherwise are the dissent, and everyone signs that result."""
    round, seats = in_review(clerk, accepted_case, panel_size=4)
    review = (accepted_case, round, seats)
    votes_in(review, ["academic", "non_academic", "non_academic", "academic"], indicator_template)
    results, dissent = opinions.tally(round)
    assert results[0]["result"] is None and results[0]["tie"] is True and dissent == []
    opinion = opinions.set_leader(clerk, round, seats[0].pk)
    leader = seats[0].expert.user
    with pytest.raises(ServiceError, match="表决票数相同（2:2）.*合议"):
        opinions.save_opinion(leader, round, reasoning="经合议。")
    opinion.refresh_from_db()
    assert not opinion.is_drafted
    project = accepted_case.projects.get()
    with pytest.raises(ServiceError, match="只能是学科类或非学科类"):
        opinions.save_opinion(leader, round, reasoning="经合议。", settled={project.pk: "other"})
    opinion = opinions.save_opinion(
        leader, round, reasoning="经合议。", settled={project.pk: "non_academic"}
    )
    (row,) = opinion.results
    assert (row["result"], row["tie"]) == ("non_academic", True)
    assert len(opinion.dissent) == 2 and {d["vote"] for d in opinion.dissent} == {"academic"}
    assert '"result":"non_academic"' in opinion.signed_content()


def test_drafting_needs_the_leader_and_every_sheet(review, clerk, indicator_template):
    case, round, seats = review
    fill(seats[0], round, case, indicator_template, "academic")
    opinions.set_leader(clerk, round, seats[0].pk)
    with pytest.raises(ServiceError, match="尚有成员未提交评分表"):
        opinions.save_opinion(seats[0].expert.user, round, reasoning="意见")
    for seat in seats[1:]:
        fill(seat, round, case, indicator_template, "academic")
    with pytest.raises(ServiceError, match="组长"):
        opinions.save_opinion(seats[1].expert.user, round, reasoning="意见")
    with pytest.raises(ServiceError, match="请从已接受邀请"):
        opinions.set_leader(clerk, round, 999999)
    assert not Opinion.objects.get(round=round).is_drafted


def test_experts_do_not_see_each_others_sheets_before_their_own(review, indicator_template):
    from appraisal import access

    case, round, seats = review
    sheet = fill(seats[0], round, case, indicator_template, "academic")
    other = seats[1].expert.user
    assert not access.can_view_sheet(other, sheet)
    assert access.can_view_sheet(seats[0].expert.user, sheet)
    fill(seats[1], round, case, indicator_template, "academic")
    assert access.can_view_sheet(other, sheet)


def test_nor_each_others_issued_sheet_documents(client, review, indicator_template):
    """The issued 附件1 names the expert and gives the vote: a member who has not submitted
    their own sees neither the document in the case's list nor its download."""
    from appraisal import access

    case, round, seats = review
    document = fill(seats[0], round, case, indicator_template, "academic").document
    other = seats[1].expert.user
    assert document not in access.documents_visible_to(other, case)
    assert not access.can_view_document(other, document)
    factories.login(client, other)
    url = reverse("appraisal:document_download", args=[document.pk])
    assert client.get(url).status_code == 404
    assert document.serial not in client.get(f"/cases/{case.pk}/").content.decode()
    assert access.can_view_document(seats[0].expert.user, document)  # their own

    fill(seats[1], round, case, indicator_template, "academic")
    assert document in access.documents_visible_to(other, case)
    assert client.get(url).status_code == 200


# ---- signatures --------------------------------------------------------------------------------
def test_signing_completes_the_opinion(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    for seat in seats[:-1]:
        opinions.sign_opinion(seat.expert.user, round, reauth=PW, content_hash=opinion.content_hash)
        assert state(case) == CaseState.IN_REVIEW
    last = opinions.sign_opinion(
        seats[-1].expert.user, round, reauth=PW, content_hash=opinion.content_hash
    )
    assert state(case) == CaseState.OPINION_SIGNED
    assert last.content_hash == opinion.content_hash and last.revision == 1
    log = CaseLog.objects.get(case=case, transition="complete_opinion")
    assert (log.source, log.target) == ("in_review", "opinion_signed")
    assert AuditEvent.objects.filter(action=Action.SIGNATURE).count() == 3


def test_wrong_password_and_signing_twice_change_nothing(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    user = seats[0].expert.user
    with pytest.raises(ServiceError, match="密码或动态口令不正确"):
        opinions.sign_opinion(user, round, reauth="wrong", content_hash=opinion.content_hash)
    assert not Signature.objects.exists()
    assert AuditEvent.objects.filter(action=Action.REAUTH_FAILED, actor=user).exists()
    opinions.sign_opinion(user, round, reauth=PW, content_hash=opinion.content_hash)
    with pytest.raises(ServiceError, match="不能重复签署"):
        opinions.sign_opinion(user, round, reauth=PW, content_hash=opinion.content_hash)
    with pytest.raises(ServiceError, match="已被修改"):
        opinions.sign_opinion(seats[1].expert.user, round, reauth=PW, content_hash="0" * 64)
    assert Signature.objects.count() == 1


def test_signing_with_a_totp_code(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    user = seats[0].expert.user
    device = factories.otp_device(user)
    opinions.sign_opinion(
        user, round, reauth=factories.totp_code(device), content_hash=opinion.content_hash
    )
    assert Signature.objects.filter(seat=seats[0]).count() == 1


def test_changing_the_opinion_voids_signatures(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    first_hash = opinion.content_hash
    opinions.sign_opinion(seats[1].expert.user, round, reauth=PW, content_hash=first_hash)
    Notification.objects.all().delete()
    leader = seats[0].expert.user
    opinion = opinions.save_opinion(leader, round, reasoning="修改后的鉴定意见。")
    assert opinion.revision == 2 and opinion.content_hash != first_hash
    old = Signature.objects.get()
    assert not old.is_valid_for(opinion) and opinion.valid_signatures().count() == 0

    def told(subject):
        rows = Notification.objects.filter(subject__contains=subject)
        return set(rows.values_list("recipient_id", flat=True))

    # Only the member whose signature was voided is told so; the one who had not signed is
    # asked to sign the new version; the leader, who made the change, is told nothing.
    assert told("重新签署") == {seats[1].expert.user_id}
    assert told("请核对后签署") == {seats[2].expert.user_id}
    assert leader.pk not in set(Notification.objects.values_list("recipient_id", flat=True))
    assert CaseLog.objects.filter(case=case, transition="revise_opinion").exists()
    # Everyone signs the new revision; the void signature does not count.
    all_sign(review, opinion)
    assert state(case) == CaseState.OPINION_SIGNED
    assert Signature.objects.count() == 4


def test_saving_the_same_text_voids_nothing(review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    opinions.sign_opinion(seats[1].expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    again = opinions.save_opinion(
        seats[0].expert.user,
        round,
        reasoning=opinion.reasoning,
        findings={"培训内容": "教材11讲为数学课程内容。"},
    )
    assert again.revision == 1 and again.valid_signatures().count() == 1


def test_every_changed_text_gets_its_own_revision_even_before_anyone_signed(
    review, clerk, indicator_template
):
    """Members compare revisions by number: two texts never share one."""
    case, round, seats = review
    first = drafted(review, clerk, indicator_template)
    second = opinions.save_opinion(seats[0].expert.user, round, reasoning="第二稿的理由。")
    third = opinions.save_opinion(seats[0].expert.user, round, reasoning="第三稿的理由。")
    assert (first.revision, second.revision, third.revision) == (1, 2, 3)
    notes = list(
        CaseLog.objects.filter(case=case, transition="save_opinion").values_list("note", flat=True)
    )
    assert notes == ["鉴定意见第1版。", "鉴定意见第2版。", "鉴定意见第3版。"]


# ---- the decision and the seal -----------------------------------------------------------------
def test_stamp_guards(review, clerk, changji, foreign_clerk, indicator_template):
    case, round, seats = review
    stamper = grant_stamp(clerk)
    colleague = factories.user("county", bureau=changji)
    opinion = drafted(review, clerk, indicator_template)
    with pytest.raises(ServiceError, match="尚未全部签署"):
        decisions.stamp_decision(stamper, round, reauth=PW)
    all_sign(review, opinion)
    with pytest.raises(ServiceError, match="没有盖章权限"):
        decisions.stamp_decision(colleague, round, reauth=PW)
    with pytest.raises(ServiceError, match="教育局工作人员"):
        decisions.stamp_decision(grant_stamp(foreign_clerk), round, reauth=PW)
    with pytest.raises(ServiceError, match="密码或动态口令不正确"):
        decisions.stamp_decision(stamper, round, reauth="nope")
    project = case.projects.get()
    with pytest.raises(ServiceError, match="必须写明理由"):
        decisions.stamp_decision(stamper, round, categories={project.pk: "non_academic"}, reauth=PW)
    assert state(case) == CaseState.OPINION_SIGNED
    assert not Decision.objects.exists()
    assert not IssuedDocument.objects.filter(kind=IssuedDocument.Kind.OPINION).exists()


def test_stamp_issues_a_signed_opinion_naming_everyone(
    review, clerk, applicant, indicator_template
):
    case, round, seats = review
    stamper = grant_stamp(clerk)
    opinion = drafted(review, clerk, indicator_template)
    all_sign(review, opinion)
    decision = decisions.stamp_decision(stamper, round, reauth=PW)
    assert state(case) == CaseState.DECIDED
    assert decision.results[0]["category"] == "academic" and not decision.reason
    document = decision.document
    assert document.kind == IssuedDocument.Kind.OPINION and document.is_signed
    assert document.public_summary["projects"] == [
        {"name": case.projects.get().name, "result": "academic"}
    ]
    with document.file.open("rb") as fh:
        data = fh.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert case.institution.name in text
    assert "☑学科类" in text and "☐非学科类" in text
    for seat in seats:
        assert seat.expert.name in text
    assert "已电子签名" in text
    assert AuditEvent.objects.filter(action=Action.STAMP).count() == 1
    log = CaseLog.objects.get(case=case, transition="decide")
    assert (log.source, log.target, log.actor) == ("opinion_signed", "decided", stamper)
    assert Notification.objects.filter(recipient=applicant, subject__contains="鉴定结论").exists()
    with pytest.raises(ServiceError):
        decisions.stamp_decision(stamper, round, reauth=PW)
    assert IssuedDocument.objects.filter(kind=IssuedDocument.Kind.OPINION).count() == 1


def test_no_seal_before_the_opening_meeting_is_recorded(
    client, accepted_case, clerk, pool, indicator_template
):
    """Guide 七(三): the panel is briefed at an opening meeting; a round without one recorded
    cannot be sealed, and the seal page says what to record first."""
    factories.draw(clerk, accepted_case, subjects=["mathematics"])
    seats = list(Seat.objects.filter(round__case=accepted_case).select_related("expert__user"))
    scenario.drive(accepted_case, CaseState.IN_REVIEW)
    review = (accepted_case, accepted_case.rounds.get(), seats)
    round = review[1]
    all_sign(review, drafted(review, clerk, indicator_template))
    stamper = grant_stamp(clerk)
    with pytest.raises(ServiceError, match="本轮尚未记录鉴定会（政策培训）"):
        decisions.stamp_decision(stamper, round, reauth=PW)
    assert not Decision.objects.exists() and state(accepted_case) == CaseState.OPINION_SIGNED
    factories.login(client, stamper)
    page = client.get(reverse("appraisal:decision", args=[round.pk])).content.decode()
    assert 'id="no-meeting"' in page and 'id="stamp-form"' not in page
    # Held but not entered: after the signatures the meeting alone may still be entered.
    records = client.get(reverse("appraisal:review_records", args=[round.pk])).content.decode()
    assert 'value="opening_meeting"' in records and 'value="site_visit"' not in records
    with pytest.raises(ServiceError, match="不能记录鉴定活动"):
        activities.record_activity(
            clerk, round, kind="site_visit", date=timezone.localdate(), place="x", attendees="y"
        )
    factories.opening_meeting(clerk, round)
    assert decisions.stamp_decision(stamper, round, reauth=PW).document is not None
    # Sealed, nothing more is recorded, and the page says why when asked to.
    records = reverse("appraisal:review_records", args=[round.pk])
    page = client.get(records).content.decode()
    assert 'id="record-activity"' not in page
    refused = client.post(
        records,
        {
            "kind": "interview",
            "date": timezone.localdate().isoformat(),
            "place": "机构",
            "attendees": "专家组",
        },
    ).content.decode()
    assert 'id="refused"' in refused and "不能记录鉴定活动" in refused


def test_a_different_category_with_a_reason_is_recorded(review, clerk, indicator_template):
    case, round, seats = review
    stamper = grant_stamp(clerk)
    opinion = drafted(review, clerk, indicator_template)
    all_sign(review, opinion)
    project = case.projects.get()
    decision = decisions.stamp_decision(
        stamper,
        round,
        categories={project.pk: "non_academic"},
        reason="复核课堂观摩录像后认为以动手实践为主。",
        reauth=PW,
    )
    assert decision.differs_from_opinion
    assert decision.results[0] == {
        "project": project.pk,
        "name": project.name,
        "opinion": "academic",
        "category": "non_academic",
    }
    assert decision.document.public_summary["projects"][0]["result"] == "non_academic"
    # The members signed the panel's result: 附件2 says the bureau's differs, and where its
    # reason stands, instead of showing the bureau's result above their signatures unexplained.
    with decision.document.file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(fh).pages).replace("\n", "")
    assert "专家组意见为学科类；教育局确定为非学科类，理由见“教育局意见”栏。" in text
    assert "与专家组意见不同的理由：复核课堂观摩录像后认为以动手实践为主。" in text


@pytest.mark.postgres
def test_signatures_are_append_only_on_postgres(review, clerk, indicator_template):
    from django.db import DatabaseError, transaction

    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    opinions.sign_opinion(seats[0].expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    for change in (
        lambda: Signature.objects.update(revision=9),
        lambda: Signature.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert Signature.objects.get().revision == 1


def test_available_actions_follow_the_review(review, clerk, foreign_clerk, indicator_template):
    from appraisal.workflow.policy import actions_for as available_actions

    case, round, seats = review
    case.refresh_from_db()
    assert available_actions(clerk, case) == {"record_activity", "set_leader"}
    assert available_actions(seats[0].expert.user, case) == {"fill_sheet", "sign_opinion"}
    assert available_actions(foreign_clerk, case) == set()
    opinion = drafted(review, clerk, indicator_template)
    all_sign(review, opinion)
    case.refresh_from_db()
    assert available_actions(clerk, case) == set()
    assert available_actions(grant_stamp(clerk), case) == {"stamp"}
    assert available_actions(seats[0].expert.user, case) == set()
