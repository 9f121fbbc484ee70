"""Before the draw (docs/draw-spec.md §3, §7): the witness's value, the system's value sealed at
rest, a witness required by default, and every attempt that made no draw on the audit trail."""

import datetime
import importlib
import io
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.conf import settings as project_settings
from django.core.management import call_command
from django.urls import reverse

from appraisal.models import Case, CaseState, Draw, DrawCommitment
from appraisal.panel import algorithm as algorithm
from appraisal.panel import draws as svc
from appraisal.panel import invitations, sealing
from appraisal.panel.attempts import ABANDON_AFTER, abandon_stale
from audit.models import Action, AuditEvent
from common.errors import ServiceError
from tests import factories


def post_draw(client, case, commitment, **fields):
    return client.post(
        reverse("appraisal:draw_panel", args=[case.pk]),
        {"panel_size": 3, "subjects": ["mathematics"], "commitment": commitment.pk, **fields},
    )


# ---- the witness's value ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,message",
    [
        ("2026 1215", "监督人随机数不能包含空格、制表符或换行"),
        (" 20261215", "监督人随机数不能包含空格、制表符或换行"),
        ("2026\u30001215", "监督人随机数不能包含空格、制表符或换行"),  # an ideographic space
        ("2026\t1215", "监督人随机数不能包含空格、制表符或换行"),
        ("2026\x071215", "监督人随机数含有不可见的控制字符"),
        ("2026\u200b1215", "监督人随机数含有不可见的控制字符"),  # a zero-width space
        ("9" * 10_000, "监督人随机数不能超过 100 个字符。"),
    ],
)
def test_a_bad_witness_value_gets_a_clear_message_and_changes_nothing(
    client, clerk, supervisor, accepted_case, pool, value, message
):
    phone = factories.otp_device(supervisor)
    factories.login(client, clerk)
    commitment = client.get(reverse("appraisal:draw_panel", args=[accepted_case.pk])).context[
        "commitment"
    ]
    response = post_draw(
        client,
        accepted_case,
        commitment,
        witness_username=supervisor.username,
        witness_password=factories.PASSWORD,
        witness_token=factories.totp_code(phone),
        witness_value=value,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Draw.objects.exists()
    assert Case.objects.get(pk=accepted_case.pk).state == CaseState.ACCEPTED
    assert DrawCommitment.objects.get(pk=commitment.pk).used_at is None
    refused = AuditEvent.objects.get(action=Action.DRAW_REFUSED)
    assert refused.actor == clerk and message in refused.data["message"]
    assert refused.data["case_number"] == accepted_case.number
    assert refused.data["commitment"] == commitment.pk
    # The phone code was not spent on a refused value: the witness can try again at once.
    assert not AuditEvent.objects.filter(action=Action.REAUTH_FAILED).exists()


@pytest.mark.parametrize("value", ["a b", "a\nb", "x\x00y", "z" * 101])
def test_the_service_refuses_a_bad_witness_value_too(accepted_case, clerk, supervisor, pool, value):
    commitment = svc.pending_commitment(clerk, accepted_case)
    with pytest.raises(ServiceError) as err:
        factories.draw_panel(
            clerk, accepted_case, commitment, witness=supervisor, witness_value=value
        )
    assert err.value.message == algorithm.witness_value_problem(value)
    assert not Draw.objects.exists()


def test_values_a_witness_may_type():
    for value in ("20261215", "监督人二〇二六", "A-b_9.x", "零"):
        assert algorithm.witness_value_problem(value) is None


# ---- a witness by default --------------------------------------------------------------------
def test_a_witness_is_required_unless_the_setting_is_turned_off(
    client, clerk, accepted_case, pool, settings
):
    assert project_settings.APPRAISAL_DRAW_REQUIRE_WITNESS is True  # the default
    factories.login(client, clerk)
    page = client.get(reverse("appraisal:draw_panel", args=[accepted_case.pk]))
    assert "监督人（必须在场）" in page.content.decode()
    response = post_draw(client, accepted_case, page.context["commitment"])
    assert "抽取须有监督人在场" in response.content.decode() and not Draw.objects.exists()
    settings.APPRAISAL_DRAW_REQUIRE_WITNESS = False
    response = post_draw(client, accepted_case, page.context["commitment"])
    assert response.status_code == 302 and Draw.objects.get().witness is None


# ---- the system's value, sealed until the draw -----------------------------------------------
def test_the_system_value_is_kept_sealed_until_the_draw(accepted_case, clerk, supervisor, pool):
    commitment = svc.pending_commitment(clerk, accepted_case)
    stored = DrawCommitment.objects.get(pk=commitment.pk)
    value = stored.reveal()
    assert stored.system_value == "" and value not in stored.sealed_value
    assert len(value) == 64 and algorithm.commitment(value) == stored.commitment
    key = sealing.key_path()  # outside the database, beside the signing keys
    assert key.parent == Path(project_settings.APPRAISAL_SIGNING_DIR)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    draw = factories.draw(clerk, accepted_case, witness=supervisor, witness_value="7")
    assert draw.commitment_id == commitment.pk and draw.system_value == value
    assert draw.seed == algorithm.derive_seed(value, "7")


def test_a_value_sealed_with_another_key_is_never_used(accepted_case, clerk, settings):
    old = svc.pending_commitment(clerk, accepted_case)
    settings.APPRAISAL_DRAW_VALUE_KEY = Fernet.generate_key().decode()  # the key was replaced
    with pytest.raises(sealing.SealBroken):
        DrawCommitment.objects.get(pk=old.pk).reveal()
    new = svc.pending_commitment(clerk, accepted_case)
    assert new.pk != old.pk and new.reveal()


def test_the_migration_seals_the_values_of_pending_commitments(accepted_case, clerk):
    migration = importlib.import_module("appraisal.migrations.0017_draw_transparency_log")
    pending = svc.pending_commitment(clerk, accepted_case)
    value = "ab" * 32
    DrawCommitment.objects.filter(pk=pending.pk).update(
        system_value=value, sealed_value="", commitment=algorithm.commitment(value)
    )
    migration.seal_pending_values(django_apps, None)
    stored = DrawCommitment.objects.get(pk=pending.pk)
    assert stored.system_value == "" and stored.reveal() == value


# ---- attempts that made no draw, on the audit trail ------------------------------------------
def test_a_foreign_or_used_commitment_is_refused_and_audited(accepted_case, clerk, applicant, pool):
    witnessed = {"witness": factories.witness_for(accepted_case.bureau), "witness_value": "1"}
    another = factories.project(applicant.institution, ("mathematics",), name="另一个项目")
    other = factories.accepted_case(applicant, clerk, projects=[another])
    foreign = svc.pending_commitment(clerk, other)
    with pytest.raises(ServiceError) as err:
        svc.draw_panel(
            clerk,
            accepted_case.pk,
            panel_size=3,
            subjects=["mathematics"],
            commitment_id=foreign.pk,
            **witnessed,
        )
    assert "已过期" in err.value.message
    event = AuditEvent.objects.get(action=Action.DRAW_COMMITMENT_REFUSED)
    assert event.data["reason"] == "页面提交的随机值属于其他案件或轮次"
    assert event.data["case_number"] == accepted_case.number
    assert event.data["commitment"] == foreign.pk
    assert event.object_id == str(accepted_case.pk) and event.bureau == accepted_case.bureau
    draw = factories.draw(clerk, accepted_case)
    used = draw.commitment_id
    with pytest.raises(ServiceError):
        invitations.draw_for_seat(
            clerk, accepted_case.pk, draw.seats.first().pk, commitment_id=used, **witnessed
        )
    last = AuditEvent.objects.filter(action=Action.DRAW_REFUSED).first()
    assert last.data["commitment"] == used and last.data["draw"] == draw.pk


def test_an_abandoned_commitment_is_closed_audited_and_never_used(
    client, accepted_case, clerk, supervisor, pool
):
    shown = svc.pending_commitment(clerk, accepted_case)
    assert abandon_stale(now=shown.created_at + ABANDON_AFTER / 2) == 0  # still fresh
    later = shown.created_at + ABANDON_AFTER + datetime.timedelta(minutes=1)
    assert abandon_stale(now=later) == 1
    assert abandon_stale(now=later) == 0  # idempotent
    assert DrawCommitment.objects.get(pk=shown.pk).abandoned_at == later
    event = AuditEvent.objects.get(action=Action.DRAW_ABANDONED)
    assert event.actor is None and event.data["case_number"] == accepted_case.number
    assert event.data["commitment"] == shown.pk
    # The page shows a new value; the abandoned one, posted from a stale page, is refused.
    factories.login(client, clerk)
    fresh = client.get(reverse("appraisal:draw_panel", args=[accepted_case.pk])).context[
        "commitment"
    ]
    assert fresh.pk != shown.pk
    response = post_draw(
        client,
        accepted_case,
        shown,
        witness_username=supervisor.username,
        witness_password=factories.PASSWORD,
        witness_token=factories.totp_code(factories.otp_device(supervisor)),
        witness_value="42",
    )
    assert "抽取页面已过期" in response.content.decode() and not Draw.objects.exists()
    refused = AuditEvent.objects.get(action=Action.DRAW_COMMITMENT_REFUSED)
    assert refused.data["reason"] == "页面提交的随机值已因长时间未使用而作废"


def test_the_daily_job_closes_abandoned_commitments(accepted_case, clerk):
    svc.pending_commitment(clerk, accepted_case)
    DrawCommitment.objects.update(created_at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC))
    out = io.StringIO()
    call_command("daily", stdout=out)
    assert "打开抽取页面后未使用而作废的随机值：1 个" in out.getvalue()


def test_a_witness_failing_to_sign_in_is_audited_with_the_case_and_commitment(
    client, clerk, supervisor, accepted_case, pool
):
    phone = factories.otp_device(supervisor)
    factories.login(client, clerk)
    commitment = client.get(reverse("appraisal:draw_panel", args=[accepted_case.pk])).context[
        "commitment"
    ]
    post_draw(
        client,
        accepted_case,
        commitment,
        witness_username=supervisor.username,
        witness_password="wrong-password",
        witness_token=factories.totp_code(phone),
        witness_value="42",
    )
    failed = AuditEvent.objects.get(action=Action.REAUTH_FAILED)
    assert failed.actor == supervisor
    assert failed.data["case_number"] == accepted_case.number
    assert failed.data["commitment"] == commitment.pk
    refused = AuditEvent.objects.get(action=Action.DRAW_REFUSED)
    assert refused.actor == clerk and "监督人身份未通过验证" in refused.data["message"]
    assert not Draw.objects.exists()
