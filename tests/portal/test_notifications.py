"""Notifications: the right people, in the portal and by e-mail after commit, never twice for one key."""

import pytest
from django.db import transaction
from django.urls import reverse

from appraisal.filing import cases as svc
from portal.models import Notification
from portal.notify import notify
from tests import factories


def test_submission_tells_the_county_clerks_only(
    applicant, clerk, foreign_clerk, django_capture_on_commit_callbacks, mailoutbox
):
    clerk.email = "clerk@example.cn"
    clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.submitted_case(applicant)
    note = Notification.objects.get(recipient=clerk)
    assert case.number in note.subject and note.case == case
    assert not Notification.objects.filter(recipient=foreign_clerk).exists()
    assert [m.to for m in mailoutbox] == [["clerk@example.cn"]]
    assert case.number in mailoutbox[0].subject


def test_return_and_accept_tell_the_institution(applicant, colleague, clerk):
    case = factories.submitted_case(applicant)
    svc.return_case(clerk, case.pk, missing_kinds=["syllabus"], note="请补充")
    assert Notification.objects.filter(recipient=colleague, subject__contains="需补正").count() == 1
    factories.upload_material(
        applicant,
        case.pk,
        kind="syllabus",
        uploaded=factories.pdf_upload("大纲补充.pdf", factories.PDF_BYTES + b"%v2\n"),
    )
    svc.submit_case(applicant, case.pk)
    assert "补正后重新提交" in Notification.objects.filter(recipient=clerk).first().subject
    svc.accept_case(clerk, case.pk)
    assert Notification.objects.filter(recipient=applicant, subject__contains="已受理").exists()


def test_the_words_come_from_the_template_as_typed(applicant, clerk):
    """A notification is plain text: the subject is the template's first line, the body the rest,
    and what a clerk typed reaches the institution unescaped."""
    case = factories.submitted_case(applicant)
    svc.refuse_case(clerk, case.pk, reason="“课程<大纲>”与“A&B”的说明不一致")
    note = Notification.objects.get(recipient=applicant)
    assert note.subject == f"鉴定申请不予受理：{case.number}"
    assert note.body == "不予受理的理由：“课程<大纲>”与“A&B”的说明不一致。"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_action_sends_nothing(jurisdictions, mailoutbox):
    user = factories.user("county", bureau=factories.bureau("652301"), email="a@example.cn")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], "测试")
        raise RuntimeError
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_same_key_notifies_once(clerk):
    notify([clerk], "提醒", key="reminder:1")
    notify([clerk], "提醒", key="reminder:1")
    assert Notification.objects.filter(recipient=clerk).count() == 1


def test_unread_count_and_opening(client, applicant, clerk):
    case = factories.submitted_case(applicant)
    factories.login(client, clerk)
    page = client.get(reverse("home")).content.decode()
    assert 'class="unread">1<' in page
    note = Notification.objects.get(recipient=clerk)
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("appraisal:case_detail", args=[case.pk])
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_hidden(client, applicant, clerk, foreign_clerk):
    factories.submitted_case(applicant)
    note = Notification.objects.get(recipient=clerk)
    factories.login(client, foreign_clerk)
    assert client.get(reverse("notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mail_in_a_worker(
    applicant, clerk, settings, django_capture_on_commit_callbacks, mailoutbox
):
    """With PORTAL_MAIL_IN_WORKER the request only records; the worker's command sends, once."""
    from django.core.management import call_command

    settings.PORTAL_MAIL_IN_WORKER = True
    clerk.email = "clerk@example.cn"
    clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.submitted_case(applicant)
    assert mailoutbox == []
    call_command("send_pending_mail", verbosity=0)
    assert [m.to for m in mailoutbox] == [["clerk@example.cn"]]
    assert case.number in mailoutbox[0].subject
    assert Notification.objects.get(recipient=clerk).emailed_at is not None
    call_command("send_pending_mail", verbosity=0)
    assert len(mailoutbox) == 1
