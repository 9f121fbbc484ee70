"""How long a free text may be, and the refusal of a longer one.

A text a user typed is never cut to fit: past its limit it is refused with its length, so the
user can shorten it (the forms keep what was typed, and the pages show each limit with a live
counter, portal/static/portal/js/counter.js)."""

from common.errors import ServiceError

# Longest free text a form takes, by what it becomes: a note or reason printed on a notice, a
# statement or reasoning of several paragraphs. An issued document cannot be withdrawn, so a
# paste by mistake is refused with its length rather than printed over many pages.
NOTE_MAX = 500
REASON_MAX = 1000
TEXT_MAX = 5000
SHORT_MAX = 200  # a short note kept beside a record (a file's 说明, a tie's 说明, a place)


def too_long_message(label: str, limit: int, length: int) -> str:
    return f"“{label}”不能超过 {limit} 个字（现有 {length} 个），请删减后重新提交。"


def within(text: str | None, limit: int, label: str) -> str:
    """``text`` stripped, or a ServiceError naming the field if it is longer than ``limit``."""
    text = (text or "").strip()
    if len(text) > limit:
        raise ServiceError(too_long_message(label, limit, len(text)))
    return text
