"""What a user typed into one of the case page's action forms, kept across the redirect that
follows a refusal, so the form comes back filled as it was sent (texts, ticked boxes, choices).
Only the case page's own forms use it; files are never kept (they are chosen again)."""

SKIP = {"csrfmiddlewaretoken"}


def _key(case) -> str:
    return f"typed:{case.pk}"


def keep(request, case, form: str) -> None:
    """Keep the request's fields as typed into ``form`` (the action's name) of the case page."""
    data = {k: v for k, v in request.POST.lists() if k not in SKIP}
    request.session[_key(case)] = {"form": form, "data": data}


def take(request, case) -> dict:
    """``{form: {field: value, or the list of values of a field sent several times}}`` for the
    case page's next showing, once."""
    kept = request.session.pop(_key(case), None)
    if not kept:
        return {}
    data = {k: v[0] if len(v) == 1 else v for k, v in kept["data"].items()}
    return {kept["form"]: data}
