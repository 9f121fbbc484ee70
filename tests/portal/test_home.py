"""The role decides the home page; each answers "what must I do now"."""

import pytest
from django.urls import reverse

from appraisal.filing import cases as svc
from tests import factories


def test_login_page_and_wrong_password(client, applicant):
    response = client.post(reverse("login"), {"username": "applicant", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(
        reverse("login"), {"username": "applicant", "password": factories.PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_institution_home_shows_its_cases_and_todo(client, applicant, project_a, clerk):
    case = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(clerk, case.pk, missing_kinds=["syllabus"], note="大纲不完整")
    factories.login(client, applicant)
    page = client.get(reverse("home")).content.decode()
    assert "需要您处理" in page and case.number in page and "待机构补正材料后重新提交" in page


def test_county_home_is_the_inbox_with_checklist(client, applicant, project_a, clerk, outsider):
    mine = factories.submitted_case(applicant, projects=[project_a])
    foreign = factories.submitted_case(outsider)
    factories.login(client, clerk)
    page = client.get(reverse("home")).content.decode()
    assert "待受理的申请（1）" in page
    assert mine.number in page and foreign.number not in page
    assert "必需材料齐全" in page


def test_prefecture_home_counts_every_county(client, applicant, outsider, prefecture_clerk):
    factories.submitted_case(applicant)
    factories.submitted_case(outsider)
    factories.login(client, prefecture_clerk)
    response = client.get(reverse("home"))
    stats = {row["bureau"].name: row["total"] for row in response.context["stats"]}
    assert stats["昌吉市"] == 1 and stats["阜康市"] == 1 and stats["奇台县"] == 0


@pytest.mark.parametrize(
    "role,text", [("expert", "目前没有需要您处理的鉴定邀请"), ("admin", "系统管理")]
)
def test_other_roles(client, jurisdictions, role, text):
    factories.login(client, factories.user(role))
    assert text in client.get(reverse("home")).content.decode()


def test_password_change(client, applicant):
    factories.login(client, applicant)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "Changji-new-2026",
            "new_password2": "Changji-new-2026",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.check_password("Changji-new-2026")


def test_weak_password_refused(client, applicant):
    factories.login(client, applicant)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    applicant.refresh_from_db()
    assert applicant.check_password(factories.PASSWORD)


def test_missing_page_in_layout(client, applicant):
    factories.login(client, applicant)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_county_home_title_holds_only_the_title(client, clerk, accepted_case, pool):
    """The panels being formed are listed once, in the page, not inside <title>."""
    factories.draw(clerk, accepted_case)
    factories.login(client, clerk)
    html = client.get("/").content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and title.startswith("待办事项")
    assert html.count('id="forming-panel"') == 1
    assert accepted_case.number in html.split('id="forming-panel"', 1)[1]


def test_county_home_lists_its_rounds_by_the_step_they_wait_for(client, applicant, clerk, pool):
    """Each county round under way is listed under what it waits for; one whose opinion every
    member signed waits for the clerk's seal, with a link to that page."""
    from appraisal.models import Round
    from tests.appraisal.rereview_world import panel, sign_round

    reviewing = factories.accepted_case(applicant, clerk)
    panel(clerk, reviewing)
    signed = factories.accepted_case(
        applicant, clerk, projects=[factories.project(applicant.institution)]
    )
    panel(clerk, signed)
    sign_round(clerk, signed)
    factories.login(client, clerk)
    html = client.get("/").content.decode()
    to_seal = html.split('id="to-seal"', 1)[1].split('class="card"', 1)[0]
    decision = reverse("appraisal:decision", args=[signed.rounds.get(number=Round.COUNTY).pk])
    assert signed.number in to_seal and f'href="{decision}"' in to_seal
    assert reviewing.number not in to_seal
    in_review = html.split('id="in-review"', 1)[1].split('class="card"', 1)[0]
    assert reviewing.number in in_review and signed.number not in in_review


def test_a_keyboard_user_can_skip_to_the_page_itself(client, clerk):
    factories.login(client, clerk)
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">跳到正文</a>' in html
    assert html.index("skip-link") < html.index('class="mainnav"') < html.index('<main id="main"')
