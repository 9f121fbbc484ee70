"""Invitations: accept with a declaration, decline, lapse, alternates in rank
(docs/domain.md §邀请与候补)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from appraisal.models import Case, CaseLog, CaseState, Seat
from appraisal.panel import invitations as svc
from common.errors import ServiceError
from experts.models import Expert, ExpertCreditRecord, ExpertTie
from tests import factories

ALL = svc.DECLARATION_KEYS


@pytest.fixture
def drawn(accepted_case, clerk, pool):
    draw = factories.draw(clerk, accepted_case, subjects=["mathematics"])
    return accepted_case, draw


def seats_of(case):
    return list(Seat.objects.filter(round__case=case).select_related("expert").order_by("id"))


def state(case):
    return Case.objects.get(pk=case.pk).state


def test_all_accept_starts_review(drawn):
    case, draw = drawn
    seats = seats_of(case)
    for seat in seats[:-1]:
        svc.accept_invitation(seat.expert.user, seat.pk, confirmed=ALL)
        assert state(case) == CaseState.PANEL_DRAWN
    svc.accept_invitation(seats[-1].expert.user, seats[-1].pk, confirmed=ALL)
    assert state(case) == CaseState.IN_REVIEW
    log = CaseLog.objects.get(case=case, transition="start_review")
    assert (log.source, log.target, log.actor) == (
        "panel_drawn",
        "in_review",
        seats[-1].expert.user,
    )
    accepted = Seat.objects.get(pk=seats[0].pk)
    assert accepted.accepted_at and accepted.declarations == {k: True for k in ALL}
    from audit.models import AuditEvent

    signed = AuditEvent.objects.filter(data__transition="accept_invitation")
    assert signed.count() == len(seats)  # each declaration signed is on the audit trail
    assert "独立" in accepted.declaration_text


def test_accept_requires_every_declaration(drawn):
    case, _ = drawn
    seat = seats_of(case)[0]
    with pytest.raises(ServiceError) as err:
        svc.accept_invitation(seat.expert.user, seat.pk, confirmed=ALL[:-1])
    assert "逐项确认" in err.value.message
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED


def test_reply_twice_or_by_someone_else_refused(drawn):
    case, _ = drawn
    first, second = seats_of(case)[:2]
    with pytest.raises(ServiceError):
        svc.accept_invitation(second.expert.user, first.pk, confirmed=ALL)
    svc.accept_invitation(first.expert.user, first.pk, confirmed=ALL)
    with pytest.raises(ServiceError) as err:
        svc.decline_invitation(first.expert.user, first.pk, reason="unavailable")
    assert "重复答复" in err.value.message
    assert Seat.objects.get(pk=first.pk).status == Seat.Status.ACCEPTED


def test_reply_after_deadline_refused(drawn):
    case, _ = drawn
    seat = seats_of(case)[0]
    Seat.objects.filter(pk=seat.pk).update(reply_by=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(ServiceError) as err:
        svc.accept_invitation(seat.expert.user, seat.pk, confirmed=ALL)
    assert "已超过答复期限" in err.value.message
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED


def test_decline_calls_next_alternate_in_rank(drawn):
    case, draw = drawn
    seat = seats_of(case)[0]
    svc.decline_invitation(seat.expert.user, seat.pk, reason="unavailable")
    new = Seat.objects.get(replaces=seat)
    assert new.expert_id == draw.alternates[0]
    assert (new.position, new.source, new.status) == (seat.position, "alternate", "invited")
    assert new.rank == draw.order.index(new.expert_id) + 1
    entry = CaseLog.objects.get(case=case, transition="call_alternate")
    assert entry.data["replaces"] == seat.pk and entry.data["rank"] == new.rank


def test_decline_for_conflict_records_a_tie_and_needs_a_note(drawn):
    case, _ = drawn
    seat = seats_of(case)[0]
    with pytest.raises(ServiceError):
        svc.decline_invitation(seat.expert.user, seat.pk, reason="conflict", note="")
    svc.decline_invitation(seat.expert.user, seat.pk, reason="conflict", note="曾为该机构授课")
    tie = ExpertTie.objects.get(expert=seat.expert)
    assert tie.institution_id == case.institution_id and tie.excludes_on(datetime.date.today())


def test_why_an_expert_declined_is_shown_to_bureau_staff_only(client, drawn, clerk):
    """A conflict's note is personal (a relative's job): the clerk reads it, the panel does not."""
    case, _ = drawn
    declined, member = seats_of(case)[:2]
    svc.decline_invitation(
        declined.expert.user, declined.pk, reason="conflict", note="配偶在该机构兼职"
    )
    svc.accept_invitation(member.expert.user, member.pk, confirmed=ALL)
    factories.login(client, clerk)
    assert "配偶在该机构兼职" in client.get(f"/cases/{case.pk}/").content.decode()
    factories.login(client, member.expert.user)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert declined.expert.name in page and "已谢绝" in page  # who, and that the seat moved on
    assert "配偶在该机构兼职" not in page


def test_alternates_never_repeat_anyone_called(drawn):
    """Decline seat after seat: every expert is called once, in the draw's order, until the
    alternates run out; then the exhaustion is recorded."""
    case, draw = drawn
    called = [s.expert_id for s in seats_of(case)]
    while True:
        open_seat = Seat.objects.filter(round__case=case, status="invited").order_by("id").first()
        if open_seat is None:
            break
        svc.decline_invitation(open_seat.expert.user, open_seat.pk, reason="unavailable")
        called = [s.expert_id for s in seats_of(case)]
        assert len(called) == len(set(called))
    alternates_called = [s.expert_id for s in seats_of(case) if s.source == "alternate"]
    assert alternates_called == draw.alternates  # every alternate, once, in rank
    assert CaseLog.objects.filter(case=case, transition="alternates_exhausted").count() == 3


def test_unsuitable_alternate_is_skipped_with_reason(drawn, clerk):
    case, draw = drawn
    skipped = Expert.objects.get(pk=draw.alternates[0])
    ExpertCreditRecord.objects.create(
        expert=skipped,
        kind="favouritism",
        reason="r",
        evidence="e",
        bureau=clerk.bureau,
        recorded_by=clerk,
    )
    seat = seats_of(case)[0]
    svc.decline_invitation(seat.expert.user, seat.pk, reason="unavailable")
    new = Seat.objects.get(replaces=seat)
    assert new.expert_id == draw.alternates[1]
    entry = CaseLog.objects.get(case=case, transition="call_alternate")
    assert entry.data["skipped"][0][0] == skipped.name


def test_lapse_command_is_idempotent(drawn):
    case, draw = drawn
    seat = seats_of(case)[1]
    Seat.objects.filter(pk=seat.pk).update(reply_by=timezone.now() - datetime.timedelta(days=1))
    call_command("lapse_invitations")
    call_command("lapse_invitations")
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.LAPSED
    assert Seat.objects.filter(replaces=seat).count() == 1
    entry = CaseLog.objects.get(case=case, transition="lapse_invitation")
    assert entry.actor is None
    assert CaseLog.objects.filter(case=case, transition="call_alternate").count() == 1


def test_seat_draw_only_after_alternates_are_exhausted(accepted_case, clerk, changji):
    from appraisal.panel import draws

    factories.experts(changji, 4, ("mathematics",))
    draw = factories.draw(clerk, accepted_case, subjects=["mathematics"])
    first = seats_of(accepted_case)[0]
    svc.decline_invitation(first.expert.user, first.pk, reason="unavailable")
    replacement = Seat.objects.get(replaces=first)
    case = Case.objects.get(pk=accepted_case.pk)
    commitment = draws.pending_commitment(clerk, case)
    # witnessed, as every draw is by default
    witnessed = {"witness": factories.witness_for(changji), "witness_value": "42"}
    with pytest.raises(ServiceError):  # the seat is filled by the alternate
        svc.draw_for_seat(clerk, case.pk, first.pk, commitment_id=commitment.pk, **witnessed)
    svc.decline_invitation(replacement.expert.user, replacement.pk, reason="unavailable")
    assert draw.alternates and CaseLog.objects.filter(transition="alternates_exhausted").exists()
    # No candidate left in the pool either: the seat draw says so and changes nothing.
    vacant = Seat.objects.get(pk=replacement.pk)
    with pytest.raises(ServiceError) as err:
        svc.draw_for_seat(clerk, case.pk, vacant.pk, commitment_id=commitment.pk, **witnessed)
    assert "无法完成抽取" in err.value.message
    newcomer = factories.expert(changji, ("mathematics",))
    seat_draw = svc.draw_for_seat(
        clerk, case.pk, vacant.pk, commitment_id=commitment.pk, **witnessed
    )
    assert seat_draw.kind == "seat" and seat_draw.panel == [newcomer.pk]
    assert Seat.objects.get(replaces=vacant).source == "seat_draw"
    assert seat_draw.verify() == []


def test_suspended_expert_cannot_accept(drawn):
    case, _ = drawn
    seat = seats_of(case)[0]
    Expert.objects.filter(pk=seat.expert_id).update(status=Expert.Status.SUSPENDED)
    with pytest.raises(ServiceError) as err:
        svc.accept_invitation(seat.expert.user, seat.pk, confirmed=ALL)
    assert "在库" in err.value.message
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED


def test_invitation_is_notified_in_the_portal(drawn):
    from portal.models import Notification

    case, draw = drawn
    notified = set(
        Notification.objects.filter(case=case, recipient__role="expert").values_list(
            "recipient_id", flat=True
        )
    )
    assert notified == set(
        Expert.objects.filter(pk__in=draw.panel).values_list("user_id", flat=True)
    )
