"""Customers: search with filters, one customer's page, and the audited phone reveal."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core import access
from revisit.core.access import (
    get_customer_or_404,
    may_reveal_phones,
    visible_order_lines,
)
from revisit.core.audit import record_event
from revisit.customers.phones import display_phone
from revisit.grading.reads import current_inventory, explain_grade
from revisit.outreach.followups import contact_reason_label
from revisit.web import permissions as perm
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.params import parse_page
from revisit.web.search import PAGE_SIZE, customer_page_query
from revisit.web.views.privacy import ConsentForm

EXPORT_LIMIT = 100_000


def customer_list(request):
    form, customers = customer_page_query(request.user, request.GET)
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name="customers",
            header=[
                _("Code"),
                _("Name"),
                _("Mobile"),
                _("Tier"),
                _("Owner"),
                _("Store"),
                _("Channel"),
                _("Last visit"),
            ],
            rows=(
                [
                    c.code,
                    c.name,
                    c.mobile,
                    c.tier,
                    str(c.owner or ""),
                    str(c.home_store or ""),
                    c.get_channel_display(),
                    c.last_visit,
                ]
                for c in customers[:EXPORT_LIMIT].iterator(2000)
            ),
            phone_column=2,
        )
    page = parse_page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(customers[start : start + PAGE_SIZE + 1])
    inventory = current_inventory(request.user.organization_id)
    segments = {}
    if inventory and rows:
        segments = dict(
            inventory.grades.filter(customer_id__in=[c.pk for c in rows]).values_list(
                "customer_id", "segment"
            )
        )
    for c in rows:
        c.segment = segments.get(c.pk, "")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "customers": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "may_reveal": may_reveal_phones(request.user),
    }
    template = "web/customers/_results.html" if request.htmx else "web/customers/list.html"
    return render(request, template, context)


def customer_detail(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    # Who looked at whose record is part of the personal-data trail.
    record_event(customer.organization, actor=request.user, action="customer.view", target=customer)
    grades = list(
        customer.grades.filter(inventory__status="published")  # drafts are what-ifs
        .select_related("inventory")
        .order_by("-inventory__as_of", "-inventory_id")
    )
    current = grades[0] if grades else None
    lines = (
        visible_order_lines(request.user)
        .filter(customer=customer)
        .select_related("order", "item", "practitioner")
        .order_by("-order_date", "-order_id", "line_no")[:100]
    )
    context = {
        "customer": customer,
        "grades": grades,
        "current": current,
        "explanation": explain_grade(current) if current else "",
        "lines": lines,
        "followups": customer.followups.select_related("actor").order_by("-contacted_at")[:50],
        "appointments": customer.appointments.select_related("staff", "store").order_by(
            "-starts_at"
        )[:30],
        "scheduled": [
            (c.due_on, contact_reason_label(c.reason))
            for c in customer.scheduled_contacts.filter(status="pending").order_by("due_on")[:10]
        ],
        "consents": customer.consents.all(),
        "may_reveal": may_reveal_phones(request.user),
        "may_manage_personal_data": perm.has_any(request.user, perm.PERSONAL_DATA_ROLES),
        "consent_form": ConsentForm(),
    }
    return render(request, "web/customers/detail.html", context)


@require_POST
def reveal_phone(request, pk: int):
    """Show one customer's full number to a role that may see it; the reveal is audited."""
    customer = access.reveal_phone(request.user, via="page", pk=pk)
    return HttpResponse(
        format_html(
            '<a class="phone" href="tel:{}">{}</a>', customer.mobile, display_phone(customer.mobile)
        )
    )
