"""The re-review (guide 七(五); docs/domain.md §复审): the request (附件3), the county's forwarding
or refusal, the prefecture's receipt and round, and the bad input the issue lists."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal.models import (
    Case,
    CaseLog,
    CaseState,
    Draw,
    IssuedDocument,
    Material,
    RereviewRequest,
    Round,
    Seat,
)
from appraisal.rereview import services as svc
from appraisal.workflow.deadlines import next_deadline
from common.errors import ServiceError
from portal.models import Notification
from tests import factories
from tests.appraisal.rereview_world import decided_case, first_round, review_round

REASONS = "专家组未考虑本机构课程以动手操作为主的事实，评价方案已改为作品展示。"


def state(case):
    return Case.objects.get(pk=case.pk).state


@pytest.fixture
def decided(applicant, clerk, project_a, pool):
    return decided_case(applicant, clerk, projects=[project_a])


@pytest.fixture
def prefecture_pool(prefecture_bureau):
    """Six mathematics experts and three of integrated practice in the prefecture's pool."""
    return factories.experts(prefecture_bureau, 6, ("mathematics",)) + factories.experts(
        prefecture_bureau, 3, ("integrated-practice",)
    )


def covers_mathematics(expert) -> bool:
    return expert.subjects.filter(code="mathematics").exists()


def request(case, user, **kwargs):
    return svc.request_rereview(
        user,
        case.pk,
        reasons=kwargs.pop("reasons", REASONS),
        declared=kwargs.pop("declared", True),
        files=kwargs.pop("files", [factories.pdf_upload("作品展示记录.pdf")]),
        **kwargs,
    )


# ---- the institution --------------------------------------------------------------------------
def test_request_within_window(decided, applicant, clerk):
    made = request(decided, applicant)
    assert state(decided) == CaseState.REREVIEW_REQUESTED
    assert made.reasons == REASONS and "真实" in made.declaration
    (material,) = made.materials.all()
    assert material.original_name == "作品展示记录.pdf" and material.sha256
    assert material.case_id == decided.pk and material.rereview_id == made.pk
    log = CaseLog.objects.get(case=decided, transition="request_rereview")
    assert (log.source, log.target, log.actor) == ("decided", "rereview_requested", applicant)
    assert Notification.objects.filter(recipient=clerk, subject__contains="复审申请待审核").exists()


def test_the_institution_sees_its_result_first_and_the_request_folded(client, decided, applicant):
    factories.login(client, applicant)
    html = client.get(f"/cases/{decided.pk}/").content.decode()
    summary = html.split('id="result-summary"', 1)[1].split("</div>\n  </div>", 1)[0]
    document = IssuedDocument.objects.get(case=decided, kind=IssuedDocument.Kind.OPINION)
    assert "学科类" in summary and document.serial in summary
    assert reverse("appraisal:document_download", args=[document.pk]) in summary
    assert html.index('id="result-summary"') < html.index('id="rereview-form"')
    assert '<details class="action"><summary>对结论有不同意见：申请复审（附件3）' in html


def test_request_without_reasons_or_declaration_changes_nothing(decided, applicant):
    with pytest.raises(ServiceError) as err:
        request(decided, applicant, reasons="  ")
    assert "理由" in err.value.message
    with pytest.raises(ServiceError) as err:
        request(decided, applicant, declared=False)
    assert "真实性声明" in err.value.message
    assert state(decided) == CaseState.DECIDED
    assert not RereviewRequest.objects.exists()
    assert not Material.objects.filter(rereview__isnull=False).exists()


def test_request_after_window_refused(applicant, clerk, project_a, pool):
    case = decided_case(
        applicant, clerk, projects=[project_a], at=timezone.now() - datetime.timedelta(days=60)
    )
    with pytest.raises(ServiceError) as err:
        request(case, applicant)
    assert "已超过复审申请期限" in err.value.message
    assert state(case) == CaseState.DECIDED and not RereviewRequest.objects.exists()


@pytest.mark.parametrize("content", [b"", b"MZ\x90\x00 not a document"])
def test_a_wrong_supporting_file_is_named_once(decided, applicant, content):
    with pytest.raises(ServiceError) as err:
        request(decided, applicant, files=[factories.pdf_upload("补充说明.pdf", content)])
    assert err.value.message.count("补充说明.pdf") == 1
    assert state(decided) == CaseState.DECIDED


def test_second_request_refused(decided, applicant, clerk):
    request(decided, applicant)
    svc.refuse_rereview(clerk, decided.pk, reason="理由不成立。")
    with pytest.raises(ServiceError) as err:
        request(decided, applicant)
    assert "不予批准" in err.value.message and "不能再次申请" in err.value.message
    assert RereviewRequest.objects.count() == 1


def test_request_by_another_institution_refused(decided, outsider, colleague):
    with pytest.raises(ServiceError):
        request(decided, outsider)
    assert state(decided) == CaseState.DECIDED
    request(decided, colleague)  # a colleague of the applicant may
    assert state(decided) == CaseState.REREVIEW_REQUESTED


def test_accept_result_closes(decided, applicant, clerk):
    svc.accept_result(applicant, decided.pk)
    case = Case.objects.get(pk=decided.pk)
    assert case.state == CaseState.CLOSED and case.closed_at
    with pytest.raises(ServiceError):
        request(case, applicant)


def test_supporting_material_is_versioned(decided, applicant):
    made = request(decided, applicant)
    first = made.materials.get()
    newer = svc.upload_rereview_material(
        applicant,
        decided.pk,
        uploaded=factories.pdf_upload("作品展示记录v2.pdf"),
        replaces_id=first.pk,
    )
    assert newer.version == 2 and newer.replaces_id == first.pk and newer.rereview_id == made.pk
    assert Material.objects.filter(pk=first.pk).exists()  # kept


# ---- the county -------------------------------------------------------------------------------
def test_forward_needs_the_county_opinion(decided, applicant, clerk):
    request(decided, applicant)
    with pytest.raises(ServiceError) as err:
        svc.forward_rereview(clerk, decided.pk, opinion="")
    assert "县（市）教育局意见" in err.value.message
    assert state(decided) == CaseState.REREVIEW_REQUESTED
    assert not Round.objects.filter(case=decided, number=2).exists()


def test_county_of_another_jurisdiction_cannot_forward(decided, applicant, foreign_clerk):
    request(decided, applicant)
    with pytest.raises(ServiceError):
        svc.forward_rereview(foreign_clerk, decided.pk, opinion="同意报送。")
    with pytest.raises(ServiceError):
        svc.refuse_rereview(foreign_clerk, decided.pk, reason="不同意。")
    assert state(decided) == CaseState.REREVIEW_REQUESTED


def test_forward_opens_the_prefecture_round_and_issues_annex3(
    decided, applicant, clerk, prefecture_clerk
):
    request(decided, applicant)
    made = svc.forward_rereview(clerk, decided.pk, opinion="申请理由具体，同意复审，报送州教育局。")
    case = Case.objects.get(pk=decided.pk)
    assert case.state == CaseState.REREVIEW_FORWARDED
    second = case.rounds.get(number=Round.PREFECTURE)
    assert second.bureau == prefecture_clerk.bureau and case.current_round == second
    document = made.document
    assert document.kind == IssuedDocument.Kind.REREVIEW and document.round == second
    assert document.bureau == case.bureau and "鉴复〔" in document.serial and document.is_signed
    assert made.status == RereviewRequest.Status.FORWARDED and made.handled_by == clerk
    assert Notification.objects.filter(recipient=prefecture_clerk, case=case).exists()
    assert Notification.objects.filter(recipient=applicant, subject__contains="已批准").exists()


def test_refusal_is_final_and_shown(client, decided, applicant, clerk):
    request(decided, applicant)
    made = svc.refuse_rereview(
        clerk, decided.pk, reason="所附材料与原申报材料相同，未提出新的事实。"
    )
    case = Case.objects.get(pk=decided.pk)
    assert case.state == CaseState.DECIDED
    assert made.status == RereviewRequest.Status.REFUSED and made.document is not None
    assert not case.rounds.filter(number=2).exists()
    factories.login(client, applicant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "所附材料与原申报材料相同" in page and "不能再次申请复审" in page
    assert 'id="rereview-form"' not in page  # not offered again
    assert "接受鉴定结论" in page
    assert "申请复审（逾期视为接受鉴定结论）" not in page  # no time limit runs any more
    # The county's refusal makes its result final: 附件3 names the remedies against it.
    text = _pdf_text(made.document)
    assert "原鉴定结论为最终结论。如对本决定不服" in text
    assert f"向{clerk.bureau.name}人民政府申请行政复议" in text
    assert next_deadline(case) is None
    told = Notification.objects.filter(recipient=applicant, case=case).latest("id").body
    assert "理由：所附材料与原申报材料相同，未提出新的事实。原鉴定结论为最终结论。" in told
    home = client.get("/").content.decode()
    assert case.number in home and "前申请复审" not in home


# ---- the prefecture ---------------------------------------------------------------------------
@pytest.fixture
def forwarded(decided, applicant, clerk):
    request(decided, applicant)
    svc.forward_rereview(clerk, decided.pk, opinion="同意复审，报送州教育局。")
    return Case.objects.get(pk=decided.pk)


def test_the_stage_shown_moves_on_once_the_prefecture_receives_the_request(
    client, forwarded, prefecture_clerk
):
    assert Case.objects.get(pk=forwarded.pk).waiting_for == "待州教育局签收并组织复审"
    svc.receive_rereview(prefecture_clerk, forwarded.pk, note="材料齐全")
    assert Case.objects.get(pk=forwarded.pk).waiting_for == "州教育局已签收，待抽取复审专家"
    factories.login(client, prefecture_clerk)
    for url in (f"/cases/{forwarded.pk}/", "/cases/"):  # the page, and a list (annotated)
        body = client.get(url).content.decode()
        assert "州教育局已签收，待抽取复审专家" in body and "待州教育局签收并组织复审" not in body


def test_prefecture_draws_after_receipt_without_first_round_experts(
    forwarded, prefecture_clerk, prefecture_pool
):
    with pytest.raises(ServiceError) as err:
        factories.draw(prefecture_clerk, forwarded, subjects=["mathematics"])
    assert "签收" in err.value.message
    svc.receive_rereview(prefecture_clerk, forwarded.pk, note="材料齐全")
    # One of the first round's experts has since joined the prefecture's pool.
    first_round = list(
        Seat.objects.filter(round__case=forwarded, round__number=1, status="accepted")
    )
    moved = next(s.expert for s in first_round if covers_mathematics(s.expert))
    moved.pool = prefecture_clerk.bureau
    moved.save(update_fields=["pool"])
    draw = factories.draw(prefecture_clerk, forwarded, subjects=["mathematics"])
    assert draw.round.number == Round.PREFECTURE and draw.pool == prefecture_clerk.bureau
    assert state(forwarded) == CaseState.PANEL_DRAWN
    first_ids = {s.expert_id for s in first_round}
    assert not first_ids & set(draw.order)
    on_case = next(f for f in draw.filters if f["code"] == "on_case")
    assert [moved.pk, moved.name] in on_case["experts"]


def test_the_first_panel_does_not_learn_who_reviews_its_result(
    client, forwarded, prefecture_clerk, prefecture_pool
):
    """The county panel whose result is under re-review sees the case and its own round, but
    neither the names of the prefecture's panel nor that round's records or signing page, until
    the re-review's result is issued; the prefecture's panel sees its own."""
    from tests.appraisal.rereview_world import panel

    svc.receive_rereview(prefecture_clerk, forwarded.pk, note="材料齐全")
    second = panel(prefecture_clerk, forwarded, subjects=["mathematics"])
    newcomer = second.seats.first().expert
    first_member = Seat.objects.filter(round__case=forwarded, round__number=1).first().expert
    for expert, name in ((newcomer, "复审专家甲"), (first_member, "初审专家乙")):
        expert.name = name  # names no other expert's contains
        expert.save(update_fields=["name"])
    factories.login(client, first_member.user)
    page = client.get(f"/cases/{forwarded.pk}/").content.decode()
    assert first_member.name in page and newcomer.name not in page
    for name in ("review_records", "opinion_sign"):
        url = reverse(f"appraisal:{name}", args=[second.round_id])
        assert client.get(url).status_code == 403
    assert (
        client.get(
            reverse("appraisal:review_records", args=[first_round(forwarded).pk])
        ).status_code
        == 200
    )
    factories.login(client, newcomer.user)
    page = client.get(f"/cases/{forwarded.pk}/").content.decode()
    assert newcomer.name in page and first_member.name in page  # the first result is out
    # The two panels are listed under their rounds, the county's first.
    seats_table = page.split('id="seats"', 1)[1].split("</table>", 1)[0]
    county = seats_table.index("县（市）初次鉴定")
    prefecture = seats_table.index("州级复审鉴定")
    assert county < seats_table.index(first_member.name) < prefecture
    assert prefecture < seats_table.index(newcomer.name)
    # Once the re-review's result is issued, its panel is no secret to anyone who sees the case.
    review_round(prefecture_clerk, forwarded)
    factories.login(client, first_member.user)
    assert newcomer.name in client.get(f"/cases/{forwarded.pk}/").content.decode()


def test_prefecture_draw_that_needs_a_first_round_expert_changes_nothing(
    forwarded, prefecture_clerk, prefecture_bureau
):
    svc.receive_rereview(prefecture_clerk, forwarded.pk)
    factories.experts(prefecture_bureau, 2, ("mathematics",))
    moved = next(
        s.expert
        for s in Seat.objects.filter(round__case=forwarded, round__number=1, status="accepted")
        if covers_mathematics(s.expert)
    )
    moved.pool = prefecture_bureau
    moved.save(update_fields=["pool"])
    from appraisal.panel.draws import screen

    screening = screen(forwarded, prefecture_bureau, ["mathematics"], False)
    assert len(screening.candidates) == 2  # three in the pool, one of them sat in round 1
    on_case = next(f for f in screening.filters if f["code"] == "on_case")
    assert [moved.pk, moved.name] in on_case["experts"]
    with pytest.raises(ServiceError) as err:
        factories.draw(prefecture_clerk, forwarded, subjects=["mathematics"])
    assert "无法完成抽取" in err.value.message
    assert state(forwarded) == CaseState.REREVIEW_FORWARDED
    assert not Draw.objects.filter(round__case=forwarded, round__number=2).exists()


def test_only_prefecture_staff_receive(forwarded, clerk, prefecture_clerk):
    with pytest.raises(ServiceError):
        svc.receive_rereview(clerk, forwarded.pk)
    made = svc.receive_rereview(prefecture_clerk, forwarded.pk)
    assert made.received_by == prefecture_clerk and made.received_at
    with pytest.raises(ServiceError) as err:
        svc.receive_rereview(prefecture_clerk, forwarded.pk)
    assert "已签收" in err.value.message


def test_county_cannot_draw_the_prefecture_round(
    forwarded, clerk, prefecture_clerk, prefecture_pool
):
    svc.receive_rereview(prefecture_clerk, forwarded.pk)
    with pytest.raises(ServiceError):
        factories.draw(clerk, forwarded, subjects=["mathematics"])
    assert state(forwarded) == CaseState.REREVIEW_FORWARDED


def test_prefecture_home_lists_forwarded_cases(client, forwarded, prefecture_clerk):
    factories.login(client, prefecture_clerk)
    page = client.get("/").content.decode()
    assert forwarded.number in page and "县（市）报送复审的案件（1）" in page
    assert "作出复审鉴定结论" in page  # the deadline and who owes it


def test_once_drawn_the_re_review_stays_on_the_prefectures_home_not_the_countys(
    client, forwarded, clerk, prefecture_clerk, prefecture_pool
):

    svc.receive_rereview(prefecture_clerk, forwarded.pk)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        actor=prefecture_clerk, data__transition="receive_rereview"
    ).exists()  # 签收 is on the audit trail, not only on the case's timeline
    factories.draw(prefecture_clerk, forwarded, subjects=["mathematics"])
    assert state(forwarded) == CaseState.PANEL_DRAWN
    factories.login(client, prefecture_clerk)
    page = client.get("/").content.decode()
    assert "州级复审进行中（1）" in page and forwarded.number in page.split('id="own-rounds"')[1]
    factories.login(client, clerk)
    home = client.get("/").content.decode()
    assert 'id="forming-panel"' not in home  # the prefecture's panel, not the county's


def test_a_refused_request_keeps_the_typed_reasons(client, decided, applicant):
    factories.login(client, applicant)
    url = f"/cases/{decided.pk}/rereview/"
    response = client.post(
        url, {"reasons": REASONS, "files": [factories.pdf_upload("补充.pdf")]}, follow=True
    )
    page = response.content.decode()
    assert "请确认真实性声明" in page and "补充材料请重新选择" in page
    assert f'name="reasons" rows="6" maxlength="5000">{REASONS}</textarea>' in page
    assert state(decided) == CaseState.DECIDED
    page = client.get(f"/cases/{decided.pk}/").content.decode()  # shown once, then forgotten
    assert 'name="reasons" rows="6" maxlength="5000"></textarea>' in page


def test_case_page_offers_and_shows_each_step(client, decided, applicant, clerk, prefecture_clerk):
    factories.login(client, applicant)
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="rereview-form"' in page and "申请复审" in page and 'id="deadline"' in page
    response = client.post(
        f"/cases/{decided.pk}/rereview/",
        {"reasons": REASONS, "declared": "on", "files": [factories.pdf_upload("补充.pdf")]},
    )
    assert response.status_code == 302
    assert state(decided) == CaseState.REREVIEW_REQUESTED
    factories.login(client, clerk)
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="forward-form"' in page and REASONS in page and "补充.pdf" in page
    client.post(f"/cases/{decided.pk}/rereview/forward/", {"opinion": ""})
    assert state(decided) == CaseState.REREVIEW_REQUESTED  # no opinion: nothing changed
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert "请填写县（市）教育局意见" in page
    client.post(f"/cases/{decided.pk}/rereview/forward/", {"opinion": "同意报送。"})
    assert state(decided) == CaseState.REREVIEW_FORWARDED
    factories.login(client, prefecture_clerk)
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="receive-form"' in page and "两轮鉴定对照" in page
    client.post(f"/cases/{decided.pk}/rereview/receive/", {"note": "已收到"})
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert "prefecture_clerk" in page or prefecture_clerk.display_name in page
    assert 'id="draw-link"' in page


def test_annex3_content(forwarded):
    from pypdf import PdfReader

    document = forwarded.rereview_request.document
    with document.file.open("rb") as fh:
        text = "".join(page.extract_text() for page in PdfReader(fh).pages)
    text = text.replace(" ", "").replace("\n", "")
    request = forwarded.rereview_request
    original = IssuedDocument.objects.get(case=forwarded, kind="opinion", round__number=1)
    for expected in (
        "附件3",
        "复审申请书",
        forwarded.institution.name,
        original.serial,  # the original opinion's serial
        "同意复审，报送州教育局",  # the county's opinion
        "州教育局签收",
        request.document.serial,
    ):
        assert expected in text, expected


# ---- the whole card ---------------------------------------------------------------------------
def test_full_lifecycle_through_both_rounds(
    applicant, clerk, prefecture_clerk, project_a, pool, prefecture_pool
):
    """Applied, accepted, drawn, reviewed, signed and stamped by the county; the re-review
    requested, forwarded, received; drawn from the prefecture's pool without anyone of the first
    round, reviewed, signed and stamped by the prefecture: closed, with 附件2 under its seal."""
    from pypdf import PdfReader

    from appraisal.models import Decision
    from appraisal.review import decision as decisions
    from tests.appraisal.rereview_world import grant_stamp, panel, sign_round

    case = decided_case(applicant, clerk, projects=[project_a], vote="academic")
    first = Decision.objects.get(round__case=case, round__number=1)
    assert first.document.bureau == clerk.bureau and case.decided_at == first.stamped_at
    request(case, applicant)
    svc.forward_rereview(clerk, case.pk, opinion="同意复审，报送州教育局。")
    svc.receive_rereview(prefecture_clerk, case.pk)
    draw = panel(prefecture_clerk, case)
    assert state(case) == CaseState.IN_REVIEW
    first_round = set(
        Seat.objects.filter(round__case=case, round__number=1).values_list("expert_id", flat=True)
    )
    assert first_round and not first_round & set(draw.order)
    second = sign_round(prefecture_clerk, case, vote="non_academic")
    assert state(case) == CaseState.OPINION_SIGNED
    # The county holds no seal over the prefecture's round.
    with pytest.raises(ServiceError):
        decisions.stamp_decision(grant_stamp(clerk), second, reauth=factories.PASSWORD)
    assert state(case) == CaseState.OPINION_SIGNED
    decision = decisions.stamp_decision(
        grant_stamp(prefecture_clerk), second, reauth=factories.PASSWORD
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.CLOSED and case.closed_at
    log = CaseLog.objects.get(case=case, transition="close_after_rereview")
    assert (log.source, log.target, log.actor) == ("opinion_signed", "closed", prefecture_clerk)
    assert not CaseLog.objects.filter(case=case, transition="decide", at__gt=log.at).exists()
    annex2 = decision.document
    assert annex2.kind == IssuedDocument.Kind.OPINION and annex2.round == second
    assert annex2.bureau == prefecture_clerk.bureau and annex2.is_signed
    with annex2.file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(fh).pages).replace("\n", "")
    assert "州级复审鉴定" in text and prefecture_clerk.bureau.bureau_name in text
    assert "非学科类" in text
    assert Notification.objects.filter(
        recipient=clerk, subject__startswith="复审结论已出具"
    ).exists()
    assert Notification.objects.filter(recipient=applicant, case=case).count() >= 4
    told = Notification.objects.filter(recipient=applicant, case=case).latest("id")
    assert told.subject.startswith("复审结论已出具，案件办结")
    assert "此为最终结论，案件已办结" in told.body and "申请复审" not in told.body
    with pytest.raises(ServiceError):
        request(case, applicant)


def test_first_round_transition_cannot_decide_the_second(
    applicant, clerk, prefecture_clerk, project_a, pool, prefecture_pool
):
    """Round 2's signed opinion is decided only by the prefecture's closing transition."""
    from appraisal.workflow.transitions import run_transition
    from tests.appraisal.rereview_world import grant_stamp, panel, sign_round

    case = decided_case(applicant, clerk, projects=[project_a])
    request(case, applicant)
    svc.forward_rereview(clerk, case.pk, opinion="同意。")
    svc.receive_rereview(prefecture_clerk, case.pk)
    panel(prefecture_clerk, case)
    sign_round(prefecture_clerk, case)
    with pytest.raises(ServiceError):
        run_transition(case.pk, grant_stamp(prefecture_clerk), "decide")
    assert state(case) == CaseState.OPINION_SIGNED


def test_institution_sees_the_first_panel_but_not_the_second_before_its_result(
    client, applicant, clerk, prefecture_clerk, project_a, pool, prefecture_pool
):
    from tests.appraisal.rereview_world import panel

    case = decided_case(applicant, clerk, projects=[project_a])
    request(case, applicant)
    svc.forward_rereview(clerk, case.pk, opinion="同意。")
    svc.receive_rereview(prefecture_clerk, case.pk)
    draw = panel(prefecture_clerk, case)
    first = Seat.objects.filter(round__case=case, round__number=1, status="accepted")
    factories.login(client, applicant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    start = page.index('id="round-1"')
    first_column = page[start : page.index('id="round-2"')]
    assert all(s.expert.name in first_column for s in first.select_related("expert"))
    from experts.models import Expert

    for expert in Expert.objects.filter(pk__in=draw.panel):
        assert expert.name not in page


def test_an_overdue_prefecture_round_is_flagged_on_the_prefecture_home_only(
    client, forwarded, prefecture_clerk, clerk
):
    from appraisal.models import RereviewRequest

    svc.receive_rereview(prefecture_clerk, forwarded.pk)
    RereviewRequest.objects.filter(case=forwarded).update(
        handled_at=timezone.now() - datetime.timedelta(days=90)
    )
    factories.login(client, prefecture_clerk)
    page = client.get("/").content.decode()
    overdue = page[page.index('id="overdue"') :]
    assert forwarded.number in overdue and "作出复审鉴定结论" in overdue
    client.logout()
    factories.login(client, clerk)  # the county does not owe it
    assert 'id="overdue"' not in client.get("/").content.decode()


def _pdf_text(document) -> str:
    from pypdf import PdfReader

    with document.file.open("rb") as fh:
        return "".join(p.extract_text() for p in PdfReader(fh).pages).replace("\n", "")


def _standing(client, document) -> str:
    html = client.get(f"/verify/{document.verification_code}/").content.decode()
    return html.split("<th>结论效力</th>", 1)[1].split("</tr>", 1)[0]


def test_a_county_opinion_says_whether_it_still_stands(
    client, applicant, clerk, prefecture_clerk, project_a, pool, prefecture_pool
):
    """Whoever holds the county's 鉴定意见书 learns, on paper and on the public verification page,
    that it may be re-reviewed until a day, that a re-review is under way, and at last that the
    prefecture's opinion replaced it: that one says it is final and which opinion it replaces."""
    from django.core.cache import cache

    from appraisal.models import Decision
    from appraisal.review import decision as decisions
    from tests.appraisal.rereview_world import grant_stamp, panel, sign_round

    cache.clear()  # the verification page's rate limit
    case = decided_case(applicant, clerk, projects=[project_a], vote="academic")
    county = Decision.objects.get(round__case=case, round__number=1).document
    ends, _ = Case.objects.get(pk=case.pk).rereview_window_ends()
    last_day = f"{ends.year}年{ends.month}月{ends.day}日"
    text = _pdf_text(county)
    assert f"可于 {last_day} 前向昌吉市教育局提出复审申请" in text
    assert "复审申请期至 " + last_day in _standing(client, county)

    request(case, applicant)
    assert "已对该鉴定结果申请复审" in _standing(client, county)
    svc.forward_rereview(clerk, case.pk, opinion="同意复审，报送州教育局。")
    svc.receive_rereview(prefecture_clerk, case.pk)
    panel(prefecture_clerk, case)
    assert "已对该鉴定结果申请复审" in _standing(client, county)  # the re-review under way
    second = sign_round(prefecture_clerk, case, vote="non_academic")
    assert "已对该鉴定结果申请复审" in _standing(client, county)
    final = decisions.stamp_decision(
        grant_stamp(prefecture_clerk), second, reauth=factories.PASSWORD
    ).document

    assert f"为最终结论；原鉴定意见书（{county.serial}）所列鉴定结果以本意见书为准" in _pdf_text(
        final
    )
    assert "提出复审申请" not in _pdf_text(final)
    # Final, it names the remedies against it, as the refusal notice does.
    assert (
        f"如对本结论不服，可以自收到之日起六十日内向{prefecture_clerk.bureau.name}人民政府申请行政复议"
        in _pdf_text(final)
    )
    assert "为最终结论" in _standing(client, final)
    replaced = client.get(f"/verify/{county.verification_code}/").content.decode()
    assert "已被复审结论取代" in _standing(client, county)
    assert final.serial in replaced and f"/verify/{final.verification_code}/" in replaced
    assert "鉴定结果为<strong>非学科类</strong>" in replaced.split("该结果已被复审结论取代")[1]
    # The institution's case page says the same of each round's result.
    factories.login(client, applicant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    first, second = page.split('id="standing-1"')[1], page.split('id="standing-2"')[1]
    assert first.split("</p>")[0].count("已被复审结论取代") == 2  # the badge and the sentence
    assert "最终结论" in second.split("</p>")[0]


def test_a_county_opinion_is_final_once_the_request_is_refused_or_the_result_accepted(
    client, applicant, clerk, project_a, pool
):
    from django.core.cache import cache

    from appraisal.models import Decision

    cache.clear()
    refused = decided_case(applicant, clerk, projects=[project_a])
    request(refused, applicant)
    svc.refuse_rereview(clerk, refused.pk, reason="未提出新的事实。")
    other = factories.project(applicant.institution, ("mathematics",), name="趣味数学")
    accepted = decided_case(applicant, clerk, projects=[other])
    svc.accept_result(applicant, accepted.pk)
    for case in (refused, accepted):
        document = Decision.objects.get(round__case=case, round__number=1).document
        assert "该鉴定结果为最终结论" in _standing(client, document)


def test_a_county_opinion_too_long_is_named_not_read_as_missing(client, decided, applicant, clerk):
    request(decided, applicant)
    factories.login(client, clerk)
    page = client.post(
        f"/cases/{decided.pk}/rereview/forward/", {"opinion": "同" * 1001}, follow=True
    ).content.decode()
    assert "“县（市）教育局意见”不能超过 1000 个字（现有 1001 个）" in page
    assert "请填写县（市）教育局意见" not in page
    assert state(decided) == CaseState.REREVIEW_REQUESTED


def test_reasons_too_long_are_named_and_kept(client, decided, applicant):
    factories.login(client, applicant)
    page = client.post(
        f"/cases/{decided.pk}/rereview/", {"reasons": "理" * 5001, "declared": "on"}, follow=True
    ).content.decode()
    assert "“申请复审的理由”不能超过 5000 个字（现有 5001 个）" in page
    assert "理" * 5001 in page  # shown again to be shortened
    assert state(decided) == CaseState.DECIDED
