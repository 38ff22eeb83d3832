"""Customers: search with filters, one customer's page, and the audited phone reveal."""

from django.db.models import Q, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments.access import DESK_ROLES, works_desk_at
from revisit.core import access
from revisit.core.access import (
    HEALTH_ROLES,
    get_customer_or_404,
    may_reveal_phones,
    visible_customers,
)
from revisit.core.audit import record_event
from revisit.core.models import Role
from revisit.customers.cards import CARD_ROLES, HEALTH_FIELDS
from revisit.customers.emails import mask_email
from revisit.customers.flags import must_meet, pretreatment_warnings
from revisit.customers.models import Customer, RiskFlag, Tier
from revisit.customers.phones import display_phone, mask_phone
from revisit.grading.models import Grade
from revisit.grading.reads import current_inventory_id, explain_grade
from revisit.outreach.followups import contact_reason_label
from revisit.referrals.models import Lead
from revisit.referrals.policy import REGISTER_ROLES
from revisit.referrals.targets import referrer_type
from revisit.wallet.membership import membership_summary
from revisit.web import permissions as perm
from revisit.web.card_forms import CorrectionForm, NoteForm, OwnerForm, TagsForm
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.forms import FollowUpForm
from revisit.web.links import pk_link
from revisit.web.search import PageRequest, customer_page_query, read_page
from revisit.web.templatetags.revisit import segment_name
from revisit.web.timeline import published_grades, timeline
from revisit.web.views.cards import OWNER_ROLES, owner_choices
from revisit.web.views.course_cards import course_card_block
from revisit.web.views.privacy import ConsentForm

EXPORT_LIMIT = 100_000
# The columns the customers table shows (a page of 50 rows reads only these).
TABLE_FIELDS = (
    *("code", "name", "mobile", "tier", "last_visit", "owner", "home_store"),
    *("owner__display_name", "owner__username", "home_store__name"),
)


def table_customers():
    """The customers with the columns (and owner and store) the table shows."""
    return Customer.objects.select_related("owner", "home_store").only(*TABLE_FIELDS)


_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td></tr>\n"
)


def table_rows(rows) -> str:
    """The customers table's rows, drawn in Python: the template drew eight variables a
    row through the template engine, most of a 50-row page's time. Masked numbers,
    labels for codes, dates as the template localizes them, everything escaped."""
    tiers = {value: str(label) for value, label in Tier.choices}
    badges = {}

    def badge(code: str) -> str:
        if code and code not in badges:
            badges[code] = format_html('<span class="badge">{}</span>', segment_name(code))
        return badges.get(code, "")

    return format_html_join(
        "",
        _ROW,
        (
            (
                c.url,
                c.code,
                c.name,
                mask_phone(c.mobile or ""),
                badge(c.segment),
                tiers.get(c.tier, c.tier),
                c.owner or "—",
                c.home_store or "—",
                localize(c.last_visit) if c.last_visit else "—",
            )
            for c in rows
        ),
    )


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
    wanted = PageRequest.from_query(request.GET)
    page = read_page(customers, form.ordering(), wanted, form.scope, table_customers())
    rows = page.rows
    segments = {}
    if rows:  # their segments in the current inventory (none without one)
        segments = dict(
            Grade.objects.filter(
                inventory_id=current_inventory_id(request.user.organization_id),
                customer_id__in=[c.pk for c in rows],
            ).values_list("customer_id", "segment")
        )
    link = pk_link("customer")
    for c in rows:
        c.segment = segments.get(c.pk, "")
        c.url = link(c.pk)
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    query = query.urlencode()
    context = {
        "form": form,
        "customers": rows,
        "rows": table_rows(rows),
        "page": page.number,
        "has_next": page.has_next,
        **page.links(query),
        "query": query,
        "may_reveal": may_reveal_phones(request.user),
        "may_create": perm.has_any(request.user, set(CARD_ROLES)),
        "may_send": perm.has_any(request.user, perm.MESSAGE_SEND_ROLES),
    }
    template = "web/customers/_results.html" if request.htmx else "web/customers/list.html"
    return render(request, template, context)


HISTORY_LIMIT = 200


def _history_value(field: str, text: str, *, health: bool) -> str:
    """A stored history value as the card shows it: labels for codes, numbers masked,
    health data hidden from roles that may not read it."""
    if not text:
        return "—"
    if field in HEALTH_FIELDS and not health:
        return _("recorded (hidden)")
    if field in ("mobile", "mobile2"):
        return mask_phone(text)
    if field == "email":
        return mask_email(text)
    if field == "birthday_is_lunar":
        return _("Yes") if text == "1" else _("No")
    if field == "tags":
        return text.replace(",", "、")
    if field == "risk_flags":
        labels = dict(RiskFlag.choices)
        return "、".join(str(labels.get(code, code)) for code in text.split(","))
    model_field = Customer._meta.get_field(field) if field != "tags" else None
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(text, text))
    return text


def field_history(customer: Customer, *, health: bool) -> list[dict]:
    rows = []
    for change in customer.changes.select_related("actor")[:HISTORY_LIMIT]:
        label = (
            _("Tags")
            if change.field == "tags"
            else capfirst(Customer._meta.get_field(change.field).verbose_name)
        )
        rows.append(
            {
                "at": change.changed_at,
                "actor": change.actor,
                "kind": change.get_kind_display(),
                "field": label,
                "before": _history_value(change.field, change.before, health=health),
                "after": _history_value(change.field, change.after, health=health),
                "reason": change.reason,
            }
        )
    return rows


def customer_detail(request, pk: int):
    staff = request.user
    # Every permission check below reads the roles: read them once.
    prefetch_related_objects([staff], "role_assignments")
    # The card shows her owner and home store; the timeline her registration's author.
    customer = get_customer_or_404(staff, pk=pk, related=("owner", "home_store", "created_by"))
    customer.organization = staff.organization  # the same, by the scope
    prefetch_related_objects([customer], "tags")
    # Who looked at whose record is part of the personal-data trail.
    record_event(customer.organization, actor=request.user, action="customer.view", target=customer)
    grades = published_grades(customer)
    current = grades[0] if grades else None
    health = perm.has_any(staff, set(HEALTH_ROLES))
    may_change_owner = perm.has_any(staff, OWNER_ROLES)
    may_book = perm.has_any(staff, DESK_ROLES)
    # Whom she referred and who referred her, with the attribution rule on both cards.
    referrals = list(
        Lead.objects.filter(Q(referrer=customer) | Q(customer=customer))
        .select_related("referrer")
        .order_by("-registered_at")[:20]
    )
    context = {
        "customer": customer,
        "current": current,
        "explanation": explain_grade(current) if current else "",
        "timeline": timeline(customer, staff),
        "history": field_history(customer, health=health),
        # Health details only for the roles that read them (the flags bar is for everyone).
        "warnings": pretreatment_warnings(customer, show_health=health),
        "must_meet": must_meet(customer),
        "may_see_health": health,
        "may_edit": perm.has_any(staff, set(CARD_ROLES)),
        "may_book": may_book,
        # Book at her home store when the user works its desk (else at the user's own).
        "book_store": customer.home_store_id
        if may_book and works_desk_at(staff, customer.home_store)
        else None,
        "may_correct": perm.has_any(staff, {Role.ADMIN}),
        "may_change_owner": may_change_owner,
        # The choices' labels are their names: the rest of their rows stays in the database.
        "owner_form": OwnerForm(owners=owner_choices(staff).only("pk", "display_name", "username"))
        if may_change_owner
        else None,
        "correction_form": CorrectionForm(
            initial={
                "channel": customer.channel,
                "referrer": customer.referrer.code if customer.referrer else "",
            }
        ),
        "note_form": NoteForm(),
        "tags_form": TagsForm(initial={"tags": ", ".join(t.name for t in customer.tags.all())}),
        "contact_form": FollowUpForm(organization=customer.organization),
        "referrer_visible": customer.referrer_id is not None
        and visible_customers(staff).filter(pk=customer.referrer_id).exists(),
        "scheduled": [
            (c.due_on, contact_reason_label(c.reason))
            for c in customer.scheduled_contacts.filter(status="pending").order_by("due_on")[:10]
        ],
        "consents": customer.consents.all(),
        "may_reveal": may_reveal_phones(request.user),
        "may_manage_personal_data": perm.has_any(request.user, perm.PERSONAL_DATA_ROLES),
        "consent_form": ConsentForm(),
        "may_refer": perm.has_any(staff, set(REGISTER_ROLES)),
        "referrals": referrals,
        "referrer_type": referrer_type(customer, referrals),
        **course_card_block(staff, customer),
        "membership": membership_summary(customer),
        "may_change_membership": perm.has_any(staff, perm.MEMBERSHIP_STATUS_ROLES),
    }
    return render(request, "web/customers/detail.html", context)


@require_POST
def reveal_phone(request, pk: int):
    """Show one customer's full number to a role that may see it; the reveal is audited."""
    customer = access.reveal_phone(request.user, via="page", pk=pk)
    html = format_html(
        '<a class="phone" href="tel:{}">{}</a>', customer.mobile, display_phone(customer.mobile)
    )
    if customer.email:
        # The same audited reveal shows the email address (swapped in out of band).
        html += format_html(
            '<span id="email" hx-swap-oob="true"><a href="mailto:{}">{}</a></span>',
            customer.email,
            customer.email,
        )
    return HttpResponse(html)
