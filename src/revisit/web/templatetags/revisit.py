from django import template
from django.utils.translation import gettext_lazy as _

from revisit.customers.emails import mask_email
from revisit.customers.phones import mask_phone

register = template.Library()


@register.filter
def masked(e164: str) -> str:
    """138****5678: pages always show the masked number; the full one needs a reveal."""
    return mask_phone(e164 or "")


@register.filter
def email_masked(address: str) -> str:
    """z***@example.com: like numbers, the full address shows after the audited reveal."""
    return mask_email(address or "")


@register.filter
def task_form(controls, task) -> str:
    """A queue task's form, from the page's TaskFormControls (rendered once per page)."""
    return controls.form_for(task)


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def percent(value) -> str:
    return f"{value * 100:.1f}%" if value is not None else "—"


@register.filter
def segment_name(code: str) -> str:
    """A1…B4 are the names the business itself uses; the code of the customers without a
    purchase is shown by its label."""
    from revisit.grading.models import Segment

    return str(_("Not graded")) if code == Segment.NONE else code


@register.filter
def thresholds_label(thresholds) -> str:
    """How an inventory's RFM thresholds were set, in words: 平均值, 分位数 0.6, 固定值 …"""
    if not thresholds:
        return str(_("The organization's setting"))
    if isinstance(thresholds, dict):
        return str(_("Fixed values"))
    method, _sep, q = str(thresholds).partition(":")
    names = {"mean": _("Mean"), "median": _("Median"), "quantile": _("Quantile")}
    name = str(names.get(method, _("Fixed values")))
    return f"{name} {q}" if q else name


@register.filter
def phones_masked(text: str, may_reveal: bool) -> str:
    """Free text (a note) with mobile numbers masked for a role that may not see them."""
    from revisit.core.log_filters import mask_phones

    return text if may_reveal else mask_phones(text or "")
