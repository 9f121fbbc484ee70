"""The append-only security audit trail. Call :func:`record` inside the action's transaction."""


def record(actor, action, obj=None, *, bureau=None, ip=None, **data):
    """Record one event and return it.

    ``actor`` is a request (its user and address are taken), a user, or None (the system, or the
    user of the request being served, if any). ``obj`` is the model instance acted on; its bureau
    (a case's, a document's, a user's) decides which county's staff see the event. ``data`` is
    kept as JSON (keep it small: names, states, hashes; never passwords or tokens).
    """
    from .recording import record_event  # noqa: PLC0415 (the package is imported before the models are ready)

    return record_event(actor, action, obj, bureau=bureau, ip=ip, data=data)
