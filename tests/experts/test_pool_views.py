"""The pool pages: who sees and keeps which pool; ties, credit records, status."""

import datetime

import pytest
from django.urls import reverse

from experts.models import Expert, ExpertCreditRecord, ExpertTie
from institutions.models import InstitutionCreditMark
from portal.models import Notification
from tests import factories


@pytest.fixture
def changji_expert(changji):
    return factories.expert(changji, name="昌吉专家")


@pytest.fixture
def fukang_expert(fukang):
    return factories.expert(fukang, name="阜康专家")


@pytest.fixture
def prefecture_expert(prefecture_bureau):
    return factories.expert(prefecture_bureau, name="州库专家")


def names(response):
    return {e.name for e in response.context["page"]}


def test_county_sees_own_pool_prefecture_sees_all(
    client, clerk, prefecture_clerk, changji_expert, fukang_expert, prefecture_expert
):
    factories.login(client, clerk)
    assert names(client.get(reverse("experts:expert_list"))) == {"昌吉专家"}
    factories.login(client, prefecture_clerk)
    assert names(client.get(reverse("experts:expert_list"))) == {"昌吉专家", "阜康专家", "州库专家"}


def test_expert_of_another_county_is_not_found(client, foreign_clerk, changji_expert):
    factories.login(client, foreign_clerk)
    assert client.get(reverse("experts:expert_detail", args=[changji_expert.pk])).status_code == 404
    response = client.post(
        reverse("experts:credit_add", args=[changji_expert.pk]),
        {"kind": "neglect", "reason": "x", "evidence": "y"},
    )
    assert response.status_code == 404
    assert not ExpertCreditRecord.objects.exists()


@pytest.mark.parametrize("who", ["applicant", "outsider"])
def test_institution_users_see_no_pool(client, request, who, changji_expert):
    factories.login(client, request.getfixturevalue(who))
    assert client.get(reverse("experts:expert_list")).status_code == 403
    assert client.get(reverse("experts:expert_detail", args=[changji_expert.pk])).status_code == 404


def test_prefecture_keeps_its_pool_but_not_a_countys(
    client, prefecture_clerk, changji_expert, prefecture_expert
):
    factories.login(client, prefecture_clerk)
    assert (
        client.get(reverse("experts:expert_edit", args=[prefecture_expert.pk])).status_code == 200
    )
    assert client.get(reverse("experts:expert_edit", args=[changji_expert.pk])).status_code == 403


def form_data(**overrides):
    data = {
        "name": "新专家",
        "employer": "昌吉市第二中学",
        "title": "中学一级教师",
        "title_level": "intermediate",
        "category": "education",
        "subjects": ["mathematics"],
        "phone": "13822223333",
        "email": "",
        "status": "active",
        "declares_no_training_work": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_clerk_adds_expert_to_own_pool_with_account(client, clerk, changji, jurisdictions):
    from portal.models import Subject

    factories.login(client, clerk)
    data = form_data(subjects=[Subject.objects.get(code="mathematics").pk])
    response = client.post(reverse("experts:expert_create"), data)
    expert = Expert.objects.get(name="新专家")
    assert response.status_code == 302
    assert expert.pool == changji and expert.user.role == "expert"
    assert expert.user.username == "13822223333"


def test_wrong_title_level_and_duplicate_are_refused(client, clerk, changji_expert, jurisdictions):
    from portal.models import Subject

    factories.login(client, clerk)
    maths = Subject.objects.get(code="mathematics").pk
    response = client.post(
        reverse("experts:expert_create"), form_data(title_level="junior", subjects=[maths])
    )
    assert response.status_code == 200 and "职称等级须为中级" in response.content.decode()
    response = client.post(
        reverse("experts:expert_create"), form_data(phone=changji_expert.phone, subjects=[maths])
    )
    assert "已在库中" in response.content.decode()
    assert Expert.objects.count() == 1


def test_an_empty_form_names_each_missing_field(client, clerk, jurisdictions):
    factories.login(client, clerk)
    body = client.post(reverse("experts:expert_create"), {"name": ""}).content.decode()
    assert "这个字段是必填项" not in body
    for message in ("请填写姓名。", "请填写工作单位。", "请选择职称等级。"):
        assert message in body
    assert not Expert.objects.exists()


def test_credit_record_is_kept_and_ends_engagement(client, clerk, changji_expert):
    factories.login(client, clerk)
    response = client.post(
        reverse("experts:credit_add", args=[changji_expert.pk]),
        {"kind": "favouritism", "reason": "收受机构好处", "evidence": "纪检通报"},
        follow=True,
    )
    assert "不再被抽取" in response.content.decode()
    record = ExpertCreditRecord.objects.get()
    assert (record.recorded_by, record.bureau) == (clerk, clerk.bureau)
    response = client.post(
        reverse("experts:credit_add", args=[changji_expert.pk]),
        {"kind": "favouritism", "reason": "", "evidence": ""},
        follow=True,
    )
    assert ExpertCreditRecord.objects.count() == 1


def test_expert_declares_own_ties(client, changji_expert, institution_a):
    factories.login(client, changji_expert.user)
    response = client.post(
        reverse("experts:my_ties"),
        {
            "institution": institution_a.pk,
            "kind": "consultancy",
            "started_on": "2024-01-01",
            "ended_on": "2023-01-01",
            "note": "",
        },
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    client.post(
        reverse("experts:my_ties"),
        {"institution": institution_a.pk, "kind": "family", "note": "配偶任教"},
    )
    tie = ExpertTie.objects.get()
    assert tie.declared_by == changji_expert.user and tie.excludes_on(datetime.date.today())


def test_other_roles_cannot_use_the_tie_page(client, clerk):
    factories.login(client, clerk)
    assert client.get(reverse("experts:my_ties")).status_code == 403


def test_tie_windows():
    tie = ExpertTie(kind="employment", ended_on=datetime.date(2022, 3, 1))
    assert tie.excludes_on(datetime.date(2027, 2, 28))
    assert not tie.excludes_on(datetime.date(2027, 3, 1))
    consult = ExpertTie(kind="consultancy", ended_on=datetime.date(2022, 3, 1))
    assert not consult.excludes_on(datetime.date(2025, 3, 1))
    assert ExpertTie(kind="financial", ended_on=datetime.date(2000, 1, 1)).excludes_on(
        datetime.date(2026, 1, 1)
    )
    assert ExpertTie(kind="employment", ended_on=None).excludes_on(datetime.date(2040, 1, 1))


def test_recusal_start_is_the_earliest_end_still_inside_the_window():
    from experts.models import recusal_end, recusal_start

    days = [datetime.date(2023, 12, 20) + datetime.timedelta(days=n) for n in range(0, 1600, 7)]
    days += [datetime.date(2028, 2, 29), datetime.date(2027, 2, 28), datetime.date(2027, 3, 1)]
    for years in (3, 5):
        for day in days:
            start = recusal_start(years, day)
            for ended in (start - datetime.timedelta(days=d) for d in range(-3, 4)):
                assert (ended >= start) == (day < recusal_end(ended, years)), (years, day, ended)


@pytest.mark.django_db
def test_database_filter_of_excluding_ties_matches_tie_excludes(changji_expert, institution_a):
    from django.db import connection

    from experts.models import excluding_ties_sql, tie_excludes

    clerk = changji_expert.user
    ends = [None] + [datetime.date(2020, 2, 29) + datetime.timedelta(days=n) for n in range(-3, 4)]
    ends += [datetime.date(2021, 3, 1), datetime.date(2023, 2, 28), datetime.date(2023, 3, 1)]
    ties = [
        ExpertTie.objects.create(
            expert=factories.expert(changji_expert.pool, ("mathematics",)),
            institution=institution_a,
            kind=kind,
            ended_on=ended,
            declared_by=clerk,
        )
        for kind in ExpertTie.Kind.values
        for ended in ends
    ]
    for day in (datetime.date(2023, 2, 28), datetime.date(2025, 2, 28), datetime.date(2025, 3, 1)):
        expected = {t.expert_id for t in ties if tie_excludes(t.kind, t.ended_on, day)}
        sql, params = excluding_ties_sql(institution_a.pk, day, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = {row[0] for row in cursor.fetchall()}
        assert found == expected
        assert 0 < len(found) < len(ties)


def test_institution_credit_mark_visible_to_staff_on_institution_and_case(
    client, clerk, foreign_clerk, applicant, project_a
):
    case = factories.submitted_case(applicant, projects=[project_a])
    institution = case.institution
    factories.login(client, foreign_clerk)
    assert (
        client.get(reverse("institutions:staff_detail", args=[institution.pk])).status_code == 404
    )
    client.post(
        reverse("institutions:credit_mark_add", args=[institution.pk]),
        {"kind": "false_material", "reason": "r", "evidence": "e"},
    )
    assert not InstitutionCreditMark.objects.exists()
    factories.login(client, clerk)
    client.post(
        reverse("institutions:credit_mark_add", args=[institution.pk]),
        {"kind": "false_material", "reason": "教案系伪造", "evidence": "现场核查记录"},
    )
    assert InstitutionCreditMark.objects.get().recorded_by == clerk
    assert (
        "教案系伪造"
        in client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    )
    factories.login(client, applicant)
    assert (
        "教案系伪造"
        not in client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    )
    assert (
        client.get(reverse("institutions:staff_detail", args=[institution.pk])).status_code == 404
    )
    # The institution is told what was found and where to object; the evidence and the clerk
    # who recorded it stay with the bureau.
    told = Notification.objects.get(recipient=applicant)
    assert told.subject == "信用评价记录告知：提供虚假材料"
    assert "教案系伪造" in told.body and f"可向{clerk.bureau.name}书面提出" in told.body
    profile = client.get(reverse("institutions:profile")).content.decode()
    assert 'id="credit-marks"' in profile and "教案系伪造" in profile
    assert "现场核查记录" not in profile and clerk.display_name not in profile
    # Another institution neither is told nor sees it.
    other = factories.user("institution", institution=factories.institution("652302"))
    factories.login(client, other)
    assert not Notification.objects.filter(recipient=other).exists()
    assert "教案系伪造" not in client.get(reverse("institutions:profile")).content.decode()


def test_every_change_to_who_may_be_drawn_is_on_the_audit_trail(
    client, clerk, changji_expert, institution_a, applicant, project_a
):
    """Status, title level, the declaration, ties, credit records and institution marks decide
    who is drawn: each change is audited with old and new, by whom; a credit record naming a case
    that does not exist, or not in the clerk's county, is refused."""
    from audit.models import Action, AuditEvent

    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    client.post(
        reverse("experts:expert_edit", args=[changji_expert.pk]),
        form_data(
            name=changji_expert.name,
            phone=changji_expert.phone,
            employer=changji_expert.employer,
            title=changji_expert.title,
            title_level=changji_expert.title_level,
            subjects=list(changji_expert.subjects.values_list("pk", flat=True)),
            status="suspended",
        ),
    )
    changed = AuditEvent.objects.get(action=Action.EXPERT_CHANGED)
    assert changed.actor == clerk and changed.bureau == changji_expert.pool
    assert changed.data["changes"]["状态"] == ["在库", "暂停"]
    client.post(
        reverse("experts:tie_add", args=[changji_expert.pk]),
        {"institution": institution_a.pk, "kind": "family", "note": "配偶任教"},
    )
    assert (
        AuditEvent.objects.get(action=Action.EXPERT_TIE).data["institution"] == institution_a.name
    )
    refused = client.post(
        reverse("experts:credit_add", args=[changji_expert.pk]),
        {"kind": "favouritism", "reason": "r", "evidence": "e", "case_number": "不存在-9999"},
        follow=True,
    )
    assert "案件编号“不存在-9999”不存在或不在您的辖区内" in refused.content.decode()
    assert not ExpertCreditRecord.objects.exists()
    client.post(
        reverse("experts:credit_add", args=[changji_expert.pk]),
        {"kind": "favouritism", "reason": "r", "evidence": "e", "case_number": case.number},
    )
    assert AuditEvent.objects.get(action=Action.EXPERT_CREDIT).data["case_number"] == case.number
    client.post(
        reverse("institutions:credit_mark_add", args=[case.institution.pk]),
        {"kind": "false_material", "reason": "教案系伪造", "evidence": "现场核查记录"},
    )
    assert AuditEvent.objects.filter(action=Action.INSTITUTION_CREDIT, actor=clerk).exists()
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "状态：在库 → 暂停" in page and "记录机构信用评价" in page


def test_an_employment_tie_makes_the_expert_ineligible_on_the_page(
    client, clerk, changji_expert, institution_a
):
    """Guide 五（五）: no post, ever, at a training institution: the page says so at once."""
    factories.login(client, clerk)
    page = reverse("experts:expert_detail", args=[changji_expert.pk])
    assert "符合指南五规定的条件" in client.get(page).content.decode()
    client.post(
        reverse("experts:tie_add", args=[changji_expert.pk]),
        {
            "institution": institution_a.pk,
            "kind": "employment",
            "started_on": "2015-01-01",
            "ended_on": "2016-01-01",
        },
    )
    html = client.get(page).content.decode()
    assert "登记有在校外培训机构任职或兼职的关联关系" in html
    assert "符合指南五规定的条件" not in html


def test_a_wrong_email_is_said_in_chinese(client, clerk, jurisdictions):
    factories.login(client, clerk)
    body = client.post(
        reverse("experts:expert_create"), form_data(email="不是邮箱")
    ).content.decode()
    assert "请输入有效的电子邮箱（如 name@example.cn）" in body and "Email" not in body


def test_the_two_forms_of_the_expert_page_have_ids_of_their_own(client, clerk, changji_expert):
    import re

    factories.login(client, clerk)
    page = client.get(reverse("experts:expert_detail", args=[changji_expert.pk])).content.decode()
    ids = re.findall(r' id="([^"]+)"', page)
    assert "tie_kind" in ids and "credit_kind" in ids
    assert len(ids) == len(set(ids))  # a label leads to its own field


def test_help_and_errors_are_tied_to_their_fields_for_screen_readers(client, clerk, jurisdictions):
    import re

    factories.login(client, clerk)
    page = client.post(
        reverse("experts:expert_create"), form_data(email="不是邮箱")
    ).content.decode()
    described = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    ids = re.search(r'aria-describedby="([^"]+)"', described).group(1).split()
    for i in ids:
        assert f'id="{i}"' in page
    title = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    helptext = re.search(r'aria-describedby="([^"]+)"', title).group(1).split()[0]
    assert f'<div class="help" id="{helptext}">' in page


def test_a_credit_record_on_an_expert_at_work_tells_the_bureau_running_that_panel(
    client, clerk, accepted_case, pool
):
    """Guide 九(三): no longer engaged, the panels under way included; the clerk recording it
    and the bureau running the round learn which seat to deal with."""
    draw = factories.draw(clerk, accepted_case, subjects=["mathematics"])
    seat = draw.seats.select_related("expert").first()
    factories.login(client, clerk)
    page = client.post(
        reverse("experts:credit_add", args=[seat.expert.pk]),
        {"kind": "favouritism", "reason": "私下接触申请机构", "evidence": "谈话记录"},
        follow=True,
    ).content.decode()
    assert "今后不再被抽取" in page
    assert f"该专家目前仍在以下进行中的鉴定专家组中：{accepted_case.number}" in page
    told = Notification.objects.get(recipient=clerk, subject__contains="已记入信用管理记录")
    assert seat.expert.name in told.body and f"席位{seat.position}" in told.body
    assert told.case_id == accepted_case.pk
    # The invitation still open cannot be accepted any more.
    from appraisal.panel import invitations
    from common.errors import ServiceError

    with pytest.raises(ServiceError, match="信用管理记录"):
        invitations.accept_invitation(
            seat.expert.user, seat.pk, confirmed=invitations.DECLARATION_KEYS
        )
    seat.refresh_from_db()
    assert seat.status == "invited"


def test_open_choices_read_qing_xuanze_not_dashes(client, clerk, changji_expert):
    factories.login(client, clerk)
    html = client.get(reverse("experts:expert_detail", args=[changji_expert.pk])).content.decode()
    assert "---------" not in html and '<option value="" selected>请选择</option>' in html
