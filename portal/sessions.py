"""Database sessions that expire when idle (SESSION_COOKIE_AGE), without a write per request.

Every request pushes the idle expiry forward (SESSION_SAVE_EVERY_REQUEST), but a session whose
data did not change and whose expiry was pushed forward less than ``REFRESH_AFTER`` seconds ago is
not written again: the idle limit is then kept to within that margin, and a page costs one query
instead of an update in its own transaction.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

REFRESH_AFTER = 60  # seconds


class SessionStore(DatabaseSessionStore):
    _loaded_expiry = None

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self._loaded_expiry = row.expire_date if row is not None else None
        return row

    def _fresh(self) -> bool:
        if self._loaded_expiry is None or self.modified or self.session_key is None:
            return False
        remaining = (self._loaded_expiry - timezone.now()).total_seconds()
        return remaining > self.get_expiry_age() - REFRESH_AFTER

    def save(self, must_create=False):
        if not must_create and self._fresh():
            return
        super().save(must_create=must_create)
        self._loaded_expiry = None


def end_sessions_of(user) -> int:
    """Log the user out everywhere: their unexpired sessions are deleted (a login's secrets, not
    records). Sessions expire when idle, so the live ones are few; each is read to find its user."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
