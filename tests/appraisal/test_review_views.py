"""The review pages, each with an owner, a colleague and an outsider; bad input gives a message."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from appraisal.documents.signing import verify_pdf
from appraisal.models import (
    CaseState,
    Decision,
    MaterialKind,
    Opinion,
    ReviewActivity,
    ReviewSheet,
    Signature,
)
from appraisal.review import decision as decisions
from appraisal.review import opinion as opinions
from tests import factories

from .test_reviews import drafted, fill, grant_stamp, in_review

PW = factories.PASSWORD


@pytest.fixture
def review(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    return accepted_case, round, seats


def url(name, round):
    return reverse(f"appraisal:{name}", args=[round.pk])


def test_sheet_page_saves_shows_suggestion_and_submits(client, review, indicator_template):
    case, round, seats = review
    expert = factories.login(client, seats[0].expert.user)
    project = case.projects.get()
    page = client.get(url("sheet", round))
    assert page.status_code == 200 and project.name in page.content.decode()
    # The materials to cite are listed in the checklist's order, as on the case page.
    first = re.search(r'name="[^"]*-material".*?</select>', page.content.decode(), re.S).group(0)
    listed = re.findall(r"<option value=\"\d+\"[^>]*>([^：<]+)：", first)
    labels = [label for _, label in MaterialKind.choices]
    assert len(set(listed)) > 3 and listed == sorted(listed, key=labels.index)
    first, *others = indicator_template.dimensions.order_by("order", "id")
    academic = first.signs.filter(category="academic").first()
    data = {
        f"p{project.pk}-sign": [academic.pk],
        f"p{project.pk}-d{first.pk}-text": "教材第3讲为数学课程内容。",
        f"p{project.pk}-vote": "academic",
        f"p{project.pk}-reasons": "以讲授和练习为主。",
        "action": "save",
    }
    for d in others:  # every other dimension answered: none of its signs, and why
        data[f"p{project.pk}-d{d.pk}-none"] = "1"
        data[f"p{project.pk}-d{d.pk}-text"] = "材料中未见。"
    page = client.post(url("sheet", round), {**data, f"p{project.pk}-reasons": ""}, follow=True)
    # A draft that cannot be submitted yet says so by the project's vote.
    assert f'id="missing-{project.pk}"' in page.content.decode()
    assert "本项目尚未写明理由" in page.content.decode()
    page = client.post(url("sheet", round), data, follow=True)
    html = page.content.decode()
    assert "草稿已保存" in html and "规则提示：</strong>学科类" in html
    assert f'id="missing-{project.pk}"' not in html
    # Submitting without confirming keeps the draft, unsubmitted.
    page = client.post(url("sheet", round), {**data, "action": "submit"}, follow=True)
    assert "确认提交" in page.content.decode()
    assert ReviewSheet.objects.get(seat=seats[0]).submitted_at is None
    page = client.post(
        url("sheet", round), {**data, "action": "submit", "confirm_submit": "1"}, follow=True
    )
    assert "评分表已提交" in page.content.decode()
    assert ReviewSheet.objects.get(seat=seats[0]).document is not None
    # Submitted twice: a message, nothing changed.
    page = client.post(
        url("sheet", round), {**data, "action": "submit", "confirm_submit": "1"}, follow=True
    )
    assert "不能再修改" in page.content.decode()
    assert expert.pk == seats[0].expert.user_id


def test_a_sheet_refused_by_the_server_keeps_what_was_typed(client, review, indicator_template):
    case, round, seats = review
    factories.login(client, seats[0].expert.user)
    project = case.projects.get()
    dimension = indicator_template.dimensions.first()
    academic = dimension.signs.filter(category="academic").first()
    material = case.materials.first()
    key = f"p{project.pk}-d{dimension.pk}"
    data = {
        f"p{project.pk}-sign": [academic.pk],
        f"{key}-material": material.pk,
        f"{key}-page": "12",
        f"{key}-text": "理" * 2001,  # one past the limit: refused, nothing saved
        f"p{project.pk}-vote": "non_academic",
        f"p{project.pk}-reasons": "以兴趣培养为主。",
        "action": "save",
    }
    page = client.post(url("sheet", round), data)
    html = page.content.decode()
    assert page.status_code == 200 and "不能超过 2000 个字（现有 2001 个）" in html
    assert not ReviewSheet.objects.get(seat=seats[0]).answers.exists()
    # Every answer comes back as typed, for the expert to shorten and save again.
    assert re.search(rf'value="{academic.pk}" checked', html)
    assert re.search(rf'<option value="{material.pk}" selected', html)
    assert f'name="{key}-page" value="12"' in html
    assert "理" * 2001 in html and "以兴趣培养为主。" in html
    assert re.search(r'value="non_academic" checked', html)


def test_sheet_page_is_the_experts_own(client, review, clerk, applicant, outsider):
    case, round, seats = review
    for user, status in [(clerk, 403), (applicant, 403), (outsider, 404)]:
        client.logout()
        factories.login(client, user)
        assert client.get(url("sheet", round)).status_code == status
    stranger = factories.expert(factories.bureau("652301"))
    client.logout()
    factories.login(client, stranger.user)
    assert client.get(url("sheet", round)).status_code == 404


def test_records_page_and_file_download(client, review, clerk, foreign_clerk, applicant):
    case, round, seats = review
    factories.login(client, clerk)
    page = client.post(
        url("review_records", round),
        {
            "kind": "interview",
            "date": timezone.localdate().isoformat(),
            "place": "机构会议室",
            "attendees": "机构员工3人、家长4人",
            "findings": "家长反映课后有练习册。",
            "files": [SimpleUploadedFile("访谈.png", factories.PNG_BYTES, "image/png")],
        },
        follow=True,
    )
    assert "鉴定活动已记录" in page.content.decode()
    f = ReviewActivity.objects.get(round=round, kind="interview").files.get()
    download = reverse("appraisal:activity_file_download", args=[f.pk])
    assert client.get(download).status_code == 200
    # A member of the panel reads the records; the applicant and another county do not.
    client.logout()
    factories.login(client, seats[0].expert.user)
    assert client.get(url("review_records", round)).status_code == 200
    assert client.post(url("review_records", round), {}).status_code == 403
    for user, status in [(applicant, 403), (foreign_clerk, 404)]:
        client.logout()
        factories.login(client, user)
        assert client.get(url("review_records", round)).status_code == status
        assert client.get(download).status_code == 404


def test_records_page_refuses_a_wrong_file_with_a_message(client, review, clerk):
    case, round, seats = review
    factories.login(client, clerk)
    page = client.post(
        url("review_records", round),
        {
            "kind": "site_visit",
            "date": timezone.localdate().isoformat(),
            "place": "教学点",
            "attendees": "专家组",
            "files": [SimpleUploadedFile("照片.png", b"not an image", "image/png")],
        },
    )
    assert page.status_code == 200 and "实际内容" in page.content.decode()
    assert not ReviewActivity.objects.filter(kind="site_visit").exists()


def test_signing_page_wrong_password_then_right(client, review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    factories.login(client, seats[1].expert.user)
    page = client.get(url("opinion_sign", round))
    html = page.content.decode()
    assert opinion.content_hash in html and opinion.reasoning in html
    data = {"content_hash": opinion.content_hash, "confirm": "on", "reauth": "wrong"}
    page = client.post(url("opinion_sign", round), data)
    assert page.status_code == 200 and "密码或动态口令不正确" in page.content.decode()
    assert not Signature.objects.exists()
    page = client.post(url("opinion_sign", round), {**data, "reauth": PW}, follow=True)
    assert "您已签署本版鉴定意见" in page.content.decode()
    assert Signature.objects.get().seat == seats[1]
    # The clerk reads the signing page but cannot sign.
    client.logout()
    factories.login(client, clerk)
    assert client.get(url("opinion_sign", round)).status_code == 200
    assert client.post(url("opinion_sign", round), {**data, "reauth": PW}).status_code == 403


def test_signing_after_the_text_changed_offers_the_new_text(
    client, review, clerk, indicator_template
):
    """The leader edits while a member has the page open: the member is refused once, told why,
    and the page then carries the new text's fingerprint, so that signing again works."""
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    factories.login(client, seats[1].expert.user)
    stale = {"content_hash": opinion.content_hash, "confirm": "on", "reauth": PW}
    changed = opinions.save_opinion(seats[0].expert.user, round, reasoning="修改后的理由。")
    page = client.post(url("opinion_sign", round), stale)
    html = page.content.decode()
    assert "已被修改" in html and not Signature.objects.exists()
    assert (
        f'value="{changed.content_hash}"' in html and f'value="{opinion.content_hash}"' not in html
    )
    box = re.search(r'<input[^>]*name="confirm"[^>]*>', html).group(0)
    assert "checked" not in box  # read the new text, then confirm again
    again = {"content_hash": changed.content_hash, "confirm": "on", "reauth": PW}
    client.post(url("opinion_sign", round), again)
    assert Signature.objects.get().content_hash == changed.content_hash


def test_void_signatures_are_shown_as_void(client, review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    opinions.sign_opinion(seats[1].expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    factories.login(client, seats[0].expert.user)
    names = [d.name for d in indicator_template.dimensions.order_by("order", "id")]
    findings = {f"finding_{i}": f"{name}的鉴定情况。" for i, name in enumerate(names)}
    # Each dimension's 鉴定情况 is asked for: 附件2 states them one by one.
    page = client.post(url("opinion_edit", round), {"reasoning": "修改后的理由。"})
    assert f"请填写{names[0]}方面的鉴定情况" in page.content.decode()
    assert Opinion.objects.get(round=round).revision == 1
    page = client.post(
        url("opinion_edit", round), {"reasoning": "修改后的理由。", **findings}, follow=True
    )
    html = page.content.decode()
    assert "已作废" in html and "第2版" in html


def test_on_a_tie_the_leader_records_the_result_the_panel_settled_on(
    client, accepted_case, clerk, pool, indicator_template
):
    from .test_reviews import votes_in

    round, seats = in_review(clerk, accepted_case, panel_size=4)
    votes_in(
        (accepted_case, round, seats),
        ["academic", "non_academic", "academic", "non_academic"],
        indicator_template,
    )
    opinions.set_leader(clerk, round, seats[0].pk)
    project = accepted_case.projects.get()
    factories.login(client, seats[0].expert.user)
    html = client.get(url("opinion_edit", round)).content.decode()
    assert "票数相同，须经专家组合议确定" in html and f'name="settled_{project.pk}"' in html
    names = [d.name for d in indicator_template.dimensions.order_by("order", "id")]
    data = {"reasoning": "经合议，以实践活动为主。"}
    data.update({f"finding_{i}": f"{name}的鉴定情况。" for i, name in enumerate(names)})
    page = client.post(url("opinion_edit", round), data)
    assert "票数相同，请写明专家组合议确定的结果" in page.content.decode()
    assert not Opinion.objects.get(round=round).is_drafted
    client.post(url("opinion_edit", round), {**data, f"settled_{project.pk}": "non_academic"})
    opinion = Opinion.objects.get(round=round)
    assert opinion.results[0]["result"] == "non_academic" and opinion.revision == 1
    # Shown again as settled when the leader comes back to revise.
    html = client.get(url("opinion_edit", round)).content.decode()
    assert re.search(rf'name="settled_{project.pk}" value="non_academic"[^>]*checked', html)


def test_opinion_editor_is_the_leaders(client, review, clerk, indicator_template):
    case, round, seats = review
    drafted(review, clerk, indicator_template)
    factories.login(client, seats[1].expert.user)
    assert client.get(url("opinion_edit", round)).status_code == 403
    client.logout()
    factories.login(client, seats[0].expert.user)
    assert client.get(url("opinion_edit", round)).status_code == 200


def test_the_leader_drafts_only_once_every_sheet_is_in(client, review, clerk, indicator_template):
    """The drafting page shows every member's vote and reasons: a leader whose own sheet (or a
    colleague's) is still open is sent back, and the case page offers no drafting link."""
    from .test_reviews import fill

    case, round, seats = review
    opinions.set_leader(clerk, round, seats[0].pk)
    fill(seats[1], round, case, indicator_template, "non_academic", reasons="以游戏为主，不排名。")
    factories.login(client, seats[0].expert.user)
    response = client.get(url("opinion_edit", round), follow=True)
    body = response.content.decode()
    assert "全部评分表提交后方可起草鉴定意见" in body and "以游戏为主，不排名" not in body
    assert 'id="opinion-edit-link"' not in body
    for seat in (seats[0], seats[2]):
        fill(seat, round, case, indicator_template, "academic")
    assert client.get(url("opinion_edit", round)).status_code == 200
    assert 'id="opinion-edit-link"' in client.get(f"/cases/{case.pk}/").content.decode()


def test_stamp_page_issues_opinion_verifiable_and_signed(
    client, review, clerk, applicant, foreign_clerk, indicator_template
):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    for seat in seats:
        opinions.sign_opinion(seat.expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    project = case.projects.get()
    data = {f"category_{project.pk}": "academic", "reason": "", "reauth": PW}
    # Another county: not found. No permission: a message on the page.
    factories.login(client, foreign_clerk)
    assert client.post(url("decision", round), data).status_code == 404
    client.logout()
    factories.login(client, clerk)
    page = client.get(url("decision", round))
    assert "没有盖章权限" in page.content.decode()
    page = client.post(url("decision", round), data)
    assert "没有盖章权限" in page.content.decode()
    grant_stamp(clerk)
    form = client.get(url("decision", round)).content.decode().split('id="stamp-form"')[1]
    assert form.index('name="category_') < form.index('name="reason"')  # the why after the what
    page = client.post(url("decision", round), {**data, "reauth": "wrong"})
    assert "密码或动态口令不正确" in page.content.decode()
    assert not Decision.objects.exists()
    page = client.post(url("decision", round), data, follow=True)
    assert "鉴定意见书已出具" in page.content.decode()
    decision = Decision.objects.get()
    assert decision.round.case.state == CaseState.DECIDED
    document = decision.document
    with document.file.open("rb") as fh:
        pdf = fh.read()
    assert verify_pdf(pdf).intact
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    assert not verify_pdf(bytes(changed)).intact
    # The public verification page confirms the real 附件2 and says nothing private.
    client.logout()
    cache.clear()
    page = client.get(f"/verify/{document.verification_code}/")
    html = page.content.decode()
    assert page.status_code == 200 and document.serial in html and document.sha256 in html
    assert case.institution.name in html and project.name in html and "学科类" in html
    for seat in seats:
        assert seat.expert.name not in html
    # The institution sees the result, the panel's names and downloads 附件2.
    factories.login(client, applicant)
    html = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert "下载鉴定意见书" in html
    for seat in seats:
        assert seat.expert.name in html
    download = client.get(reverse("appraisal:document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == pdf


def test_institution_sees_no_names_before_the_decision(
    client, review, applicant, indicator_template, clerk
):
    case, round, seats = review
    drafted(review, clerk, indicator_template)
    factories.login(client, applicant)
    html = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    for seat in seats:
        assert seat.expert.name not in html
    assert client.get(url("opinion_sign", round)).status_code == 403


def test_the_expert_home_says_what_waits_on_each_member(client, review, clerk, indicator_template):
    """待办: the sheet, then (the leader, once all sheets are in) the draft, then the signature of
    the current revision; nothing once done."""
    case, round, seats = review
    leader, member = seats[0], seats[1]

    def todo(seat):
        factories.login(client, seat.expert.user)
        html = client.get(reverse("home")).content.decode()
        row = html.split(case.number, 2)[-1].split("</tr>")[0]
        return re.sub(r"<[^>]+>", " ", row)

    assert "填写评分表" in todo(leader) and "件待您办理" in client.get("/").content.decode()
    fill(leader, round, case, indicator_template, "academic")
    assert "填写评分表" not in todo(leader) and "起草鉴定意见" not in todo(leader)
    for seat in seats[1:]:
        fill(seat, round, case, indicator_template, "academic")
    opinions.set_leader(clerk, round, leader.pk)
    assert "起草鉴定意见" in todo(leader)
    assert "暂无需要您办理的事项" in todo(member)
    opinion = opinions.save_opinion(leader.expert.user, round, reasoning="以讲授和练习为主。")
    assert f"核对并签署鉴定意见（第{opinion.revision}版）" in todo(member)
    opinions.sign_opinion(member.expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    assert "签署" not in todo(member) and "暂无需要您办理的事项" in todo(member)
    assert "核对并签署" in todo(leader)


def test_posting_to_a_concluded_round_says_why_nothing_happened(
    client, review, clerk, indicator_template
):
    from .test_reviews import all_sign

    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    all_sign(review, opinion)
    decisions.stamp_decision(grant_stamp(clerk), round, reauth=PW)
    factories.login(client, seats[0].expert.user)
    signed = client.post(
        url("opinion_sign", round),
        {"content_hash": opinion.content_hash, "confirm": "on", "reauth": PW},
    ).content.decode()
    assert 'id="refused"' in signed and "不能" in signed.split('id="refused"', 1)[1][:300]
    edited = client.post(url("opinion_edit", round), {"reasoning": "再改一次。"}).content.decode()
    assert 'id="refused"' in edited
    assert Opinion.objects.get(round=round).revision == opinion.revision
