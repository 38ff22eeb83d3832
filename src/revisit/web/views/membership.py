"""The membership block's actions on the customer page: hand the formal card over (at
the store or by mail), cash back the points (每满 N 分返 M 元), and suspend, cancel or
reinstate the card."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core.access import get_customer_or_404
from revisit.customers.cards import CARD_ROLES
from revisit.wallet.ledger import WalletError
from revisit.wallet.membership import hand_over_card, set_membership_status
from revisit.wallet.points_models import CardHandover, MembershipCard, MembershipStatus
from revisit.wallet.redemption import redeem_cashback
from revisit.web import permissions as perm

MEMBERSHIP_ROLES = set(CARD_ROLES)


class HandoverForm(forms.Form):
    how = forms.ChoiceField(
        label=gettext_lazy("How"),
        choices=[
            (CardHandover.PICKED_UP, CardHandover.PICKED_UP.label),
            (CardHandover.MAILED, CardHandover.MAILED.label),
        ],
    )
    address = forms.CharField(label=gettext_lazy("Mailing address"), max_length=300, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("New status"),
        choices=[(s.value, s.label) for s in MembershipStatus],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def _back(customer) -> str:
    return reverse("customer", args=[customer.pk]) + "#membership"


def _customer(request, pk):
    customer = get_customer_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, MEMBERSHIP_ROLES):
        raise PermissionDenied
    return customer


def _card_action(request, customer, form, invalid: str, act, done: str):
    """Run one action on the customer's member card and say how it went."""
    card = MembershipCard.objects.filter(customer=customer).first()
    if card is None:
        messages.error(request, _("This customer has no member card."))
    elif not form.is_valid():
        messages.error(request, invalid)
    else:
        try:
            act(card, form.cleaned_data)
        except WalletError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, done)
    return redirect(_back(customer))


@require_POST
def handover(request, pk: int):
    return _card_action(
        request,
        _customer(request, pk),
        HandoverForm(request.POST),
        _("Choose how the card was handed over."),
        lambda card, data: hand_over_card(
            card, how=data["how"], address=data["address"], actor=request.user
        ),
        _("The card is recorded as handed over."),
    )


@require_POST
def change_status(request, pk: int):
    """Suspend, cancel or reinstate the customer's member card (store manager, admin)."""
    customer = get_customer_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, perm.MEMBERSHIP_STATUS_ROLES):
        raise PermissionDenied
    return _card_action(
        request,
        customer,
        StatusForm(request.POST),
        _("Choose the new status and give a reason (at most 200 characters)."),
        lambda card, data: set_membership_status(
            card, data["status"], reason=data["reason"], actor=request.user
        ),
        _("The member card's status is changed."),
    )


@require_POST
def cashback(request, pk: int):
    customer = _customer(request, pk)
    try:
        points, credit = redeem_cashback(customer, actor=request.user)
    except WalletError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(points)s points cashed back as ¥%(yuan)s of credit.")
            % {"points": -points.amount, "yuan": credit.amount},
        )
    return redirect(_back(customer))
