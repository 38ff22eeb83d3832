"""The wallet's pages: a customer's accounts of every kind with their entries (the panel on
the customer page), the cashier page (收银台: top-up, spend, refund, gift and family
cards) and the organization's top-up bonus rules."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments.desk import find_customers
from revisit.core.access import (
    get_customer_or_404,
    get_wallet_account_or_404,
    visible_wallet_accounts,
)
from revisit.core.clock import local_date
from revisit.customers.phones import mask_phone
from revisit.wallet import access
from revisit.wallet.amounts import check_amount
from revisit.wallet.gift_cards import (
    CARD_KINDS,
    issue_card,
    issue_preview,
    redeem_card,
    redeem_preview,
)
from revisit.wallet.ledger import WalletError
from revisit.wallet.models import Account, AccountKind, CardRedemption, Entry, EntryKind
from revisit.wallet.reads import account_row, entry_row, quantity
from revisit.wallet.stored_value import (
    REFUNDABLE_KINDS,
    SPENDABLE_KINDS,
    bonus_for,
    bonus_rules,
    refund,
    refund_preview,
    refundable,
    set_bonus_rules,
    spend,
    spend_preview,
    top_up,
)
from revisit.web.params import answers_bad_parameters, id_param, parse_page
from revisit.web.permissions import require_roles
from revisit.web.views.calendar import pick_store
from revisit.web.views.settings import _render, settings_page
from revisit.web.wallet_forms import (
    BonusRuleFormSet,
    IssueCardForm,
    RedeemCardForm,
    RefundForm,
    SpendForm,
    TopUpForm,
)

ENTRIES_PER_PAGE = 20
REFUND_CANDIDATES = 20


# --- the customer's wallet ---


def _accounts(staff, customer):
    return list(
        visible_wallet_accounts(staff)
        .filter(customer=customer)
        .select_related("item")
        .order_by("kind", "opened_at", "pk")
    )


def _entries_page(account, page: int):
    start = (page - 1) * ENTRIES_PER_PAGE
    entries = list(
        account.entries.select_related("actor", "redemption__redeemer").order_by(
            "-created_at", "-pk"
        )[start : start + ENTRIES_PER_PAGE + 1]
    )
    return {
        "account": account,
        "entries": [entry_row(e, account.kind) for e in entries[:ENTRIES_PER_PAGE]],
        "page": page,
        "has_next": len(entries) > ENTRIES_PER_PAGE,
    }


def customer_wallet(request, pk: int):
    """Every account of the customer, of every kind, each with its latest entries."""
    staff = request.user
    customer = get_customer_or_404(staff, pk=pk)
    today = local_date(staff.organization)
    rows = []
    for account in _accounts(staff, customer):
        row = account_row(account, today)
        row.update(_entries_page(account, 1))
        rows.append(row)
    redeemed = (
        CardRedemption.objects.filter(redeemer=customer, organization_id=staff.organization_id)
        .select_related("card", "entry")
        .order_by("-created_at")[:20]
    )
    context = {
        "customer": customer,
        "rows": rows,
        "redeemed": [
            {
                "at": r.created_at,
                "kind_label": r.card.get_kind_display(),
                "card_number": r.card.card_number,
                "amount": quantity(r.card.kind, -r.entry.amount),
            }
            for r in redeemed
        ],
        "may_cashier": access.may_work_the_till(staff),
    }
    template = "web/wallet/_panel.html" if request.htmx else "web/wallet/customer.html"
    return render(request, template, context)


@answers_bad_parameters
def account_entries(request, pk: int):
    """One account's entries, a page at a time (newest first)."""
    account = get_wallet_account_or_404(request.user, pk=pk)
    page = parse_page(request.GET.get("page"))
    context = {"row": account_row(account, local_date(request.user.organization))}
    context.update(_entries_page(account, page))
    template = "web/wallet/_entries.html" if request.htmx else "web/wallet/entries.html"
    return render(request, template, context)


# --- the cashier page ---


def _key(request, form) -> str:
    # Per staff member, so that two clients' keys never meet.
    return f"web:{request.user.pk}:{form.cleaned_data['key']}"


def _refund_candidates(customer):
    entries = (
        Entry.objects.filter(
            account__customer=customer,
            organization_id=customer.organization_id,
            kind__in=[EntryKind.TOPUP, EntryKind.SPEND],
            account__kind__in=REFUNDABLE_KINDS,
        )
        .select_related("account")
        .order_by("-created_at", "-pk")[:REFUND_CANDIDATES]
    )
    return [e for e in entries if refundable(e) > 0]


def _cashier_page(request, store, customer, *, bound=None, confirm=None, status=200):
    staff = request.user
    stores = access.cashier_stores(staff)
    query = request.GET.get("q", "").strip()[:40]
    found = None
    if query:
        scope = access.cashier_customers(staff)
        found = list(find_customers(scope, query)) or list(scope.filter(Q(name=query))[:20])
        for c in found:
            c.phone = mask_phone(c.mobile)
    context = {
        "store": store,
        "stores": stores.order_by("code"),
        "extra": f"&customer={customer.pk}" if customer else "",
        "query": query,
        "found": found,
        "customer": customer,
        "rules": bonus_rules(staff.organization),
    }
    if customer is not None:
        today = local_date(staff.organization)
        accounts = _accounts(staff, customer)
        spendable = [a for a in accounts if a.kind in SPENDABLE_KINDS and a.balance > 0]
        forms = {
            "topup": TopUpForm(),
            "spend": SpendForm(accounts=spendable),
            "refund": RefundForm(entries=_refund_candidates(customer)),
            "issue": IssueCardForm(),
            "redeem": RedeemCardForm(),
        }
        if bound:
            name, form = bound
            forms[name] = form
        customer.phone = mask_phone(customer.mobile)
        context.update(
            {
                "accounts": [account_row(a, today) for a in accounts],
                "forms": forms,
                "open_form": bound[0] if bound else "",
                "confirm": confirm,
            }
        )
    return render(request, "web/wallet/cashier.html", context, status=status)


@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier(request):
    store = pick_store(request, access.cashier_stores(request.user))
    customer = None
    raw = request.GET.get("customer")
    if raw:
        customer = access.get_cashier_customer_or_404(request.user, pk=id_param(raw))
    return _cashier_page(request, store, customer)


def _till(request):
    """The store and the customer a cashier form names (404 outside the scope)."""
    store = pick_store(request, access.cashier_stores(request.user))
    customer = access.get_cashier_customer_or_404(
        request.user, pk=id_param(request.POST.get("customer"))
    )
    return store, customer


def _done(request, store, customer, text: str, replayed: bool):
    if replayed:
        text = (
            _("Already recorded (the form was sent twice; nothing was posted again).") + " " + text
        )
    messages.success(request, text)
    return redirect(f"{reverse('cashier')}?store={store.pk}&customer={customer.pk}")


def _money(value) -> str:
    return f"{value:,.2f}"


def _act(request, store, customer, name: str, form, preview, act):
    """The cashier forms' one flow: an invalid form comes back with what was typed (400);
    a valid one first shows what will happen and the balance after (`preview`, posting
    nothing), and posts (`act`) only when that confirmation is sent back."""
    if not form.is_valid():
        return _cashier_page(request, store, customer, bound=(name, form), status=400)
    try:
        if request.POST.get("confirmed") != "1":
            lines = preview(form.cleaned_data)
            hidden = [
                (field, request.POST.get(field, ""))
                for field in ("store", "customer", *form.fields)
                if field in request.POST
            ]
            confirm = {"action": request.path, "lines": lines, "hidden": hidden}
            return _cashier_page(request, store, customer, bound=(name, form), confirm=confirm)
        text, replayed = act(form.cleaned_data)
    except WalletError as exc:
        form.add_error(None, str(exc.message))
        return _cashier_page(request, store, customer, bound=(name, form), status=400)
    return _done(request, store, customer, text, replayed)


def _stored_value_balance(customer) -> Decimal:
    account = customer.wallet_accounts.filter(kind=AccountKind.STORED_VALUE).first()
    return account.balance if account else Decimal("0.00")


@require_POST
@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier_topup(request):
    store, customer = _till(request)

    def preview(data):
        amount = check_amount(data["amount"])
        bonus = bonus_for(customer.organization, amount)
        after = _stored_value_balance(customer) + amount + bonus
        lines = [
            _("Top up %(amount)s yuan for %(name)s.") % {"amount": _money(amount), "name": customer}
        ]
        if bonus:
            lines.append(
                _("Bonus %(bonus)s yuan, posted as its own entry.") % {"bonus": _money(bonus)}
            )
        lines.append(
            _("Stored value balance after: %(balance)s yuan.") % {"balance": _money(after)}
        )
        return lines

    def act(data):
        done = top_up(
            customer,
            data["amount"],
            actor=request.user,
            store=store,
            reason=data["reason"],
            idempotency_key=_key(request, form),
        )
        text = _("Topped up %(amount)s yuan") % {"amount": _money(done.entry.amount)}
        if done.bonus is not None:
            text += _(", bonus %(bonus)s yuan") % {"bonus": _money(done.bonus.amount)}
        text += _("; stored value balance %(balance)s yuan.") % {"balance": _money(done.balance)}
        return text, done.replayed

    form = TopUpForm(request.POST)
    return _act(request, store, customer, "topup", form, preview, act)


@require_POST
@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier_spend(request):
    store, customer = _till(request)
    accounts = [a for a in _accounts(request.user, customer) if a.kind in SPENDABLE_KINDS]
    form = SpendForm(request.POST, accounts=accounts)

    def account_of(data):
        return access.get_cashier_account_or_404(
            request.user, pk=data["account"], customer=customer
        )

    def preview(data):
        account = account_of(data)
        after = spend_preview(account, data["amount"])
        return [
            _("Spend %(amount)s yuan from %(kind)s.")
            % {"amount": _money(data["amount"]), "kind": account.get_kind_display()},
            _("Balance after: %(balance)s yuan.") % {"balance": _money(after)},
        ]

    def act(data):
        account = account_of(data)
        done = spend(
            account,
            data["amount"],
            actor=request.user,
            reason=data["reason"],
            idempotency_key=_key(request, form),
        )
        text = _("Spent %(amount)s yuan; %(kind)s balance %(balance)s yuan.") % {
            "amount": _money(-done.entry.amount),
            "kind": account.get_kind_display(),
            "balance": _money(done.balance),
        }
        return text, done.replayed

    return _act(request, store, customer, "spend", form, preview, act)


@require_POST
@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier_refund(request):
    store, customer = _till(request)
    entries = list(
        Entry.objects.filter(
            account__customer=customer,
            organization_id=customer.organization_id,
            kind__in=[EntryKind.TOPUP, EntryKind.SPEND],
            account__kind__in=REFUNDABLE_KINDS,
        ).order_by("-created_at", "-pk")[:500]
    )
    form = RefundForm(request.POST, entries=entries)

    def entry_of(data):
        return access.get_cashier_entry_or_404(
            request.user, pk=data["entry"], account__customer=customer
        )

    def preview(data):
        entry = entry_of(data)
        amount, take = refund_preview(entry, data["amount"])
        balance = Account.objects.get(pk=entry.account_id).balance
        after = balance - take - amount if entry.kind == EntryKind.TOPUP else balance + amount
        lines = [
            _("Refund %(amount)s yuan of the %(kind)s of %(day)s.")
            % {
                "amount": _money(amount),
                "kind": entry.get_kind_display(),
                "day": f"{entry.created_at:%Y-%m-%d}",
            }
        ]
        if take:
            lines.append(
                _("Its bonus is taken back first: %(bonus)s yuan.") % {"bonus": _money(take)}
            )
        lines.append(_("Balance after: %(balance)s yuan.") % {"balance": _money(after)})
        return lines

    def act(data):
        done = refund(
            entry_of(data),
            data["amount"],
            actor=request.user,
            reason=data["reason"],
            idempotency_key=_key(request, form),
        )
        text = _("Refunded %(amount)s yuan") % {"amount": _money(abs(done.entry.amount))}
        if done.bonus_taken_back is not None:
            text += _(" (bonus taken back: %(bonus)s yuan)") % {
                "bonus": _money(-done.bonus_taken_back.amount)
            }
        text += _("; balance %(balance)s yuan.") % {"balance": _money(done.balance)}
        return text, done.replayed

    return _act(request, store, customer, "refund", form, preview, act)


@require_POST
@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier_issue_card(request):
    store, customer = _till(request)
    form = IssueCardForm(request.POST)

    def preview(data):
        value, _number, holder_may_redeem = issue_preview(
            customer,
            kind=data["kind"],
            value=data["value"],
            expires_on=data["expires_on"],
            card_number=data["card_number"],
        )
        lines = [
            _("Issue a %(kind)s of %(value)s yuan to %(name)s, valid until %(day)s.")
            % {
                "kind": AccountKind(data["kind"]).label,
                "value": _money(value),
                "name": customer,
                "day": data["expires_on"].isoformat(),
            }
        ]
        if not holder_may_redeem:
            lines.append(_("Its holder cannot use it herself: she gives it to another person."))
        return lines

    def act(data):
        key = _key(request, form)
        replayed = Entry.objects.filter(
            organization_id=customer.organization_id, idempotency_key=key
        ).exists()
        card = issue_card(
            customer,
            kind=data["kind"],
            value=data["value"],
            expires_on=data["expires_on"],
            card_number=data["card_number"],
            actor=request.user,
            store=store,
            reason=data["reason"],
            idempotency_key=key,
        )
        text = _("%(kind)s %(number)s issued: %(value)s yuan, valid until %(day)s.") % {
            "kind": card.get_kind_display(),
            "number": card.card_number,
            "value": _money(data["value"]),
            "day": card.expires_on.isoformat(),
        }
        return text, replayed

    return _act(request, store, customer, "issue", form, preview, act)


@require_POST
@require_roles(access.CASHIER_ROLES)
@answers_bad_parameters
def cashier_redeem_card(request):
    store, customer = _till(request)
    form = RedeemCardForm(request.POST)

    def card_of(data):
        card = (
            visible_wallet_accounts(request.user)
            .filter(card_number=data["card_number"].strip(), kind__in=CARD_KINDS)
            .select_related("customer")
            .first()
        )
        if card is None:
            raise WalletError(_("No gift or family card with this number."))
        return card

    def preview(data):
        card = card_of(data)
        amount, after = redeem_preview(card, customer, data["amount"])
        return [
            _("%(name)s uses %(amount)s yuan of %(kind)s %(number)s (holder: %(holder)s).")
            % {
                "name": customer,
                "amount": _money(amount),
                "kind": card.get_kind_display(),
                "number": card.card_number,
                "holder": card.customer,
            },
            _("Left on the card after: %(balance)s yuan.") % {"balance": _money(after)},
        ]

    def act(data):
        card = card_of(data)
        done = redeem_card(
            card,
            customer,
            data["amount"],
            actor=request.user,
            reason=data["reason"],
            idempotency_key=_key(request, form),
        )
        text = _("%(name)s used %(amount)s yuan of %(kind)s %(number)s; %(balance)s yuan left.") % {
            "name": customer.name or customer.code,
            "amount": _money(-done.entry.amount),
            "kind": card.get_kind_display(),
            "number": card.card_number,
            "balance": _money(done.balance),
        }
        return text, done.replayed

    return _act(request, store, customer, "redeem", form, preview, act)


# --- settings: the top-up bonus rules ---


@settings_page
def bonus_rules_settings(request):
    org = request.user.organization
    rules = bonus_rules(org)
    formset = BonusRuleFormSet(
        request.POST or None,
        initial=[{"threshold": r.threshold, "bonus": r.bonus} for r in rules],
        prefix="rules",
    )
    if request.method == "POST" and formset.is_valid():
        pairs = [
            (f.cleaned_data["threshold"], f.cleaned_data["bonus"])
            for f in formset.forms
            if f.cleaned_data.get("threshold") is not None
        ]
        try:
            changed = set_bonus_rules(org, pairs, actor=request.user)
        except WalletError as exc:
            formset._non_form_errors = formset.error_class([str(exc.message)])
        else:
            if changed:
                messages.success(request, _("Saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("settings_wallet")
    return _render(
        request,
        "web/wallet/settings.html",
        _("Top-up bonus"),
        "settings_wallet",
        formset=formset,
        rules=rules,
    )
