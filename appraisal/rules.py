"""Who may act on a case: small predicates, shared by the state machine and the access module.

They look at attributes only (no queries beyond the case's own foreign keys), so django-fsm's
``permission=`` and the views ask the same question the same way.
"""


def is_case_institution_member(case, user) -> bool:
    """The applicant's own staff (DOMAIN §6: an institution sees only its own cases)."""
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
