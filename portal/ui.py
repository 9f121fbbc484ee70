"""Small pieces of shared UI for the apps' views."""

from django.contrib import messages


def form_errors_to_messages(request, form) -> None:
    """Show every error of a form that posts back to another page as a message there."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
