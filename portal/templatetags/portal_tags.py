from django import template
from django.utils.html import format_html

from appraisal.documents.context import seal_for
from appraisal.models import MaterialKind
from appraisal.workflow.states import TONES
from common.text import as_sentence, cn_date, cn_datetime, paragraphs

register = template.Library()


@register.simple_tag
def state_badge(case):
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        TONES.get(case.state, "muted"),
        case.state_label,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def kind_label(kind):
    try:
        return MaterialKind(kind).label
    except ValueError:
        return kind


register.filter("cn_date", cn_date)
register.filter("paragraphs", paragraphs)
register.filter("cn_datetime", cn_datetime)
register.filter("as_sentence", as_sentence)


@register.simple_tag
def bureau_seal(bureau):
    """The bureau's active seal image (managed in the admin), or the generated one."""
    return seal_for(bureau)
