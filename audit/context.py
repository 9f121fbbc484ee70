"""The request being served, so that events recorded from signals know who and from where."""

from contextvars import ContextVar

current_request: ContextVar = ContextVar("current_request", default=None)
# Set while a backup is being restored: the rows restored are history, not new changes.
restoring: ContextVar = ContextVar("restoring", default=False)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
