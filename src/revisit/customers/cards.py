"""The customer card (建档): register a customer, edit the card, correct how she came to
us, write a note, set her tags. Every change keeps the card's field history (who, when,
before → after) and one audit event.

Pages and the API resolve the objects a card points to (store, owner, referrer,
psychology type) through the access helpers first; these services check what the scope
cannot: the same organization, a store and an owner the actor may choose, the channel lock,
a mobile number no other card has."""

import contextlib
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.access import may_see_health
from revisit.core.audit import record_event
from revisit.core.clock import local_date
from revisit.core.models import Organization, Role, Staff, Store
from revisit.customers.emails import normalize_email, normalize_openid
from revisit.customers.models import (
    Channel,
    Customer,
    CustomerChange,
    CustomerNote,
    Gender,
    MaritalStatus,
    Occupation,
    PsychologyType,
    RiskFlag,
    Satisfaction,
    Tag,
)
from revisit.customers.phones import normalize_phone

# Who registers and edits cards: the front desk, consultants, store managers, the admin.
CARD_ROLES = [Role.ADMIN, Role.STORE_MANAGER, Role.CONSULTANT, Role.FRONT_DESK]
# Roles that choose any owner of their store (a consultant alone owns what she registers).
CARD_MANAGER_ROLES = [Role.ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK]
HEALTH_FIELDS = ("health_notes", "allergies", "medical_history")
# How she came to us: set once, then changed only by an administrator's correction.
LOCKED_FIELDS = ("channel", "referrer")
TEXT_LIMITS = {
    "name": 100,
    "wechat_id": 64,
    "address": 200,
    "occupation": 64,
    "care_focus": 2000,
    "potential_needs": 2000,
    "health_notes": 2000,
    "allergies": 2000,
    "medical_history": 2000,
}
CHOICES = {
    "gender": Gender.values,
    "marital_status": MaritalStatus.values,
    "channel": ["", *Channel.values],
    "satisfaction": Satisfaction.values,
    "occupation_group": Occupation.values,
}
# The card's fields an edit may change (the owner changes with a reason, see
# revisit.outreach.assignments.reassign_owner; tags through set_tags).
CARD_FIELDS = [
    "name",
    "gender",
    "birthday",
    "birthday_is_lunar",
    "mobile",
    "mobile2",
    "wechat_id",
    "email",
    "wechat_openid",
    "address",
    "occupation",
    "occupation_group",
    "marital_status",
    "wedding_anniversary",
    "channel",
    "referrer",
    "first_visit",
    "home_store",
    "care_focus",
    "satisfaction",
    "potential_needs",
    "psychology_type",
    "risk_flags",
    *HEALTH_FIELDS,
]
EARLIEST_DAY = date(1900, 1, 1)
# NUL cannot be stored by PostgreSQL; the others are never typed by a person.
CONTROL_CHARACTERS = {chr(c) for c in range(32) if chr(c) not in "\n\r\t"}
MAX_TAGS = 20
TAG_LIMIT = 50
NOTE_LIMIT = 2000
REASON_LIMIT = 200


class CardError(ValueError):
    """A card the services refuse; the message is for the user, `field` names the input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class DuplicateMobile(CardError):
    """Another card of the organization has this mobile number. Show `existing` only to
    someone who may see it; to anyone else, only that it exists."""

    def __init__(self, message: str, existing: Customer):
        super().__init__(message, "mobile")
        self.existing = existing


def may_edit_cards(staff: Staff) -> bool:
    return staff.is_authenticated and staff.is_active and staff.has_role(*CARD_ROLES)


def card_stores(staff: Staff):
    """The stores `staff` may register customers into (home store of a card)."""
    stores = Store.objects.filter(organization_id=staff.organization_id)
    if staff.has_role(Role.ADMIN):
        return stores
    ids = [a.store_id for a in staff.role_assignments.all() if a.role in CARD_ROLES]
    return stores.filter(pk__in=ids)


def card_owners(staff: Staff):
    """The consultants `staff` may make a card's owner: those of her stores; a consultant
    without a managing role only herself (she must keep seeing what she registers)."""
    active = Staff.objects.filter(organization_id=staff.organization_id, is_active=True)
    if not staff.has_role(*CARD_MANAGER_ROLES):
        return active.filter(pk=staff.pk)
    consultants = active.filter(role_assignments__role=Role.CONSULTANT)
    if not staff.has_role(Role.ADMIN):
        consultants = consultants.filter(role_assignments__store__in=card_stores(staff))
    return consultants.distinct().order_by("display_name", "username")


def find_duplicate(organization_id: int, mobile: str, exclude_pk=None) -> Customer | None:
    """The card of the organization that already has `mobile` (E.164), if any."""
    if not mobile:
        return None
    found = Customer.objects.filter(organization_id=organization_id, mobile=mobile)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.order_by("pk").first()


def _require_card_role(actor: Staff, organization_id: int) -> None:
    if actor.organization_id != organization_id or not may_edit_cards(actor):
        raise PermissionDenied


def _clean(actor: Staff, values: dict, *, customer: Customer | None, today: date) -> dict:
    """Check and normalize `values` (only the fields given); raises CardError."""
    org_id = actor.organization_id
    clean = {}
    for field, value in values.items():
        if field not in CARD_FIELDS:
            raise CardError(_("Unknown field: %(field)s") % {"field": field}, field)
        if field in TEXT_LIMITS:
            value = (value or "").strip()
            if len(value) > TEXT_LIMITS[field]:
                raise CardError(_("At most %(n)d characters.") % {"n": TEXT_LIMITS[field]}, field)
        elif field in CHOICES:
            value = value or ""
            if value not in CHOICES[field]:
                raise CardError(_("Choose one of the listed values."), field)
        elif field in ("mobile", "mobile2"):
            value = (value or "").strip()
            if value:
                try:
                    value = normalize_phone(value)
                except ValueError:
                    raise CardError(_("Not a valid phone number."), field) from None
        elif field == "email":
            try:
                value = normalize_email(value)
            except ValueError:
                raise CardError(_("Not a valid email address."), field) from None
        elif field == "wechat_openid":
            try:
                value = normalize_openid(value)
            except ValueError:
                raise CardError(
                    _("Not a WeChat recipient id (6 to 64 letters, digits, - or _)."), field
                ) from None
        elif field in ("birthday", "first_visit", "wedding_anniversary"):
            if value is not None and not (EARLIEST_DAY <= value <= today):
                raise CardError(_("Enter a date between 1900 and today."), field)
        elif field == "birthday_is_lunar":
            value = bool(value)
        elif field == "risk_flags":
            value = sorted(set(value or []))
            if any(flag not in RiskFlag.values for flag in value):
                raise CardError(_("Choose one of the listed values."), field)
        elif field == "home_store":
            unchanged = (
                customer is not None and value is not None and (value.pk == customer.home_store_id)
            )
            if (
                value is not None
                and not unchanged
                and not card_stores(actor).filter(pk=value.pk).exists()
            ):
                raise CardError(_("Choose one of your stores."), field)
        elif field == "referrer":
            if value is not None and (
                value.organization_id != org_id or (customer and value.pk == customer.pk)
            ):
                raise CardError(_("Choose another customer as the referrer."), field)
        elif field == "psychology_type" and value is not None and value.organization_id != org_id:
            raise CardError(_("Choose one of the listed values."), field)
        if isinstance(value, str) and any(c in value for c in CONTROL_CHARACTERS):
            raise CardError(_("Remove the control characters from the text."), field)
        clean[field] = value
    return clean


def _text(value) -> str:
    """A field value as the history keeps it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Customer):
        return value.code  # a referrer: her name stays on her own card
    return str(value)


def log_changes(
    customer_id: int,
    organization_id: int,
    *,
    actor: Staff | None,
    changes: dict[str, tuple],
    kind: str = CustomerChange.Kind.EDIT,
    reason: str = "",
    now=None,
) -> None:
    """Keep one history row per changed field ({field: (before, after)})."""
    now = now or timezone.now()
    CustomerChange.objects.bulk_create(
        [
            CustomerChange(
                organization_id=organization_id,
                customer_id=customer_id,
                actor=actor,
                changed_at=now,
                kind=kind,
                field=field,
                before=_text(before),
                after=_text(after),
                reason=reason,
            )
            for field, (before, after) in changes.items()
        ]
    )


def _next_code(organization: Organization, today: date) -> str:
    prefix = f"K{today:%y%m%d}-"
    taken = set(
        Customer.objects.filter(organization=organization, code__startswith=prefix).values_list(
            "code", flat=True
        )
    )
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def register_customer(
    organization: Organization,
    *,
    actor: Staff,
    values: dict,
    owner: Staff | None = None,
    tags: list[str] = (),
    now=None,
) -> Customer:
    """Create a customer's card (建档). Needs a name and a mobile number no other card of
    the organization has (DuplicateMobile names that card). The actor may write health
    data here even when she may not read it back."""
    _require_card_role(actor, organization.pk)
    now = now or timezone.now()
    today = local_date(organization, now)
    clean = _clean(actor, values, customer=None, today=today)
    if not clean.get("name"):
        raise CardError(_("Enter the customer's name."), "name")
    if not clean.get("mobile"):
        raise CardError(_("Enter a mobile number."), "mobile")
    allowed_owners = card_owners(actor)
    if owner is None and not actor.has_role(*CARD_MANAGER_ROLES):
        owner = actor  # a consultant owns the cards she registers
    if owner is not None and not allowed_owners.filter(pk=owner.pk).exists():
        raise CardError(_("Choose a consultant of your store."), "owner")
    if clean.get("home_store") is None:
        stores = list(card_stores(actor)[:2])
        if len(stores) != 1:
            raise CardError(_("Choose the home store."), "home_store")
        clean["home_store"] = stores[0]
    tag_names = _clean_tags(tags)
    with transaction.atomic():
        customer = _create_card(
            organization,
            actor=actor,
            today=today,
            via="card",
            owner=owner,
            first_visit=clean.pop("first_visit", None) or today,
            **clean,
        )
        if tag_names:
            customer.tags.set(_tags(organization, tag_names))
    return customer


def _create_card(organization: Organization, *, actor: Staff, today: date, via: str, **fields):
    """Create the card (a new code, audited), unless its mobile is on a card already."""
    with transaction.atomic():
        # One registration at a time per organization: two desks typing the same number
        # at once must not both create a card.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        existing = find_duplicate(organization.pk, fields["mobile"])
        if existing is not None:
            raise DuplicateMobile(_("A card with this mobile number exists already."), existing)
        customer = Customer.objects.create(
            organization=organization,
            code=_next_code(organization, today),
            created_by=actor,
            **fields,
        )
        record_event(
            organization, actor=actor, action="customer.register", target=customer, via=via
        )
    return customer


def register_referred_card(
    organization: Organization,
    *,
    actor: Staff,
    name: str,
    mobile: str,
    referrer: Customer,
    home_store,
    wechat_id: str = "",
    now=None,
) -> Customer:
    """The card of a person an existing customer recommended, made when any
    customer-facing role registers her as a referral (she has not come yet: no first
    visit). Channel referral, the referrer set; owned by the registering consultant, else
    by the referrer's owner. Raises DuplicateMobile like `register_customer`."""
    if actor.organization_id != organization.pk or referrer.organization_id != organization.pk:
        raise PermissionDenied
    now = now or timezone.now()
    today = local_date(organization, now)
    clean = _clean(
        actor, {"name": name, "mobile": mobile, "wechat_id": wechat_id}, customer=None, today=today
    )
    return _create_card(
        organization,
        actor=actor,
        today=today,
        via="referral",
        owner=actor if actor.has_role(Role.CONSULTANT) else referrer.owner,
        home_store=home_store,
        channel=Channel.REFERRAL,
        referrer=referrer,
        **clean,
    )


def update_customer(customer: Customer, *, actor: Staff, values: dict, now=None) -> dict:
    """Change fields of the card. The channel and the referrer, once set, are refused here
    (see correct_acquisition); health data only by a role that may read it. Returns the
    {field: (before, after)} that changed (empty: nothing saved)."""
    _require_card_role(actor, customer.organization_id)
    now = now or timezone.now()
    today = local_date(customer.organization, now)
    clean = _clean(actor, values, customer=customer, today=today)
    with transaction.atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        changes = {}
        for field, value in clean.items():
            before = getattr(row, field)
            if before != value:
                changes[field] = (before, value)
        for field in LOCKED_FIELDS:
            if field in changes and changes[field][0] not in (None, ""):
                raise CardError(
                    _(
                        "How she came to us, once set, changes only through an "
                        "administrator's correction."
                    ),
                    field,
                )
        if any(f in changes for f in HEALTH_FIELDS) and not may_see_health(actor):
            raise PermissionDenied
        if "mobile" in changes:
            if not clean["mobile"]:
                raise CardError(_("Enter a mobile number."), "mobile")
            existing = find_duplicate(row.organization_id, clean["mobile"], exclude_pk=row.pk)
            if existing is not None:
                raise DuplicateMobile(_("A card with this mobile number exists already."), existing)
        if not changes:
            return {}
        for field, (_before, after) in changes.items():
            setattr(row, field, after)
        row.save(update_fields=[*changes, "updated_at"])
        log_changes(row.pk, row.organization_id, actor=actor, changes=changes, now=now)
        record_event(
            row.organization,
            actor=actor,
            action="customer.edit",
            target=row,
            fields=sorted(changes),
        )
    return changes


def correct_acquisition(
    customer: Customer,
    *,
    actor: Staff,
    channel: str,
    referrer: Customer | None,
    reason: str,
    now=None,
) -> dict:
    """An administrator corrects how the customer came to us (channel, referrer), with a
    reason; audited with before and after."""
    if actor.organization_id != customer.organization_id or not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise CardError(_("Give a reason for the correction."), "reason")
    if len(reason) > REASON_LIMIT:
        raise CardError(_("At most %(n)d characters.") % {"n": REASON_LIMIT}, "reason")
    now = now or timezone.now()
    clean = _clean(
        actor,
        {"channel": channel, "referrer": referrer},
        customer=customer,
        today=local_date(customer.organization, now),
    )
    with transaction.atomic():
        row = Customer.objects.select_for_update().get(pk=customer.pk)
        changes = {f: (getattr(row, f), v) for f, v in clean.items() if getattr(row, f) != v}
        if not changes:
            return {}
        for field, (_before, after) in changes.items():
            setattr(row, field, after)
        row.save(update_fields=[*changes, "updated_at"])
        log_changes(
            row.pk,
            row.organization_id,
            actor=actor,
            changes=changes,
            kind=CustomerChange.Kind.CORRECTION,
            reason=reason,
            now=now,
        )
        record_event(
            row.organization,
            actor=actor,
            action="customer.correct_acquisition",
            target=row,
            reason=reason,
            before={f: _text(b) for f, (b, _a) in changes.items()},
            after={f: _text(a) for f, (_b, a) in changes.items()},
        )
    return changes


def _clean_tags(names) -> list[str]:
    clean = []
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        if any(c in name for c in CONTROL_CHARACTERS):
            raise CardError(_("Remove the control characters from the text."), "tags")
        if len(name) > TAG_LIMIT:
            raise CardError(_("A tag has at most %(n)d characters.") % {"n": TAG_LIMIT}, "tags")
        if name not in clean:
            clean.append(name)
    if len(clean) > MAX_TAGS:
        raise CardError(_("At most %(n)d tags.") % {"n": MAX_TAGS}, "tags")
    return clean


def _tags(organization: Organization, names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(organization=organization, name__in=names)}
    missing = [Tag(organization=organization, name=n) for n in names if n not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    return list(Tag.objects.filter(organization=organization, name__in=names))


def set_tags(customer: Customer, *, actor: Staff, names, now=None) -> bool:
    """Give the customer exactly the tags `names` (new names become the organization's
    tags). Returns whether anything changed."""
    _require_card_role(actor, customer.organization_id)
    wanted = _clean_tags(names)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        before = sorted(customer.tags.values_list("name", flat=True))
        if before == sorted(wanted):
            return False
        customer.tags.set(_tags(customer.organization, wanted))
        log_changes(
            customer.pk,
            customer.organization_id,
            actor=actor,
            changes={"tags": (before, sorted(wanted))},
            kind=CustomerChange.Kind.TAGS,
            now=now,
        )
        record_event(customer.organization, actor=actor, action="customer.tags", target=customer)
    return True


def add_note(customer: Customer, *, actor: Staff, text: str, now=None) -> CustomerNote:
    """Write a note on the customer's page: anyone who may see her may."""
    if actor.organization_id != customer.organization_id:
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise CardError(_("Write the note first."), "text")
    if any(c in text for c in CONTROL_CHARACTERS):
        raise CardError(_("Remove the control characters from the text."), "text")
    if len(text) > NOTE_LIMIT:
        raise CardError(_("At most %(n)d characters.") % {"n": NOTE_LIMIT}, "text")
    with transaction.atomic():
        note = CustomerNote.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            author=actor,
            text=text,
            created_at=now or timezone.now(),
        )
        record_event(customer.organization, actor=actor, action="customer.note", target=customer)
    return note


def referrer_lookup(visible, text: str) -> Customer | None:
    """The referrer named by code or mobile among `visible` customers (None: empty text);
    raises CardError when nobody matches."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 64:
        raise CardError(_("No customer you can see has this code or number."), "referrer")
    lookup = Q(code=text)
    with contextlib.suppress(ValueError):
        lookup |= Q(mobile=normalize_phone(text))
    found = visible.filter(lookup).order_by("pk").first()
    if found is None:
        raise CardError(_("No customer you can see has this code or number."), "referrer")
    return found


__all__ = [
    "CARD_FIELDS",
    "CardError",
    "DuplicateMobile",
    "PsychologyType",
    "add_note",
    "card_owners",
    "card_stores",
    "correct_acquisition",
    "log_changes",
    "may_edit_cards",
    "register_customer",
    "set_tags",
    "update_customer",
]
