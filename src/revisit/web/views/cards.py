"""The customer card from the pages: register (建档), edit, an admin's correction of how
she came, change of owner (with a reason), notes, tags and a contact logged from her page.
Each view finds the customer through the access helpers first (404 outside the scope),
then calls one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core.access import get_customer_or_404, visible_customers, visible_staff
from revisit.core.models import Role
from revisit.customers.cards import (
    CardError,
    DuplicateMobile,
    add_note,
    correct_acquisition,
    may_edit_cards,
    referrer_lookup,
    register_customer,
    set_tags,
    update_customer,
)
from revisit.outreach.assignments import AssignmentError, assignable_staff, reassign_owner
from revisit.outreach.followups import FollowUpError, record_followup
from revisit.web import permissions as perm
from revisit.web.card_forms import CardForm, CorrectionForm, NoteForm, OwnerForm, TagsForm
from revisit.web.forms import FollowUpForm


def _require_card_role(request):
    if not may_edit_cards(request.user):
        raise PermissionDenied


def _form_error(form, exc: CardError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _duplicate_context(request, exc: DuplicateMobile) -> dict:
    """The existing card, offered only to someone who may see it; anyone else learns only
    that a card exists."""
    visible = visible_customers(request.user).filter(pk=exc.existing.pk).exists()
    return {"duplicate": exc.existing if visible else None, "duplicate_hidden": not visible}


def customer_new(request):
    _require_card_role(request)
    visible = visible_customers(request.user)
    form = CardForm(request.POST or None, staff=request.user, visible=visible)
    context = {}
    if request.method == "POST" and form.is_valid():
        try:
            customer = register_customer(
                request.user.organization,
                actor=request.user,
                values=form.values(),
                owner=form.cleaned_data["owner"],
                tags=form.tag_names(),
            )
        except DuplicateMobile as exc:
            _form_error(form, exc)
            context = _duplicate_context(request, exc)
        except CardError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Card created."))
            return redirect("customer", pk=customer.pk)
    return render(request, "web/customers/card_form.html", {"form": form, "new": True, **context})


def customer_edit(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    _require_card_role(request)
    visible = visible_customers(request.user)
    form = CardForm(
        request.POST or None,
        staff=request.user,
        visible=visible,
        customer=customer,
        initial=CardForm.initial_for(customer),
    )
    context = {}
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_customer(customer, actor=request.user, values=form.values())
        except DuplicateMobile as exc:
            _form_error(form, exc)
            context = _duplicate_context(request, exc)
        except CardError as exc:
            _form_error(form, exc)
        else:
            if changed:
                messages.success(request, _("Card saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("customer", pk=customer.pk)
    return render(
        request,
        "web/customers/card_form.html",
        {"form": form, "customer": customer, "new": False, **context},
    )


@require_POST
def customer_correct(request, pk: int):
    """An administrator corrects the channel and the referrer, with a reason."""
    customer = get_customer_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, {Role.ADMIN}):
        raise PermissionDenied
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the correction."))
        return redirect("customer", pk=customer.pk)
    d = form.cleaned_data
    try:
        referrer = referrer_lookup(visible_customers(request.user), d["referrer"])
        correct_acquisition(
            customer,
            actor=request.user,
            channel=d["channel"],
            referrer=referrer,
            reason=d["reason"],
        )
    except CardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Correction recorded."))
    return redirect("customer", pk=customer.pk)


OWNER_ROLES = {Role.ADMIN, Role.STORE_MANAGER}


def owner_choices(staff):
    """Whom `staff` may make an owner: active consultants and callers she may look at."""
    owners = assignable_staff(staff.organization)
    if not staff.has_role(Role.ADMIN):
        owners = owners.filter(pk__in=visible_staff(staff).values("pk"))
    return owners


@require_POST
def customer_owner(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    if not perm.has_any(request.user, OWNER_ROLES):
        raise PermissionDenied
    form = OwnerForm(request.POST, owners=owner_choices(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose the new owner and give a reason."))
        return redirect("customer", pk=customer.pk)
    try:
        moved = reassign_owner(
            visible_customers(request.user).filter(pk=customer.pk),
            to=form.cleaned_data["owner"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AssignmentError as exc:
        messages.error(request, str(exc))
    else:
        if moved:
            messages.success(request, _("Owner changed."))
        else:
            messages.info(request, _("Nothing was changed."))
    # After handing her to someone outside her own scope, a manager may no longer see her.
    if visible_customers(request.user).filter(pk=customer.pk).exists():
        return redirect("customer", pk=customer.pk)
    return redirect("customers")


@require_POST
def customer_note(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            add_note(customer, actor=request.user, text=form.cleaned_data["text"])
        except CardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Note saved."))
    else:
        messages.error(request, form.errors["text"][0])
    return redirect(reverse("customer", args=[customer.pk]) + "#timeline")


@require_POST
def customer_tags(request, pk: int):
    customer = get_customer_or_404(request.user, pk=pk)
    _require_card_role(request)
    form = TagsForm(request.POST)
    if form.is_valid():
        try:
            set_tags(customer, actor=request.user, names=form.names())
        except CardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Tags saved."))
    else:
        messages.error(request, form.errors["tags"][0])
    return redirect("customer", pk=customer.pk)


@require_POST
def customer_contact(request, pk: int):
    """A contact logged from her page (a call, a message, a visit), without a call task."""
    customer = get_customer_or_404(request.user, pk=pk)
    form = FollowUpForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("customer", pk=customer.pk)
    d = form.cleaned_data
    try:
        record_followup(
            customer,
            actor=request.user,
            channel=d["channel"],
            outcome=d["outcome"],
            intent=d["intent"],
            decline_reason=d["decline_reason"],
            note=d["note"],
            appointment_at=d["appointment_at"],
            event_on=d["event_on"],
            next_campaign_on=d["next_campaign_on"],
            opt_out_channels=form.opted_out_channels(),
            satisfaction=d["satisfaction"],
            dissatisfaction_reason=d["dissatisfaction_reason"],
        )
    except FollowUpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Contact recorded."))
    return redirect(reverse("customer", args=[customer.pk]) + "#timeline")
