"""Who may act on a case: small predicates of (case, user), the "who" of the workflow policy
(``policy.ACTIONS``) and of the access module.

They look at the user's and the case's attributes, and at the case's ``facts`` for what needs a
query (the panel: a seat is a row of its own), so each is asked of the database once per page.
"""


def is_case_institution_member(case, user) -> bool:
    """The applicant's own staff (docs/domain.md §角色与辖区: an institution sees only its own cases)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == "institution"
        and user.institution_id is not None
        and user.institution_id == case.institution_id
    )


def is_case_county_staff(case, user) -> bool:
    """A clerk of the county bureau where the case was filed."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == "county"
        and user.bureau_id is not None
        and user.bureau_id == case.bureau_id
    )


def is_prefecture_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == "prefecture"


def is_supervisor(user) -> bool:
    """监督人: witnesses draws and sees draw records of its bureau (all, at the prefecture)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == "supervisor"
        and user.bureau_id is not None
    )


def accepted_rounds(case, user) -> frozenset:
    """The ids of the case's rounds on whose panel the expert accepted a seat."""
    return case.facts.accepted_rounds(user)


def holds_accepted_seat(case, user) -> bool:
    """An expert who accepted a seat on the case's panel, in any round."""
    return bool(accepted_rounds(case, user))


def may_start_review(case, user) -> bool:
    """The review starts when the last seat accepts (that expert acts) or from the clerk's page."""
    return runs_current_round(case, user) or holds_accepted_seat(case, user)


def is_round_staff(round, user) -> bool:
    """A clerk of the bureau that runs the round: the county for round 1, the prefecture for 2."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role in ("county", "prefecture")
        and user.bureau_id is not None
        and user.bureau_id == round.bureau_id
    )


def holds_accepted_seat_in(round, user) -> bool:
    """An expert who accepted a seat on this round's panel."""
    if not (user.is_authenticated and user.is_active and user.role == "expert"):
        return False
    return round.seats.filter(expert__user_id=user.pk, status="accepted").exists()


def may_sign_current_round(case, user) -> bool:
    """A member of the current round's panel (the last signature completes the opinion)."""
    current = case.facts.current_round
    return current is not None and current.pk in accepted_rounds(case, user)


SEAL = "portal.apply_seal"  # 印章保管, granted per bureau (portal.models.SealCustody)


def holds_seal(round, user) -> bool:
    """The custody of the seal of the bureau that runs the round (印章保管, granted by the admin per
    bureau): with ``is_round_staff``, who may decide the category and stamp (guide 七(四))."""
    return user.is_authenticated and user.is_active and user.has_perm(SEAL, round.bureau)


def leads_current_panel(case, user) -> bool:
    """The member the bureau named leader of the current round's panel (guide 七(三))."""
    current = case.facts.current_round
    if current is None or not may_sign_current_round(case, user):
        return False
    opinion = getattr(current, "opinion", None)
    return (
        opinion is not None
        and opinion.leader is not None
        and (opinion.leader.expert.user_id == user.pk)
    )


def holds_seal_of_current_round(case, user) -> bool:
    """The seal's custody of the bureau running the current round (with ``runs_current_round``)."""
    current = case.facts.current_round
    if current is None or user is None:
        return False
    return case.facts.answer(("seal", user.pk, current.pk), lambda: holds_seal(current, user))


def runs_current_round(case, user) -> bool:
    """A clerk of the bureau that runs the case's current round: the county for the first
    appraisal, the prefecture for the re-review."""
    current = case.facts.current_round
    return current is not None and is_round_staff(current, user)


def is_prefecture_staff_over(case, user) -> bool:
    """A clerk of the prefecture over the case's county (the re-review's bureau)."""
    return (
        is_prefecture_staff(user)
        and user.bureau_id is not None
        and user.bureau_id in (case.bureau_id, case.bureau.parent_id)
    )


def is_system(case, user) -> bool:
    """Only the daily timer (no user) runs this transition."""
    return user is None
