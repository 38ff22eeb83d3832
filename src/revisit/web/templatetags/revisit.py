from django import template

from revisit.customers.phones import mask_phone

register = template.Library()


@register.filter
def masked(e164: str) -> str:
    """138****5678: pages always show the masked number; the full one needs a reveal."""
    return mask_phone(e164 or "")


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def percent(value) -> str:
    return f"{value * 100:.1f}%" if value is not None else "—"
