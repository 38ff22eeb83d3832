"""Course cards (疗程卡) on the pages: the block on the customer page, selling a card,
a card's page (history, use a session), transferring sessions to another customer, and
the call list of unused or soon-expiring sessions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.appointments.access import desk_stores
from revisit.core.access import (
    get_customer_or_404,
    get_wallet_account_or_404,
    visible_customers,
)
from revisit.core.clock import local_date
from revisit.core.models import Role
from revisit.outreach.course_calls import REASON, generate_course_card_calls
from revisit.outreach.models import ScheduledContact
from revisit.wallet.course_cards import (
    CONSUME_ROLES,
    SELL_ROLES,
    TRANSFER_ROLES,
    CourseCardError,
    card_history,
    consume_session,
    course_card_settings,
    course_cards,
    open_cards_of,
    sell_course_card,
    summarize,
    transfer_sessions,
)
from revisit.wallet.ledger import Reference, WalletError
from revisit.wallet.models import AccountKind, ReferenceType
from revisit.web.course_card_forms import CallSettingsForm, ConsumeForm, SellForm, TransferForm
from revisit.web.permissions import has_any, require_roles
from revisit.web.search import text_search

CALLS_ROLES = {Role.ADMIN, Role.REGION_SUPERVISOR, Role.STORE_MANAGER}
CALLS_RUN_ROLES = {Role.ADMIN}


def course_card_block(staff, customer) -> dict:
    """The customer page's course-card block: her cards with sessions left and expiry."""
    today = local_date(customer.organization)
    cards = [summarize(c, today) for c in course_cards(customer)]
    return {
        "course_cards": cards,
        "may_sell_course_card": has_any(staff, SELL_ROLES),
    }


def _card_or_404(request, pk: int):
    card = get_wallet_account_or_404(request.user, pk=pk, kind=AccountKind.COURSE_CARD)
    card.customer.organization = request.user.organization
    return card


@require_roles(SELL_ROLES)
def sell(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    org = request.user.organization
    form = SellForm(
        request.POST or None,
        organization=org,
        stores=desk_stores(request.user),
        initial={"store": customer.home_store_id},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            card = sell_course_card(
                customer,
                actor=request.user,
                sessions=d["sessions"],
                price=d["price"],
                expires_on=d["expires_on"],
                item=d["item"],
                item_category=d["item_category"],
                card_number=d["card_number"],
                store=d["store"],
            )
        except WalletError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Course card sold."))
            return redirect("course_card", card.pk)
    return render(request, "web/course_cards/sell.html", {"customer": customer, "form": form})


def card_detail(request, pk: int):
    card = _card_or_404(request, pk)
    today = local_date(request.user.organization)
    return render(
        request,
        "web/course_cards/card.html",
        {
            "card": card,
            "summary": summarize(card, today),
            "history": card_history(card, visible_customers(request.user)),
            "consume_form": ConsumeForm(),
            "may_consume": has_any(request.user, CONSUME_ROLES),
            "may_transfer": has_any(request.user, TRANSFER_ROLES),
        },
    )


@require_POST
def consume(request, pk: int):
    card = _card_or_404(request, pk)
    if not has_any(request.user, CONSUME_ROLES):
        raise Http404  # the card exists for her, the action does not
    form = ConsumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is longer than 200 characters."))
        return redirect("course_card", card.pk)
    try:
        consume_session(
            card.customer,
            actor=request.user,
            card=card,
            reference=Reference(ReferenceType.MANUAL),
            reason=form.cleaned_data["note"],
        )
    except WalletError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("One session used."))
    return redirect("course_card", card.pk)


def transfer(request, pk: int):
    card = _card_or_404(request, pk)
    if not has_any(request.user, TRANSFER_ROLES):
        raise Http404
    form = TransferForm(request.POST or None, initial={"sessions": int(card.balance) or 1})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        matches = list(
            text_search(visible_customers(request.user), d["customer"].strip()).exclude(
                pk=card.customer_id
            )[:2]
        )
        if len(matches) != 1:
            form.add_error(
                "customer",
                _("No customer matches this.")
                if not matches
                else _("Several customers match this; type the customer code."),
            )
        else:
            try:
                new_card, _out, _into = transfer_sessions(
                    card,
                    matches[0],
                    sessions=d["sessions"],
                    actor=request.user,
                    reason=d["reason"],
                )
            except CourseCardError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("%(n)s sessions transferred to %(name)s.")
                    % {"n": d["sessions"], "name": matches[0].name or matches[0].code},
                )
                return redirect("course_card", card.pk)
    today = local_date(request.user.organization)
    return render(
        request,
        "web/course_cards/transfer.html",
        {"card": card, "summary": summarize(card, today), "form": form},
    )


@require_roles(CALLS_ROLES)
def calls(request):
    org = request.user.organization
    settings = course_card_settings(org)
    may_run = has_any(request.user, CALLS_RUN_ROLES)
    form = CallSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST":
        if not may_run:
            raise Http404
        if form.is_valid():
            form.save()
            day = local_date(org)
            result = generate_course_card_calls(org, day=day, actor=request.user)
            messages.success(
                request,
                _(
                    "%(n)s customers with course-card sessions to call today "
                    "(%(expiring)s expiring, %(unused)s unused)."
                )
                % {"n": result.scheduled, "expiring": result.expiring, "unused": result.unused},
            )
            return redirect("course_card_calls")
    contacts = list(
        ScheduledContact.objects.filter(
            organization=org,
            reason=REASON,
            customer__in=visible_customers(request.user),
        )
        .select_related("customer")
        .order_by("-due_on", "customer__code")[:200]
    )
    cards = open_cards_of({c.customer_id for c in contacts}, local_date(org))
    for contact in contacts:
        contact.cards = cards.get(contact.customer_id, [])
    return render(
        request,
        "web/course_cards/calls.html",
        {"form": form, "contacts": contacts, "may_run": may_run},
    )
