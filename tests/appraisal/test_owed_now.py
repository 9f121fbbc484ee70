"""The case page leads with what its reader owes now, linked to the step itself; each role's home
lists what it owes; the prefecture's statistics count a re-review under way as 复审中."""

import re

import pytest
from django.urls import reverse

from appraisal.models import CaseState, Round
from appraisal.rereview import services as rereview
from appraisal.review import opinion as opinions
from appraisal.review import sheets
from tests import factories
from tests.appraisal.rereview_world import decided_case, panel, sign_round

from .test_reviews import answered, in_review, one_per_dimension


def owed(client, user, case) -> list[tuple[str, str]]:
    """The (id, href) of each step in the page's 您现在要做 box, in order."""
    factories.login(client, user)
    html = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    box = re.search(r'id="owed-now">(.*?)</div>', html, re.S)
    if box is None:
        return []
    return re.findall(r'id="owed-([a-z_]+)" href="([^"]+)"', box.group(1))


@pytest.fixture
def review(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    return accepted_case, round, seats


def test_the_county_clerk_is_told_to_accept_a_submitted_case(client, clerk, applicant, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    assert owed(client, clerk, case) == [
        ("accept", reverse("appraisal:case_detail", args=[case.pk]) + "#actions")
    ]
    assert owed(client, applicant, case) == []  # nothing owed by the institution now


def test_the_expert_is_told_to_fill_the_sheet_then_the_leader_to_draft(
    client, review, clerk, indicator_template
):
    case, round, seats = review
    sheet_url = reverse("appraisal:sheet", args=[round.pk])
    assert owed(client, seats[0].expert.user, case) == [("sheet", sheet_url)]
    # The clerk: the meeting is recorded, the leader not yet named.
    detail = reverse("appraisal:case_detail", args=[case.pk])
    assert owed(client, clerk, case) == [("set_leader", f"{detail}#leader-form")]
    opinions.set_leader(clerk, round, seats[0].pk)
    assert owed(client, clerk, case) == []
    for seat in seats:
        ticked = one_per_dimension(indicator_template, "academic")
        answer = {
            "ticked": ticked,
            "evidence": answered(indicator_template, ticked),
            "vote": "academic",
            "reasons": "讲练为主。",
        }
        sheets.save_sheet(seat.expert.user, round, answers={case.projects.get().pk: answer})
        sheets.submit_sheet(seat.expert.user, round)
    assert owed(client, seats[0].expert.user, case) == [
        ("draft_opinion", reverse("appraisal:opinion_edit", args=[round.pk]))
    ]
    assert owed(client, seats[1].expert.user, case) == []  # waiting for the leader's draft
    opinions.save_opinion(
        seats[0].expert.user, round, reasoning="以讲授和练习为主。", findings={"培训内容": "数学。"}
    )
    assert owed(client, seats[1].expert.user, case) == [
        ("sign", reverse("appraisal:opinion_sign", args=[round.pk]))
    ]


def test_the_seal_holder_is_told_to_stamp_and_the_expert_page_is_folded(
    client, applicant, clerk, project_a, pool
):
    driven = factories.case_at(
        CaseState.OPINION_SIGNED, applicant, factories.grant_stamp(clerk), projects=[project_a]
    )
    case, round = driven.case, driven.round
    assert owed(client, clerk, case) == [("stamp", reverse("appraisal:decision", args=[round.pk]))]
    expert = round.seats.filter(status="accepted").first().expert.user
    factories.login(client, expert)
    html = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert '<details class="fold" id="fold-panel">' in html  # folded for the panel's members
    assert '<details class="fold" id="fold-materials">' in html
    assert re.search(r'id="fold-sheets-1"\s*>', html)


def test_the_county_hint_goes_once_the_meeting_and_the_leader_are_done(client, review, clerk):
    case, round, seats = review
    factories.login(client, clerk)
    home = client.get("/").content.decode()
    assert 'id="in-review-hint"' in home and "指定组长</a>" in home
    assert "记录鉴定会</a>" not in home  # the meeting is recorded already
    opinions.set_leader(clerk, round, seats[0].pk)
    home = client.get("/").content.decode()
    assert 'id="in-review"' in home and 'id="in-review-hint"' not in home
    assert "请记录鉴定会" not in home


def test_the_prefecture_home_lists_its_seals_and_counts_the_re_review(
    client, applicant, clerk, project_a, pool, prefecture_clerk, prefecture_bureau
):
    case = decided_case(applicant, clerk, projects=[project_a])
    rereview.request_rereview(
        applicant,
        case.pk,
        reasons="以动手操作为主。",
        declared=True,
        files=[factories.pdf_upload("作品展示记录.pdf")],
    )
    rereview.forward_rereview(clerk, case.pk, opinion="同意复审。")
    rereview.receive_rereview(prefecture_clerk, case.pk)
    factories.experts(prefecture_bureau, 6, ("mathematics",))
    factories.experts(prefecture_bureau, 3, ("integrated-practice",))
    panel(prefecture_clerk, case)
    factories.login(client, prefecture_clerk)
    stats = client.get("/").content.decode().split("各县（市）鉴定案件统计")[1]
    # One case of 昌吉市, in the prefecture's round: 复审中 (the 5th stage), not 鉴定中 (the 3rd).
    row = re.search(r"昌吉市</a></td>(.*?)</tr>", stats, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells == ["1", "", "", "", "", "1", "", ""]
    sign_round(prefecture_clerk, case)
    round = case.rounds.get(number=Round.PREFECTURE)
    home = client.get("/").content.decode()
    seal = home.split('id="to-seal"')[1].split("</table>")[0]
    assert case.number in seal and reverse("appraisal:decision", args=[round.pk]) in seal


def test_the_institution_sees_its_category_and_can_start_from_a_project(
    client, applicant, clerk, project_a, pool, institution_a
):
    case = decided_case(applicant, clerk, projects=[project_a])
    factories.login(client, applicant)
    home = client.get("/").content.decode()
    results = home.split('id="results"')[1].split("</div>")[0]
    assert case.number in results and "少儿思维训练 <strong>学科类</strong>" in results
    listing = client.get(reverse("appraisal:case_list")).content.decode()
    assert f'id="case-create-link" href="{reverse("appraisal:case_create")}"' in listing
    other = factories.project(institution_a, ("mathematics",), name="趣味数学")
    projects = client.get(reverse("institutions:project_list")).content.decode()
    apply = f"{reverse('appraisal:case_create')}?project={other.pk}"
    assert f'id="apply-{other.pk}" href="{apply}"' in projects
    assert f'id="apply-{project_a.pk}"' not in projects  # already in a submitted application
    form = client.get(apply).content.decode()
    assert re.search(rf'value="{other.pk}"[^>]*checked', form)


def test_forwarding_or_refusing_a_re_review_asks_first(client, applicant, clerk, project_a, pool):
    """批准并报送 issues the sealed 附件3 and 不予批准 makes the result final: both ask, as 受理
    does (the vendored confirm script reads data-confirm)."""
    case = decided_case(applicant, clerk, projects=[project_a])
    rereview.request_rereview(
        applicant,
        case.pk,
        reasons="以动手操作为主。",
        declared=True,
        files=[factories.pdf_upload("作品展示记录.pdf")],
    )
    factories.login(client, clerk)
    html = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    forward = re.search(r'id="forward-form".*?<button([^>]*)>批准并报送</button>', html, re.S)
    assert "data-confirm=" in forward.group(1) and "附件3" in forward.group(1)
    refuse = re.search(r'id="refuse-rereview-form".*?<button([^>]*)>不予批准</button>', html, re.S)
    assert "data-confirm=" in refuse.group(1) and "最终结论" in refuse.group(1)
