"""A number past what an id column holds, sent where an id is expected, is a choice that does
not exist: the page says so in Chinese and nothing changes, never a database error (500)."""

import pytest
from django.urls import reverse

from experts.models import Expert
from institutions.models import TrainingProject
from tests import factories

HUGE = "99999999999999999999"  # 20 digits: past a 64-bit integer


@pytest.mark.parametrize(
    "who, name, params, message",
    [
        ("clerk", "appraisal:case_list", {"bureau": HUGE}, "请选择有效的县（市）。"),
        ("applicant", "appraisal:case_list", {"bureau": HUGE}, "请选择有效的县（市）。"),
        ("clerk", "experts:expert_list", {"pool": HUGE}, "请选择有效的专家库。"),
    ],
)
def test_a_filter_with_a_huge_id(client, request, who, name, params, message):
    factories.login(client, request.getfixturevalue(who))
    response = client.get(reverse(name), params)
    assert response.status_code == 200 and message in response.content.decode()


def test_forms_with_a_huge_id_among_their_choices(client, applicant, clerk, project_a):
    factories.login(client, applicant)
    projects = TrainingProject.objects.count()
    project = {"name": "少儿书法", "grades": "小学", "mode": "offline", "description": "硬笔书法"}
    for url in (
        reverse("institutions:project_create"),
        reverse("institutions:project_edit", args=[project_a.pk]),
    ):
        response = client.post(url, {**project, "subjects": [HUGE]})
        assert response.status_code == 200
        assert (
            "“涉及学科或领域”中有不存在或已不可选的选项，请重新选择。" in response.content.decode()
        )
    assert TrainingProject.objects.count() == projects
    project_a.refresh_from_db()
    assert project_a.name != "少儿书法"
    response = client.post(
        reverse("appraisal:case_create"), {"projects": [HUGE], "statement": "申请事由"}
    )
    assert response.status_code == 200
    assert "“申请鉴定的培训项目”中有不存在或已不可选的选项" in response.content.decode()
    assert not applicant.institution.cases.exists()

    factories.login(client, clerk)
    experts = Expert.objects.count()
    response = client.post(
        reverse("experts:expert_create"),
        {
            "name": "新专家",
            "employer": "昌吉市第二中学",
            "title": "中学一级教师",
            "title_level": "intermediate",
            "category": "education",
            "subjects": [HUGE],
            "phone": "13822223333",
            "status": "active",
            "declares_no_training_work": "on",
        },
    )
    assert response.status_code == 200
    assert "“擅长学科或领域”中有不存在或已不可选的选项" in response.content.decode()
    assert Expert.objects.count() == experts


def test_a_filter_with_a_null_character_says_so_in_plain_words(client, clerk):
    factories.login(client, clerk)
    for name in ("appraisal:case_list", "experts:expert_list"):
        html = client.get(reverse(name), {"q": "a\x00b"}).content.decode()
        assert "筛选条件有误" in html and "不能包含空字符" in html
        assert "是用空字符串" not in html  # Django's own zh_Hans words, misspelt
