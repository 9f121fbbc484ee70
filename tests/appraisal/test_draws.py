"""Drawing a panel through the service: filters, record, verification, refusals
(docs/domain.md §抽取)."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from appraisal.models import Case, CaseLog, CaseState, Draw, DrawCommitment, Seat
from appraisal.panel import draws as svc
from common.errors import ServiceError
from experts.models import Expert, ExpertCreditRecord, ExpertTie
from tests import factories


def tamper():
    """Change a stored draw behind the application's back (on PostgreSQL past its trigger)."""
    import pgtrigger

    return pgtrigger.ignore("appraisal.Draw:draw_append_only")


def removed(draw, code):
    entry = next(f for f in draw.filters if f["code"] == code)
    return {eid for eid, _name in entry["experts"]}


def test_draw_moves_case_invites_panel_and_stores_record(accepted_case, clerk, pool):
    draw = factories.draw(clerk, accepted_case)
    case = Case.objects.get(pk=accepted_case.pk)
    assert case.state == CaseState.PANEL_DRAWN
    seats = list(Seat.objects.filter(round__case=case).order_by("position"))
    assert [s.expert_id for s in seats] == draw.panel
    assert [s.position for s in seats] == [1, 2, 3]
    assert all(s.status == Seat.Status.INVITED and s.source == "drawn" for s in seats)
    assert sorted(draw.order) == sorted(e.pk for e in pool)
    assert draw.verify() == []
    assert draw.commitment.used_at is not None
    entry = CaseLog.objects.get(case=case, transition="draw_panel")
    assert (entry.source, entry.target, entry.data["draw"]) == ("accepted", "panel_drawn", draw.pk)
    # The mix: at least one expert of each of the case's subject areas.
    subjects = {code for s in seats for code in s.expert.subjects.values_list("code", flat=True)}
    assert {"mathematics", "integrated-practice"} <= subjects


def test_invitation_mail_sent_after_commit(
    accepted_case, clerk, pool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draw = factories.draw(clerk, accepted_case)
    assert len(mail.outbox) == 3
    panel_mails = {e.email for e in Expert.objects.filter(pk__in=draw.panel)}
    assert {m.to[0] for m in mail.outbox} == panel_mails
    assert accepted_case.number in mail.outbox[0].subject


def test_reply_deadline_is_two_working_days(accepted_case, clerk, pool):
    factories.draw(clerk, accepted_case)
    seat = Seat.objects.filter(round__case=accepted_case).first()
    assert seat.reply_by.date() > seat.invited_at.date()
    assert seat.reply_by_exact is (seat.invited_at.year <= 2026)


def test_each_filter_excludes_what_it_should(
    accepted_case, clerk, changji, institution_a, pool, applicant
):
    suspended = factories.expert(changji, ("mathematics",), status=Expert.Status.SUSPENDED)
    undeclared = factories.expert(changji, ("mathematics",), declares_no_training_work=False)
    sanctioned = factories.expert(changji, ("mathematics",))
    ExpertCreditRecord.objects.create(
        expert=sanctioned,
        kind="neglect",
        reason="未按时审阅",
        evidence="记录",
        bureau=changji,
        recorded_by=clerk,
    )
    tied = factories.expert(changji, ("mathematics",))
    ExpertTie.objects.create(
        expert=tied,
        institution=institution_a,
        kind="consultancy",
        ended_on=datetime.date.today() - datetime.timedelta(days=400),
        declared_by=tied.user,
    )
    old_tie = factories.expert(changji, ("mathematics",))
    ExpertTie.objects.create(
        expert=old_tie,
        institution=institution_a,
        kind="consultancy",
        ended_on=datetime.date(2015, 1, 1),
        declared_by=old_tie.user,
    )
    once_employed = factories.expert(changji, ("mathematics",))  # elsewhere, long ago
    ExpertTie.objects.create(
        expert=once_employed,
        institution=factories.institution("652301", name="另一家培训学校"),
        kind="employment",
        started_on=datetime.date(2010, 1, 1),
        ended_on=datetime.date(2012, 1, 1),
        declared_by=clerk,
    )
    other_subject = factories.expert(changji, ("music",))
    other_pool = factories.expert(factories.bureau("652302"), ("mathematics",))
    busy = factories.expert(changji, ("mathematics",))
    for _ in range(3):  # the load cap is 3 open seats on active cases
        other = factories.accepted_case(applicant, clerk)
        Seat.objects.create(
            round=other.rounds.get(),
            draw=_bare_draw(other, clerk),
            expert=busy,
            position=1,
            source="drawn",
            rank=1,
            reply_by=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        )
        Case.objects.filter(pk=other.pk).update(state=CaseState.IN_REVIEW)

    draw = factories.draw(clerk, accepted_case, panel_size=5)
    candidates = {c[0] for c in draw.candidates}
    assert removed(draw, "status") == {suspended.pk}
    assert removed(draw, "eligibility") == {undeclared.pk, once_employed.pk}
    assert removed(draw, "credit") == {sanctioned.pk}
    assert removed(draw, "tie") == {tied.pk}
    assert removed(draw, "load") == {busy.pk}
    assert old_tie.pk in candidates  # ended more than 3 years ago
    for excluded in (
        suspended,
        undeclared,
        once_employed,
        sanctioned,
        tied,
        busy,
        other_subject,
        other_pool,
    ):
        assert excluded.pk not in candidates
        assert excluded.pk not in draw.order
    assert candidates == {e.pk for e in pool} | {old_tie.pk}
    subjects_entry = next(f for f in draw.filters if f["code"] == "subjects")
    assert subjects_entry["count"] == 1  # the music expert; the other pool is not counted


def _bare_draw(case, clerk):
    """A stored draw row for seats created directly in a test."""
    r = case.rounds.get()
    commitment = DrawCommitment.objects.create(round=r, created_by=clerk)
    return Draw.objects.create(
        round=r,
        pool=r.bureau,
        algorithm_version="test",
        panel_size=3,
        parameters={},
        commitment=commitment,
        system_value=commitment.system_value,
        seed="00" * 32,
        candidates=[],
        candidates_hash="",
        order=[],
        panel=[],
        drawn_by=clerk,
    )


def test_expert_already_on_the_case_is_not_drawn_again(accepted_case, clerk, pool):
    first = factories.draw(clerk, accepted_case)
    assert set(first.panel).isdisjoint(first.alternates)
    # A second round's screening (the prefecture's later) excludes everyone already called.
    screening = svc.screen(accepted_case, accepted_case.rounds.get().bureau, ["mathematics"], False)
    on_case = next(f for f in screening.filters if f["code"] == "on_case")
    assert {e[0] for e in on_case["experts"]} == set(
        e
        for e in first.panel
        if Expert.objects.get(pk=e).subjects.filter(code="mathematics").exists()
    )


def test_draw_that_cannot_fill_the_panel_changes_nothing(accepted_case, clerk, changji):
    factories.experts(changji, 2, ("mathematics",))
    with pytest.raises(ServiceError) as err:
        factories.draw(clerk, accepted_case)
    assert "无法完成抽取" in err.value.message and "未作任何更改" in err.value.message
    assert Case.objects.get(pk=accepted_case.pk).state == CaseState.ACCEPTED
    assert not Draw.objects.exists() and not Seat.objects.exists()
    assert DrawCommitment.objects.get().used_at is None


def test_no_eligible_candidates(accepted_case, clerk):
    with pytest.raises(ServiceError) as err:
        factories.draw(clerk, accepted_case)
    assert "只有 0 人" in err.value.message


def test_a_draw_cannot_be_repeated(accepted_case, clerk, pool):
    factories.draw(clerk, accepted_case)
    with pytest.raises(ServiceError):
        factories.draw(clerk, accepted_case)
    assert Draw.objects.count() == 1


def witnessed(case) -> dict:
    """A witness of the case's round and their value, as every draw needs by default."""
    return {"witness": factories.witness_for(case.current_round.bureau), "witness_value": "42"}


def test_used_commitment_cannot_be_replayed(accepted_case, clerk, pool):
    commitment = svc.pending_commitment(clerk, accepted_case)
    svc.draw_panel(
        clerk,
        accepted_case.pk,
        panel_size=3,
        subjects=["mathematics"],
        commitment_id=commitment.pk,
        **witnessed(accepted_case),
    )
    assert svc.pending_commitment(clerk, Case.objects.get(pk=accepted_case.pk)).pk != commitment.pk


def test_stale_or_used_commitment_is_refused_and_nothing_changes(accepted_case, clerk, pool):
    commitment = svc.pending_commitment(clerk, accepted_case)

    def refusal(given) -> str:
        with pytest.raises(ServiceError) as err:
            svc.draw_panel(
                clerk,
                accepted_case.pk,
                panel_size=3,
                subjects=["mathematics"],
                commitment_id=given,
                **witnessed(accepted_case),
            )
        return err.value.message

    for given in ["x", commitment.pk + 1000, "99999999999999999999999", -1]:
        assert "已过期" in refusal(given)
    DrawCommitment.objects.filter(pk=commitment.pk).update(
        used_at=datetime.datetime.now(datetime.UTC)
    )
    assert "已用于一次抽取" in refusal(commitment.pk)
    assert Case.objects.get(pk=accepted_case.pk).state == CaseState.ACCEPTED
    assert not Draw.objects.exists() and not Seat.objects.exists()


def test_panel_size_and_subjects_are_checked(accepted_case, clerk, pool):
    commitment = svc.pending_commitment(clerk, accepted_case)
    for size, subjects, message in [
        (6, ["mathematics"], "3 至 5 人"),
        (3, ["physics"], "只能选择本案"),
        (3, [], "至少选择一个"),
    ]:
        with pytest.raises(ServiceError) as err:
            svc.draw_panel(
                clerk,
                accepted_case.pk,
                panel_size=size,
                subjects=subjects,
                commitment_id=commitment.pk,
            )
        assert message in err.value.message
    assert Case.objects.get(pk=accepted_case.pk).state == CaseState.ACCEPTED


def test_clerk_of_another_county_cannot_draw(
    accepted_case, clerk, foreign_clerk, prefecture_clerk, pool
):
    commitment = svc.pending_commitment(clerk, accepted_case)
    for intruder in (foreign_clerk, prefecture_clerk):
        with pytest.raises(ServiceError):
            svc.draw_panel(
                intruder,
                accepted_case.pk,
                panel_size=3,
                subjects=["mathematics"],
                commitment_id=commitment.pk,
            )
        with pytest.raises(ServiceError):
            svc.pending_commitment(intruder, accepted_case)
    assert not Draw.objects.exists()


def test_witnessed_draw_seed_from_both_values(accepted_case, clerk, supervisor, pool):
    draw = factories.draw(clerk, accepted_case, witness=supervisor, witness_value="20261123")
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(data__transition="draw_panel")  # the witness on the trail
    assert event.actor == clerk and event.data["witness"] == supervisor.display_name
    from appraisal.panel import algorithm as algorithm

    assert draw.witness == supervisor and draw.witness_value == "20261123"
    assert draw.seed == algorithm.derive_seed(draw.system_value, "20261123")
    assert draw.commitment.commitment == algorithm.commitment(draw.system_value)
    assert draw.verify() == []


def test_witness_must_be_someone_else_of_the_jurisdiction(
    accepted_case, clerk, foreign_clerk, pool
):
    commitment = svc.pending_commitment(clerk, accepted_case)
    for witness, value, message in [
        (clerk, "1", "本人"),
        (foreign_clerk, "1", "监督人身份未通过验证"),
    ]:
        with pytest.raises(ServiceError) as err:
            factories.draw_panel(
                clerk, accepted_case, commitment, witness=witness, witness_value=value
            )
        assert message in err.value.message
    colleague = factories.user("county", bureau=clerk.bureau)
    with pytest.raises(ServiceError) as err:
        factories.draw_panel(clerk, accepted_case, commitment, witness=colleague, witness_value="")
    assert "随机数" in err.value.message
    assert not Draw.objects.exists()


@pytest.mark.draw_records_edited
def test_tampered_draw_fails_verification(accepted_case, clerk, pool):
    draw = factories.draw(clerk, accepted_case)
    with tamper():
        Draw.objects.filter(pk=draw.pk).update(panel=list(reversed(draw.panel)))
    assert "入选专家不一致" in Draw.objects.get(pk=draw.pk).verify()
    with tamper():
        Draw.objects.filter(pk=draw.pk).update(witness_value="x")
    assert any("随机种子" in p for p in Draw.objects.get(pk=draw.pk).verify())


@pytest.mark.draw_records_edited
def test_verify_draw_command(accepted_case, clerk, pool, capsys):
    draw = factories.draw(clerk, accepted_case)
    call_command("verify_draw", str(draw.pk))
    out = capsys.readouterr().out
    assert "一致" in out and draw.candidates_hash in out
    with tamper():
        Draw.objects.filter(pk=draw.pk).update(order=list(reversed(draw.order)))
    with pytest.raises(SystemExit):
        call_command("verify_draw", str(draw.pk))


@pytest.mark.postgres
def test_database_refuses_to_change_a_draw_or_delete_records(accepted_case, clerk, pool):
    """On PostgreSQL, triggers keep draws unchanged and seats and credit records undeleted."""
    from django.db import DatabaseError, transaction

    draw = factories.draw(clerk, accepted_case)
    record = ExpertCreditRecord.objects.create(
        expert=pool[0],
        kind="neglect",
        reason="r",
        evidence="e",
        bureau=clerk.bureau,
        recorded_by=clerk,
    )
    for attempt in (
        lambda: Draw.objects.filter(pk=draw.pk).update(panel=[]),
        lambda: Seat.objects.filter(draw=draw).delete(),
        lambda: ExpertCreditRecord.objects.filter(pk=record.pk).update(reason="改"),
        lambda: ExpertCreditRecord.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert Draw.objects.get(pk=draw.pk).panel == draw.panel
    assert Seat.objects.filter(draw=draw).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_draws_json_is_kept_as_written_and_compressed_with_lz4_on_postgresql():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attcompression FROM pg_attribute "
            "WHERE attrelid = 'appraisal_draw'::regclass "
            "AND attname IN ('candidates', 'order', 'filters')"
        )
        columns = {name: (kind, compression) for name, kind, compression in cursor.fetchall()}
    assert columns == {c: ("json", "l") for c in ("candidates", "order", "filters")}


@pytest.mark.postgres
def test_a_draws_stored_candidates_are_the_text_that_was_hashed(accepted_case, clerk, pool):
    import hashlib

    from django.db import connection

    draw = factories.draw(clerk, accepted_case)
    with connection.cursor() as cursor:
        cursor.execute("SELECT candidates::text FROM appraisal_draw WHERE id = %s", [draw.pk])
        (text,) = cursor.fetchone()
    assert hashlib.sha256(text.encode()).hexdigest() == draw.candidates_hash
    assert Draw.objects.get(pk=draw.pk).verify() == []
