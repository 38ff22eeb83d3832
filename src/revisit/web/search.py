"""Customer search and filters for the customers page and the API, over the access
module's scope. Built so each filter uses an index on 1,000,000 customers."""

import dataclasses
import re
from typing import NamedTuple

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from revisit.core.access import visible_customers
from revisit.core.models import Role, RoleAssignment, Staff
from revisit.customers.models import Channel, Customer, Tier
from revisit.grading.models import Grade, Segment
from revisit.grading.reads import current_inventory
from revisit.web.params import BadParameter, id_param, parse_page
from revisit.web.widgets import PlainSelect

PAGE_SIZE = 50
_PHONE_SEPARATORS = re.compile(r"[\s\-+]")  # what people type inside a number


class CustomerFilter(forms.Form):
    q = forms.CharField(label=_("Name, code or phone"), required=False, max_length=64)
    segment = forms.ChoiceField(label=_("Segment"), required=False, widget=PlainSelect)
    tier = forms.ChoiceField(label=_("Tier"), required=False, widget=PlainSelect)
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    store = forms.TypedChoiceField(
        label=_("Store"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, widget=PlainSelect)
    tag = forms.TypedChoiceField(
        label=_("Tag"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    visited_after = forms.DateField(label=_("Last visit from"), required=False)
    visited_before = forms.DateField(label=_("Last visit until"), required=False)

    def __init__(self, data, *, staff, scope: QuerySet):
        super().__init__(data)
        blank = [("", "—")]
        self.fields["segment"].choices = blank + list(Segment.choices)
        self.fields["tier"].choices = blank + list(Tier.choices)
        self.fields["channel"].choices = blank + list(Channel.choices)
        org = staff.organization
        # Plain tuples, not model instances: drawn on every request of the page.
        owners = owner_choices(staff, scope).order_by("display_name")
        self.fields["owner"].choices = blank + [
            (pk, shown or username)  # as Staff.__str__
            for pk, shown, username in owners.values_list("pk", "display_name", "username")
        ]
        stores = org.stores.order_by("code").values_list("pk", "name")
        self.fields["store"].choices = blank + list(stores)
        self.fields["tag"].choices = blank + list(
            org.tags.order_by("name").values_list("pk", "name")
        )
        self.scope = scope
        self.organization_id = staff.organization_id

    def ordering(self) -> list[str]:
        """Page order: by last visit when filtering on it, by name when searching names,
        otherwise by customer code (each the order of the index that serves it, so that
        a page stops after its rows instead of sorting every match)."""
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if d.get("visited_after") or d.get("visited_before"):
            return ["-last_visit", "-id"]
        if d.get("q") and not _is_number(d["q"].strip()):
            return ["name", "code"]
        return ["code"]

    def customers(self) -> QuerySet:
        """The filtered customers (none when the form is invalid)."""
        qs = self.scope
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            qs = text_search(qs, d["q"].strip())
        if d["segment"]:
            inventory = current_inventory(self.organization_id)
            if inventory is None:
                return qs.none()
            # EXISTS, not IN: walking customers in page order and probing the grade's
            # (inventory, customer) key stops after one page instead of first collecting
            # every customer of the segment.
            graded = Grade.objects.filter(
                inventory=inventory, segment=d["segment"], customer_id=OuterRef("pk")
            )
            qs = qs.filter(Exists(graded))
        for field in ("tier", "channel"):
            if d[field]:
                qs = qs.filter(**{field: d[field]})
        if d["owner"]:
            qs = qs.filter(owner_id=d["owner"])
        if d["store"]:
            qs = qs.filter(home_store_id=d["store"])
        if d["tag"]:
            qs = _with_tag(qs, d["tag"])
        if d["visited_after"]:
            qs = qs.filter(last_visit__gte=d["visited_after"])
        if d["visited_before"]:
            qs = qs.filter(last_visit__lte=d["visited_before"])
        return qs

    def clean(self):
        data = super().clean()
        after, before = data.get("visited_after"), data.get("visited_before")
        if after and before and after > before:
            raise forms.ValidationError(_("The first date is after the second."))
        return data


def customer_page_query(staff, data) -> tuple[CustomerFilter, QuerySet]:
    """The customers page's form and its customers in page order (all of the scope
    when nothing is filtered), with owner and store joined for the table."""
    scope = visible_customers(staff)
    form = CustomerFilter(data or None, staff=staff, scope=scope)
    customers = form.customers() if form.is_bound else scope
    return form, customers.select_related("owner", "home_store").order_by(*form.ordering())


def owner_choices(staff, scope: QuerySet) -> QuerySet:
    """The consultants the owner filter offers: every one of the organization for an
    admin, those of the viewer's region or store for a supervisor or manager, herself for
    a consultant; a caller or practitioner, who sees customers one by one, gets the
    consultants owning those customers. Never admins or doctors, who own no customers."""
    assignments = RoleAssignment.objects.filter(
        role=Role.CONSULTANT, staff__organization_id=staff.organization_id
    )
    where = Q(pk__in=[])
    for assignment in staff.role_assignments.all():
        match assignment.role:
            case Role.ADMIN:
                where = Q()
                break
            case Role.REGION_SUPERVISOR:
                where |= Q(store__region_id=assignment.region_id)
            case Role.STORE_MANAGER:
                where |= Q(store_id=assignment.store_id)
            case Role.CONSULTANT:
                where |= Q(staff_id=staff.pk)
            case _:
                where |= Q(staff_id__in=scope.exclude(owner_id=None).values("owner_id"))
    return Staff.objects.filter(is_active=True, pk__in=assignments.filter(where).values("staff_id"))


# From this many customers with a tag, a page walks customers in page order and probes
# the tag (stopping after a page) instead of joining all of them and sorting.
TAG_WALK_MIN = 5000


def _with_tag(customers: QuerySet, tag_id: int) -> QuerySet:
    """Customers with the tag. A common tag (20,000 of a million customers) joined and
    sorted by code took SQLite ~0.3-0.5 s a page; walking the code index and probing
    the (customer, tag) key stops after a page. A rare tag is the other way round: the
    walk would cross the whole table for a handful, the join is a few index reads."""
    tagged = Customer.tags.through.objects.filter(tag_id=tag_id)
    if tagged[:TAG_WALK_MIN].count() < TAG_WALK_MIN:
        return customers.filter(tags__id=tag_id)
    return customers.filter(Exists(tagged.filter(customer_id=OuterRef("pk"))))


def _is_number(text: str) -> bool:
    return _PHONE_SEPARATORS.sub("", text).isdigit()


def text_search(customers: QuerySet, text: str) -> QuerySet:
    """What the search box finds: the last four digits of the phone, a whole phone
    number, an exact customer code, or the start of names."""
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.isdigit():
        if len(digits) == 4:
            return customers.filter(Q(phone_last4=digits) | Q(code=text))
        if len(digits) >= 11:
            return customers.filter(
                Q(mobile="+86" + digits[-11:]) | Q(mobile="+" + digits) | Q(code=text)
            )
        return customers.filter(code=text)
    # An exact code is that one customer. Otherwise names starting with the text, as a
    # range so that the (organization, name, code) b-tree serves it in page order on both
    # databases; an OR with the code would make the database sort every match first
    # (tens of thousands for a common surname at a million customers).
    exact = customers.filter(code=text)
    if exact.exists():
        return exact
    return customers.filter(name__gte=text, name__lt=text + "\U0010ffff")


class PageRequest(NamedTuple):
    """Which page of the results: the first; the one after or before a customer of the
    previous page (the links the page draws: "seek" paging, each page one index range
    however deep); or a bare page number (a typed or old link, read with OFFSET)."""

    number: int = 1
    after: int | None = None
    before: int | None = None

    @classmethod
    def from_query(cls, data) -> "PageRequest":
        """From the query string; a malformed value answers 400 with a message."""
        number = parse_page(data.get("page"))
        invalid = BadParameter(
            gettext("This page link is not valid. Open the first page and page on from it.")
        )
        try:
            after = id_param(data.get("after"), required=False)
            before = id_param(data.get("before"), required=False)
        except BadParameter:
            raise invalid from None
        if after and before:
            raise invalid
        return cls(number, after, before)


@dataclasses.dataclass
class Page:
    """A page of customers, in page order."""

    rows: list
    number: int
    has_previous: bool
    has_next: bool

    def links(self, query: str) -> dict:
        """The previous and next pages' query strings after the filters' `query`: the
        customer they continue from (an id, never a name or number in the address)
        and the page number shown."""
        prefix = f"{query}&" if query else ""
        links = {"previous_href": None, "next_href": None}
        if self.has_previous:
            if self.number <= 2:
                links["previous_href"] = f"?{query}"
            elif self.rows:
                links["previous_href"] = f"?{prefix}before={self.rows[0].pk}&page={self.number - 1}"
            else:  # past the end (a typed page number, or after the last customer)
                links["previous_href"] = f"?{prefix}page={self.number - 1}"
        if self.has_next:
            links["next_href"] = f"?{prefix}after={self.rows[-1].pk}&page={self.number + 1}"
        return links


def _beyond(ordering: list[str], values: tuple, *, after: bool) -> Q:
    """Rows strictly after (or before) the row with `values` in `ordering`, written as
    `a >= x AND (a > x OR <the same for the next fields>)`: the first field's range is
    what the index serves in page order, on both databases (a plain OR would not be)."""
    name, value = ordering[0].removeprefix("-"), values[0]
    op = "gt" if after != ordering[0].startswith("-") else "lt"
    strictly = Q(**{f"{name}__{op}": value})
    if len(ordering) == 1:
        return strictly
    rest = _beyond(ordering[1:], values[1:], after=after)
    return Q(**{f"{name}__{op}e": value}) & (strictly | rest)


def page_query(
    customers: QuerySet,
    ordering: list[str],
    wanted: PageRequest,
    anchors: QuerySet,
    rows: QuerySet,
) -> tuple[QuerySet, PageRequest]:
    """The statement for a page: one more customer than a page (which tells whether
    another page follows; for a page `before`, whether one precedes), in page order
    except `before` (reversed), read from `rows` (its columns and joins); and the page
    it reads: the first when the customer it continues from is not among `anchors`
    (gone, or never visible).

    The page's customers are picked by a subquery on the customers table alone, then
    read by id with `rows`'s joins: with the joins in the same query, PostgreSQL
    sorted every match of a name search, trusting an estimate of one row for a name
    range that held hundreds."""
    ids = customers.values("pk")
    anchor = wanted.after or wanted.before
    if anchor:
        fields = [f.removeprefix("-") for f in ordering]
        # Unordered: the model's ordering would join the organization for one row.
        found = list(anchors.filter(pk=anchor).order_by().values_list(*fields)[:1])
        if found:
            ids = ids.filter(_beyond(ordering, found[0], after=wanted.after is not None))
            ids = ids if wanted.after else ids.reverse()
        else:
            wanted = PageRequest()
    start = (wanted.number - 1) * PAGE_SIZE if not anchor else 0
    page = rows.filter(pk__in=ids[start : start + PAGE_SIZE + 1]).order_by(*ordering)
    return (page.reverse() if wanted.before else page), wanted


def read_page(
    customers: QuerySet,
    ordering: list[str],
    wanted: PageRequest,
    anchors: QuerySet,
    rows: QuerySet,
) -> Page:
    """One page of `customers` (in `ordering`, which ends in a unique key), read from
    `rows`."""
    query, wanted = page_query(customers, ordering, wanted, anchors, rows)
    found = list(query)
    if wanted.before:
        if len(found) <= PAGE_SIZE:  # nothing before them any more: the first page
            return read_page(customers, ordering, PageRequest(), anchors, rows)
        found.reverse()
        return Page(found[1:], max(wanted.number, 2), True, True)
    if wanted.after:
        return Page(found[:PAGE_SIZE], max(wanted.number, 2), True, len(found) > PAGE_SIZE)
    return Page(found[:PAGE_SIZE], wanted.number, wanted.number > 1, len(found) > PAGE_SIZE)
