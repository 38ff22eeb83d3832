"""The organization's people, managed by its admin without a superuser: accounts, roles,
one-time passwords, deactivation. Store managers and supervisors read their part.
And every person's own password change."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from revisit.core import staff as services
from revisit.core.access import get_staff_or_404, visible_staff
from revisit.core.models import Role
from revisit.outreach.configure import set_staff_duty
from revisit.outreach.models import StaffDuty
from revisit.web import permissions as perm
from revisit.web.forms import StaffDutyForm


class PlaceForm(forms.Form):
    """A role and where it applies (a store, a region, or the whole organization)."""

    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    store = forms.ModelChoiceField(
        label=gettext_lazy("Store"), queryset=None, required=False, empty_label="—"
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"), queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = organization.stores.order_by("code")
        self.fields["region"].queryset = organization.regions.order_by("code")


class NewStaffForm(PlaceForm):
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=100)
    daily_call_quota = forms.IntegerField(
        label=gettext_lazy("Daily call quota"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("Empty: the default for the role."),
    )
    field_order = ["username", "display_name", "role", "store", "region", "daily_call_quota"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


@perm.require_roles(perm.STAFF_VIEW_ROLES)
def staff_list(request):
    people = (
        visible_staff(request.user)
        .prefetch_related("role_assignments__store", "role_assignments__region")
        .order_by("-is_active", "display_name", "username")
    )
    return render(
        request,
        "web/staff/list.html",
        {"people": people, "may_edit": perm.has_any(request.user, perm.STAFF_EDIT_ROLES)},
    )


@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_new(request):
    org = request.user.organization
    form = NewStaffForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person, password = services.create_staff(
                actor=request.user,
                username=d["username"],
                display_name=d["display_name"],
                role=d["role"],
                store=d["store"],
                region=d["region"],
                daily_call_quota=d["daily_call_quota"],
            )
        except services.StaffError as exc:
            form.add_error(None, str(exc))
        else:
            # Shown on this response only: the password is not stored anywhere readable.
            return render(
                request, "web/staff/password.html", {"person": person, "password": password}
            )
    return render(request, "web/staff/new.html", {"form": form})


@perm.require_roles(perm.STAFF_VIEW_ROLES)
def staff_detail(request, pk: int):
    person = get_staff_or_404(request.user, pk=pk)
    org = request.user.organization
    duty = StaffDuty.objects.filter(staff=person).select_related("assists").first() or StaffDuty(
        staff=person
    )
    return render(
        request,
        "web/staff/detail.html",
        {
            "person": person,
            "assignments": person.role_assignments.select_related("store", "region"),
            "may_edit": perm.has_any(request.user, perm.STAFF_EDIT_ROLES),
            "role_form": PlaceForm(organization=org, prefix="role"),
            "reason_form": ReasonForm(),
            "duty": duty,
            "duty_form": StaffDutyForm(
                person=person,
                initial={"assists": duty.assists_id, "on_call_team": duty.on_call_team},
            ),
        },
    )


@require_POST
@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_duty(request, pk: int):
    """Whose assistant the person is, and whether she is on the call team."""
    person = get_staff_or_404(request.user, pk=pk)
    form = StaffDutyForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, _("Choose a consultant of your organization."))
        return redirect("staff_detail", pk=person.pk)
    try:
        diff = set_staff_duty(
            person,
            assists=form.cleaned_data["assists"],
            on_call_team=form.cleaned_data["on_call_team"],
            actor=request.user,
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved.") if diff else _("Nothing was changed."))
    return redirect("staff_detail", pk=person.pk)


@require_POST
@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_reset_password(request, pk: int):
    person = get_staff_or_404(request.user, pk=pk)
    password = services.reset_password(person, actor=request.user)
    return render(request, "web/staff/password.html", {"person": person, "password": password})


@require_POST
@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_set_active(request, pk: int):
    person = get_staff_or_404(request.user, pk=pk)
    form = ReasonForm(request.POST)
    active = request.POST.get("active") == "1"
    try:
        if not form.is_valid():
            raise services.StaffError(_("Give a reason."))
        services.set_active(
            person, actor=request.user, active=active, reason=form.cleaned_data["reason"]
        )
    except services.StaffError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Account enabled.") if active else _("Account disabled."))
    return redirect("staff_detail", pk=person.pk)


@require_POST
@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_add_role(request, pk: int):
    person = get_staff_or_404(request.user, pk=pk)
    form = PlaceForm(request.POST, organization=request.user.organization, prefix="role")
    try:
        if not form.is_valid():
            raise services.StaffError(_("Choose a role and where it applies."))
        services.add_role(person, actor=request.user, **form.cleaned_data)
    except services.StaffError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role added."))
    return redirect("staff_detail", pk=person.pk)


@require_POST
@perm.require_roles(perm.STAFF_EDIT_ROLES)
def staff_remove_role(request, pk: int, assignment: int):
    person = get_staff_or_404(request.user, pk=pk)
    found = person.role_assignments.filter(pk=assignment).first()
    if found is None:
        messages.error(request, _("That role is not held any more."))
    else:
        try:
            services.remove_role(found, actor=request.user)
        except services.StaffError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Role removed."))
    return redirect("staff_detail", pk=person.pk)


def password_change(request):
    """Anyone signed in changes her own password (and must, after a one-time password)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.password_changed(user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
    )


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """The reset link from the email: the new password is her own, so no one-time
    password is left to change."""

    template_name = "web/password_reset/confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(form.user)
        return response


def mail_configured() -> bool:
    return bool(settings.EMAIL_HOST)


class PasswordReset(auth_views.PasswordResetView):
    """Ask for a reset link by email; only when mail is configured (else 404)."""

    # Our own names: django.contrib.admin ships templates under registration/ that would
    # win over ours.
    template_name = "web/password_reset/form.html"
    email_template_name = "web/password_reset/email.txt"
    subject_template_name = "web/password_reset/subject.txt"

    @method_decorator(login_not_required)
    def dispatch(self, request, *args, **kwargs):
        if not mail_configured():
            raise Http404
        return super().dispatch(request, *args, **kwargs)
