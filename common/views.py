"""The view helper that runs a service and shows its message."""

from django.contrib import messages

from .errors import ServiceError


def run(request, call, success: str, *, form=None) -> bool:
    """Run ``call`` (one service) for a page: a refusal (``ServiceError``) is shown in its own
    Chinese words, on ``form`` when the page shows the form again, else as a message, and nothing
    has changed; otherwise ``success`` is said. True when the service ran."""
    try:
        call()
    except ServiceError as exc:
        if form is not None:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True
