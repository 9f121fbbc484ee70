from django import template
from django.utils.html import format_html

register = template.Library()

STATE_TONES = {
    "draft": "muted",
    "submitted": "info",
    "accepted": "info",
    "refused": "danger",
    "withdrawn": "muted",
    "panel_drawn": "info",
    "in_review": "warning",
    "opinion_signed": "warning",
    "decided": "success",
    "rereview_requested": "warning",
    "rereview_forwarded": "warning",
    "closed": "success",
}


@register.simple_tag
def state_badge(case):
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        STATE_TONES.get(case.state, "muted"),
        case.state_label,
    )


@register.filter
def paragraphs(text):
    """A clerk's text as its lines, blank ones dropped: each becomes a paragraph of a document."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def kind_label(kind):
    from appraisal.models import MaterialKind

    try:
        return MaterialKind(kind).label
    except ValueError:
        return kind


@register.filter
def cn_date(value):
    """A date the way official documents write it: 2026年11月23日 (GB/T 9704, Arabic numerals)."""
    if not value:
        return ""
    from django.utils import timezone

    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.simple_tag
def bureau_seal(bureau):
    """The bureau's active seal image (managed in the admin), or the generated one."""
    from appraisal.documents.context import seal_for

    return seal_for(bureau)


@register.filter
def cn_datetime(value):
    """2026年11月23日 15:04, in the portal's time zone."""
    if not value:
        return ""
    from django.utils import timezone

    if getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
