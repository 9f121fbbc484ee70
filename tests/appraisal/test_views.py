"""The case pages as a user meets them: forms, messages, filters and pagination."""

from django.urls import reverse

from appraisal.filing import cases as svc
from appraisal.models import Case
from tests import factories


def test_create_case_through_the_form(client, applicant, project_a):
    factories.login(client, applicant)
    response = client.post(
        reverse("appraisal:case_create"),
        {"projects": [project_a.pk], "statement": "类别存在争议"},
        follow=True,
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("appraisal:case_detail", args=[case.pk])
    assert "请上传申报材料后提交" in response.content.decode()
    assert list(case.projects.all()) == [project_a]


def test_create_case_needs_project_and_statement(client, applicant, project_a):
    factories.login(client, applicant)
    response = client.post(reverse("appraisal:case_create"), {"statement": ""})
    page = response.content.decode()
    assert "请至少选择一个申请鉴定的培训项目" in page and "请填写申请事由" in page
    assert not Case.objects.exists()


def test_foreign_project_cannot_be_chosen(client, applicant, institution_b):
    foreign = factories.project(institution_b)
    factories.login(client, applicant)
    response = client.post(
        reverse("appraisal:case_create"), {"projects": [foreign.pk], "statement": "x"}
    )
    assert response.status_code == 200 and not Case.objects.exists()


def test_clerk_cannot_open_new_case_form(client, clerk):
    factories.login(client, clerk)
    assert client.get(reverse("appraisal:case_create")).status_code == 403


def test_submit_incomplete_shows_what_is_missing(client, applicant, project_a):
    case = factories.draft_case(applicant, [project_a], with_materials=False)
    factories.login(client, applicant)
    response = client.post(reverse("appraisal:case_submit", args=[case.pk]), follow=True)
    assert "缺少必需的申报材料" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "draft"


def test_refuse_without_reason_via_page(client, applicant, clerk):
    case = factories.submitted_case(applicant)
    factories.login(client, clerk)
    response = client.post(
        reverse("appraisal:case_refuse", args=[case.pk]), {"reason": ""}, follow=True
    )
    assert "请写明理由" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_transition_not_allowed_shows_message(client, applicant, clerk):
    case = factories.submitted_case(applicant)
    svc.accept_case(clerk, case.pk)
    factories.login(client, clerk)
    response = client.post(
        reverse("appraisal:case_refuse", args=[case.pk]), {"reason": "晚了"}, follow=True
    )
    assert "当前状态为“已受理”，不能执行“不予受理”" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "accepted"


def test_get_on_action_is_refused(client, applicant, clerk):
    case = factories.submitted_case(applicant)
    factories.login(client, clerk)
    assert client.get(reverse("appraisal:case_accept", args=[case.pk])).status_code == 405
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_edit_only_in_draft(client, applicant, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    assert client.get(reverse("appraisal:case_edit", args=[case.pk])).status_code == 403


def test_list_filters_search_and_pages(client, applicant, clerk, settings):
    settings.PAGINATE_BY = 2
    cases = [factories.submitted_case(applicant) for _ in range(3)]
    svc.accept_case(clerk, cases[0].pk)
    factories.login(client, clerk)
    url = reverse("appraisal:case_list")
    first = client.get(url)
    assert (
        first.context["page"].paginator.count == 3 and len(first.context["page"].object_list) == 2
    )
    assert "第 1 / 2 页" in first.content.decode()
    accepted = client.get(url, {"state": "accepted"}).context["page"].object_list
    assert [c.pk for c in accepted] == [cases[0].pk]
    found = client.get(url, {"q": cases[1].number}).context["page"].object_list
    assert [c.pk for c in found] == [cases[1].pk]
    by_name = client.get(url, {"q": "甲培训"}).context["page"].paginator.count
    assert by_name == 3
    assert client.get(url, {"q": "不存在的机构"}).context["page"].paginator.count == 0
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_a_hand_edited_filter_says_the_list_is_unfiltered(client, applicant, clerk):
    factories.submitted_case(applicant)
    factories.login(client, clerk)
    response = client.get(reverse("appraisal:case_list"), {"state": "no-such-state"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "筛选条件有误" in page and "no-such-state" in page
    assert response.context["page"].paginator.count == 1
    assert "筛选条件有误" not in client.get(reverse("appraisal:case_list")).content.decode()


def test_a_draft_sent_back_for_completion_is_told_apart_from_a_new_one(
    client, applicant, clerk, project_a
):
    """补正: the list and the case page say 已退回补正, and the clerk can list those alone."""
    returned = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(clerk, returned.pk, missing_kinds=["syllabus"], note="请补充教学大纲。")
    other = factories.project(applicant.institution, ("mathematics",), name="趣味数学")
    fresh = factories.draft_case(applicant, projects=[other])
    factories.login(client, applicant)
    page = client.get(reverse("appraisal:case_list")).content.decode()
    row = page.split(returned.number)[1].split("</tr>")[0]
    assert "已退回补正" in row
    assert "已退回补正" not in page.split(fresh.number)[1].split("</tr>")[0]
    detail = client.get(reverse("appraisal:case_detail", args=[returned.pk])).content.decode()
    assert "已退回补正" in detail.split("</h1>")[0]
    listed = client.get(reverse("appraisal:case_list") + "?state=returned").content.decode()
    assert returned.number in listed and fresh.number not in listed
    assert "→ 已退回补正" in detail
    # The county's home counts it as sent back, linking to that list.
    factories.login(client, clerk)
    home = client.get(reverse("home")).content.decode()
    assert '?state=returned"><div class="n">1</div><div class="l">已退回补正</div>' in home
