"""Chinese dates and sentences, the way the bureau's documents write them."""

from django.utils import timezone


def as_sentence(text: str) -> str:
    """``text`` as a sentence ending in a full stop: a clerk's note may or may not end in one,
    and the text that follows it in a message must not run on (nor follow a doubled 。)."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？!?…" else text + "。"


def cn_date(value) -> str:
    """A date the way official documents write it: 2026年11月23日 (GB/T 9704, Arabic numerals)."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value) -> str:
    """2026年11月23日 15:04, in the portal's time zone."""
    if not value:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def paragraphs(text) -> list[str]:
    """A clerk's text as its lines, blank ones dropped: each becomes a paragraph of a document."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]
