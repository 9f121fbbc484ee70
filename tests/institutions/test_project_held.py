"""A training project named by a submitted application is held as submitted: the experts appraise
and the documents name what the institution filed, so only its 在办 mark may change after that."""

import pytest
from django.urls import reverse

from appraisal.filing import cases as svc
from institutions.models import TrainingProject
from portal.models import Subject
from tests import factories


def edit_data(project, **changes):
    data = {
        "name": project.name,
        "subjects": list(project.subjects.values_list("pk", flat=True)),
        "grades": project.grades,
        "mode": project.mode,
        "description": project.description,
        "is_active": "on",
    }
    data.update(changes)
    return data


def snapshot(project):
    project.refresh_from_db()
    return (
        project.name,
        project.grades,
        project.mode,
        project.description,
        project.is_active,
        sorted(project.subjects.values_list("code", flat=True)),
    )


def edit(client, project, **changes):
    return client.post(
        reverse("institutions:project_edit", args=[project.pk]),
        edit_data(project, **changes),
        follow=True,
    )


def test_a_draft_projects_can_still_be_changed(client, applicant, project_a):
    factories.draft_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    page = edit(client, project_a, name="少儿思维训练（修订）").content.decode()
    assert "已保存" in page
    project_a.refresh_from_db()
    assert project_a.name == "少儿思维训练（修订）"


def test_a_submitted_project_is_shown_as_filed_and_not_changed(client, applicant, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    page = client.get(reverse("institutions:project_edit", args=[project_a.pk])).content.decode()
    assert case.number in page and "不能再修改" in page
    assert 'name="name"' not in page  # no edit form, only the project as filed

    before = snapshot(project_a)
    physics = Subject.objects.get(code="physics")
    page = edit(client, project_a, name="改名", subjects=[physics.pk]).content.decode()
    assert "不能再修改；本次修改未保存" in page and case.number in page
    assert snapshot(project_a) == before


def test_the_project_list_marks_held_projects(client, applicant, project_a, institution_a):
    free = factories.project(institution_a, name="未报送的项目")
    factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    page = client.get(reverse("institutions:project_list")).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[2:]}
    assert "已报送鉴定" in rows[project_a.name]
    assert "已报送鉴定" not in rows[free.name]


def test_a_held_project_may_still_be_marked_discontinued(client, applicant, project_a):
    factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    url = reverse("institutions:project_edit", args=[project_a.pk])
    page = client.post(url, {"set_active": "0"}, follow=True).content.decode()
    assert "已标为停办" in page
    project_a.refresh_from_db()
    assert project_a.is_active is False
    client.post(url, {"set_active": "1"})
    project_a.refresh_from_db()
    assert project_a.is_active is True


def test_the_held_mark_cannot_carry_other_changes(client, applicant, project_a):
    factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    before = snapshot(project_a)
    response = client.post(
        reverse("institutions:project_edit", args=[project_a.pk]),
        {"set_active": "0", "name": "改名"},
        follow=True,
    )
    assert "本次修改未保存" in response.content.decode()
    assert snapshot(project_a) == before


def test_returned_for_completion_the_project_is_editable_again(client, applicant, clerk, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(clerk, case.pk, missing_kinds=["syllabus"], note="")
    factories.login(client, applicant)
    assert "已保存" in edit(client, project_a, grades="小学四至六年级").content.decode()
    project_a.refresh_from_db()
    assert project_a.grades == "小学四至六年级"


@pytest.mark.parametrize("then", ["withdraw", "accept"])
def test_a_once_submitted_project_stays_held(client, applicant, clerk, project_a, then):
    case = factories.submitted_case(applicant, projects=[project_a])
    if then == "withdraw":
        svc.withdraw_case(applicant, case.pk, reason="暂不申请")
    else:
        svc.accept_case(clerk, case.pk)
    assert list(project_a.held_cases()) == [case]
    factories.login(client, applicant)
    before = snapshot(project_a)
    assert "本次修改未保存" in edit(client, project_a, name="改名").content.decode()
    assert snapshot(project_a) == before


def test_a_draft_withdrawn_before_submission_does_not_hold(applicant, project_a):
    case = factories.draft_case(applicant, projects=[project_a])
    svc.withdraw_case(applicant, case.pk)
    assert not project_a.held_cases().exists()


def test_register_a_new_project_from_a_held_one(client, applicant, project_a):
    factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    page = client.get(
        reverse("institutions:project_create") + f"?copy={project_a.pk}"
    ).content.decode()
    assert f'value="{project_a.name}"' in page and project_a.description in page
    response = edit(client, project_a, name="少儿思维训练（2027版）")
    assert "本次修改未保存" in response.content.decode()  # the held one itself stays
    response = client.post(
        reverse("institutions:project_create"),
        edit_data(project_a, name="少儿思维训练（2027版）"),
        follow=True,
    )
    assert "已保存" in response.content.decode()
    copy = TrainingProject.objects.get(name="少儿思维训练（2027版）")
    assert copy.pk != project_a.pk
    assert set(copy.subjects.all()) == set(project_a.subjects.all())
    assert snapshot(project_a)[0] == "少儿思维训练"


def test_copying_another_institutions_project_is_refused(client, applicant, institution_b):
    foreign = factories.project(institution_b, description="别家机构的简介")
    factories.login(client, applicant)
    response = client.get(reverse("institutions:project_create") + f"?copy={foreign.pk}")
    assert response.status_code == 404
    assert "别家机构的简介" not in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_saved_while_the_application_is_submitted_is_refused(jurisdictions, client):
    """The submission locks its projects: an edit that reaches the database while the submission
    is still committing waits for it, then finds the project held and saves nothing."""
    import threading
    import time

    from django.db import connection, transaction

    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    project = factories.project(institution, name="提交时正在修改的项目")
    case = factories.draft_case(applicant, projects=[project])
    submitting, outcome = threading.Event(), {}

    def submit_slowly():
        try:
            with transaction.atomic():
                svc.submit_case(applicant, case.pk)
                submitting.set()
                with connection.cursor() as cursor:  # commit once the edit waits for the lock
                    for _ in range(100):
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        outcome["edit_waited"] = cursor.fetchone()[0] > 0
                        if outcome["edit_waited"]:
                            break
                        time.sleep(0.05)
        finally:
            connection.close()

    submitter = threading.Thread(target=submit_slowly)
    submitter.start()
    try:
        assert submitting.wait(timeout=30)
        factories.login(client, applicant)
        page = edit(client, project, name="改名").content.decode()
    finally:
        submitter.join(timeout=30)
    assert outcome["edit_waited"]
    assert "本次修改未保存" in page
    project.refresh_from_db()
    assert project.name == "提交时正在修改的项目"


def test_the_admin_site_shows_a_held_project_read_only(client, applicant, project_a):
    factories.submitted_case(applicant, projects=[project_a])
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    url = f"/admin/institutions/trainingproject/{project_a.pk}/change/"
    assert 'name="name"' not in client.get(url).content.decode()
    before = snapshot(project_a)
    client.post(url, {**edit_data(project_a, name="改名"), "institution": project_a.institution_id})
    assert snapshot(project_a) == before
    free = factories.project(applicant.institution, name="未报送")
    free_url = f"/admin/institutions/trainingproject/{free.pk}/change/"
    assert 'name="name"' in client.get(free_url).content.decode()


def test_a_change_during_completion_goes_on_the_returned_cases_timeline(
    client, applicant, clerk, project_a
):
    from appraisal.models import CaseLog

    case = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(clerk, case.pk, missing_kinds=["syllabus"], note="")
    factories.login(client, applicant)
    edit(client, project_a, grades="小学四至六年级", description="新的简介")
    entry = CaseLog.objects.get(case=case, transition="amend_project")
    assert "面向年级或年龄由“小学三至六年级”改为“小学四至六年级”" in entry.note
    assert "修改了项目简介" in entry.note and entry.actor == applicant
    factories.login(client, clerk)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "补正期间修改培训项目" in page and "小学四至六年级" in page
    edit_count = CaseLog.objects.filter(transition="amend_project").count()
    factories.login(client, applicant)
    project_a.refresh_from_db()
    edit(client, project_a)  # saved unchanged: nothing to record
    assert CaseLog.objects.filter(transition="amend_project").count() == edit_count
