"""The audit trail: what is recorded, who sees it, and that PostgreSQL refuses to rewrite it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

import audit
from appraisal.filing import cases as case_services
from appraisal.models import CaseLog, IssuedDocument
from audit.context import current_request
from audit.models import Action, AuditEvent
from portal.models import User
from tests import factories


@pytest.mark.django_db
def test_transitions_and_issued_documents_are_recorded(applicant, clerk, project_a, changji):
    case = factories.submitted_case(applicant, projects=[project_a])
    case_services.accept_case(clerk, case.pk, ip="10.1.2.3")
    accept = AuditEvent.objects.get(action=Action.TRANSITION, data__transition="accept")
    assert accept.actor == clerk and accept.ip == "10.1.2.3"
    assert accept.bureau == changji
    assert accept.object_repr == case.number
    assert accept.data["source"] == "submitted" and accept.data["target"] == "accepted"
    document = case.documents.get()
    issued = AuditEvent.objects.get(action=Action.DOCUMENT_ISSUED)
    assert issued.object_id == str(document.pk) and issued.data["sha256"] == document.sha256
    assert AuditEvent.objects.filter(action=Action.TRANSITION, data__transition="submit").exists()


@pytest.mark.django_db
def test_a_refused_transition_leaves_no_audit_event(applicant, foreign_clerk, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    with pytest.raises(case_services.ServiceError):
        case_services.accept_case(foreign_clerk, case.pk)
    assert not AuditEvent.objects.filter(data__transition="accept").exists()


@pytest.mark.django_db
def test_downloads_are_recorded_with_the_address(client, applicant, clerk, project_a):
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    material = case.materials.first()
    factories.login(client, clerk)
    client.get(reverse("appraisal:material_download", args=[material.pk]), REMOTE_ADDR="10.9.8.7")
    client.get(reverse("appraisal:document_download", args=[case.documents.get().pk]))
    event = AuditEvent.objects.get(action=Action.MATERIAL_DOWNLOAD)
    assert event.actor == clerk and event.ip == "10.9.8.7"
    assert event.object_id == str(material.pk)
    assert AuditEvent.objects.filter(action=Action.DOCUMENT_DOWNLOAD, actor=clerk).exists()


@pytest.mark.django_db
def test_a_refused_download_is_not_recorded_as_a_download(client, applicant, outsider, project_a):
    case = factories.draft_case(applicant, [project_a])
    factories.login(client, outsider)
    response = client.get(reverse("appraisal:material_download", args=[case.materials.first().pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.MATERIAL_DOWNLOAD).exists()


@pytest.mark.django_db
def test_role_and_permission_changes_are_recorded_with_who_did_them(applicant, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True)
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.5")
    request.user = admin
    token = current_request.set(request)
    try:
        applicant.role = "county"
        applicant.bureau = factories.bureau("652302")
        applicant.save()
        applicant.is_active = False
        applicant.save()
        group = Group.objects.create(name="审核员")
        applicant.groups.add(group)
        applicant.user_permissions.add(Permission.objects.get(codename="view_case"))
        group.permissions.add(Permission.objects.get(codename="change_case"))
    finally:
        current_request.reset(token)
    role = AuditEvent.objects.filter(action=Action.ROLE_CHANGE, object_id=str(applicant.pk))
    assert role.count() == 2
    first, second = role.order_by("id")
    # In words, as the audit page shows them: role names, the bureau's name, 是/否.
    roles = dict(User.Role.choices)
    assert first.data["changes"]["角色"] == [roles["institution"], roles["county"]]
    assert first.data["changes"]["所属教育局"] == ["无", str(factories.bureau("652302"))]
    assert second.data["changes"] == {"启用": ["是", "否"]}
    assert first.actor == admin and first.ip == "10.0.0.5"
    assert AuditEvent.objects.get(action=Action.GROUP_CHANGE).data["items"] == ["审核员"]
    permission_events = AuditEvent.objects.filter(action=Action.PERMISSION_CHANGE)
    assert permission_events.count() == 2


@pytest.mark.django_db
def test_saving_an_account_without_changing_its_rights_records_nothing(applicant):
    before = AuditEvent.objects.count()
    applicant.full_name = "新名字"
    applicant.save()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_record_is_the_one_call_for_later_code(applicant, project_a):
    case = factories.draft_case(applicant, [project_a], with_materials=False)
    event = audit.record(applicant, Action.SIGNATURE, case, ip="10.1.1.1", document="意见书")
    assert event.actor_name == "applicant"
    assert event.bureau == case.bureau
    assert event.data == {"document": "意见书"}


# ---- the page -------------------------------------------------------------------------------


@pytest.fixture
def events(applicant, outsider, clerk, project_a):
    """Events in 昌吉市 (the applicant's case) and in 阜康市 (the outsider's login)."""
    factories.submitted_case(applicant, projects=[project_a])
    audit.record(outsider, Action.LOGIN, outsider, ip="10.2.2.2")


@pytest.mark.django_db
def test_county_staff_see_only_their_county(client, clerk, events):
    factories.login(client, clerk)
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "提交申请" in page or "案件办理" in page
    assert "outsider" not in page


@pytest.mark.django_db
def test_a_supervisor_sees_the_audit_trail_of_its_jurisdiction(client, supervisor, events):
    """Issue 4: a supervisor sees draws and the audit trail, of its own county only, and not the
    system's account events."""
    audit.record(None, Action.LOGIN, None, ip="10.9.9.9")  # no jurisdiction: the system's
    factories.login(client, supervisor)
    home = client.get("/").content.decode()
    assert f'href="{reverse("audit:event_list")}"' in home
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "提交申请" in page or "案件办理" in page
    assert "outsider" not in page and "10.9.9.9" not in page


@pytest.mark.django_db
def test_details_are_shown_in_words(client, clerk, events):
    factories.login(client, clerk)
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "原状态：草稿" in page and "新状态：已提交待受理" in page
    assert "'transition'" not in page and "submitted" not in page.split("<tbody>")[1]


def test_every_detail_key_recorded_has_a_label():
    """The details' keys the code records (``audit.record`` keyword arguments) are all named."""
    import re
    from pathlib import Path

    from audit.models import AuditEvent

    root = Path(__file__).resolve().parents[2]
    keys = set()
    for path in [
        *root.glob("appraisal/**/*.py"),
        *root.glob("portal/*.py"),
        *root.glob("experts/*.py"),
        *root.glob("institutions/*.py"),
        root / "audit/signals.py",
    ]:
        for call in re.findall(r"\brecord\((.*?)\)\n", path.read_text(), re.S):
            keys.update(re.findall(r"\b([a-z_][a-z0-9_]*)=", call))
    keys -= {"ip", "bureau", "data"}  # arguments of record itself, not details
    assert keys and keys <= set(AuditEvent.DETAIL_LABELS), keys - set(AuditEvent.DETAIL_LABELS)


@pytest.mark.django_db
def test_prefecture_staff_see_every_county(client, prefecture_clerk, events):
    factories.login(client, prefecture_clerk)
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "applicant" in page and "outsider" in page


@pytest.mark.django_db
def test_filters(client, prefecture_clerk, events):
    factories.login(client, prefecture_clerk)
    url = reverse("audit:event_list")
    by_action = client.get(url, {"action": Action.LOGIN}).context["page"].object_list
    assert {e.action for e in by_action} == {Action.LOGIN}
    by_actor = client.get(url, {"actor": "outsider"}).context["page"].object_list
    assert {e.actor_name for e in by_actor} == {"outsider"}
    by_ip = client.get(url, {"ip": "10.2.2.2"}).context["page"].object_list
    assert [e.actor_name for e in by_ip] == ["outsider"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert not client.get(url, {"start": tomorrow}).context["page"].object_list


@pytest.mark.django_db
def test_bad_filter_input_is_a_message_not_an_error(client, prefecture_clerk, events):
    factories.login(client, prefecture_clerk)
    url = reverse("audit:event_list")
    response = client.get(url, {"start": "2026-13-45"})
    assert response.status_code == 200
    assert "起始日期格式不正确" in response.content.decode()
    response = client.get(url, {"start": "2026-05-02", "end": "2026-05-01"})
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert client.get(url, {"ip": "not-an-ip", "page": "x"}).status_code == 200


@pytest.mark.django_db
def test_institutions_and_experts_cannot_open_the_page(client, applicant, jurisdictions):
    factories.login(client, applicant)
    assert client.get(reverse("audit:event_list")).status_code == 403


# ---- PostgreSQL refuses to rewrite history --------------------------------------------------


def refused(operation):
    with pytest.raises(DatabaseError) as error:
        with transaction.atomic():
            operation()
    return str(error.value)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_to_update_or_delete_audit_events(applicant):
    event = audit.record(applicant, Action.LOGIN, applicant)
    assert "Cannot update or delete" in refused(
        lambda: AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone")
    )
    assert "Cannot update or delete" in refused(
        lambda: AuditEvent.objects.filter(pk=event.pk).delete()
    )
    event.ip = "1.1.1.1"
    refused(event.save)
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "applicant"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_to_rewrite_case_logs_and_issued_documents(applicant, clerk, project_a):
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    log = CaseLog.objects.filter(case=case).first()
    document = IssuedDocument.objects.get(case=case)
    refused(lambda: CaseLog.objects.filter(pk=log.pk).update(note="改写"))
    refused(lambda: CaseLog.objects.filter(pk=log.pk).delete())
    refused(lambda: IssuedDocument.objects.filter(pk=document.pk).update(sha256="0" * 64))
    refused(lambda: IssuedDocument.objects.filter(pk=document.pk).delete())
    # Raw SQL is refused the same way: the database itself holds the rule.
    from django.db import connection

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")

    audit.record(applicant, Action.LOGIN, applicant)
    refused(raw_delete)
    assert AuditEvent.objects.exists()
    assert CaseLog.objects.get(pk=log.pk).note == log.note
    assert IssuedDocument.objects.get(pk=document.pk).sha256 == document.sha256


@pytest.mark.django_db
def test_creating_a_case_and_uploading_materials_are_recorded(applicant, project_a):
    case = factories.draft_case(applicant, [project_a])
    assert AuditEvent.objects.filter(
        action=Action.TRANSITION, data__transition="create", object_id=str(case.pk)
    ).exists()
    uploads = AuditEvent.objects.filter(action=Action.MATERIAL_UPLOAD, actor=applicant)
    assert uploads.count() == case.materials.count()
    assert {e.data["sha256"] for e in uploads} == set(
        case.materials.values_list("sha256", flat=True)
    )


@pytest.mark.django_db
def test_an_unknown_action_still_shows(applicant):
    event = audit.record(applicant, "future_action", applicant)
    assert event.action_label == "future_action"
    assert audit.record(applicant, Action.LOGIN, applicant).action_label == "登录"
