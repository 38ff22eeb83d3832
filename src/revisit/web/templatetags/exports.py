"""`{% full_phones_export %}`: the second download control, next to "Download xlsx", on
pages whose table carries phone numbers (shown only to roles that may export them)."""

from django import template

from revisit.web.exports import FULL_PHONES, may_export_phones, page_query

register = template.Library()


@register.inclusion_tag("web/_full_phones_export.html", takes_context=True)
def full_phones_export(context):
    request = context["request"]
    return {
        "allowed": may_export_phones(request.user),
        "action": f"{request.path}?{page_query(request, export='xlsx')}",
        "full": FULL_PHONES,
        "csrf_token": context.get("csrf_token"),
    }
