"""Small pieces of shared UI for the apps' views."""

from django.contrib import messages


def form_errors_to_messages(request, form) -> None:
    """Show every error of a form that posts back to another page as a message there."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def as_sentence(text: str) -> str:
    """``text`` as a sentence ending in a full stop: a clerk's note may or may not end in one,
    and the text that follows it in a message must not run on (nor follow a doubled 。)."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？!?…" else text + "。"
