"""Settings: the organization's message templates (with a live preview of the text and
its SMS count) and its messaging rules (signature, quiet hours, daily cap, the webhook
secret). The admin edits; store managers and region supervisors read."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit.core.access import get_org_record_or_404
from revisit.messaging.models import MessageChannel, MessageTemplate, Purpose
from revisit.messaging.rendering import PLACEHOLDERS, SMS_PART, SMS_SINGLE, TemplateError
from revisit.messaging.rules import messaging_settings
from revisit.messaging.services import (
    create_template,
    delete_template,
    preview,
    rotate_webhook_secret,
    update_messaging_settings,
    update_template,
)
from revisit.web.message_forms import MessageTemplateForm, MessagingSettingsForm
from revisit.web.views.settings import _render, _saved, readonly_rows, settings_page

SECTION = "settings_message_templates"
PREVIEW_MAX = 4000


def _template_page(request, form, title, template=None):
    sample = None
    source = template
    if source is not None:
        try:
            sample = preview(
                request.user.organization,
                channel=source.channel,
                purpose=source.purpose,
                body=source.body,
                subject=source.subject,
            )
        except TemplateError:
            sample = None
    return _render(
        request,
        "web/settings/message_template_form.html",
        title,
        SECTION,
        form=form,
        message_template=template,
        rows=readonly_rows(form) if template is not None else [],
        sample=sample,
        placeholders=[("{" + k + "}", v) for k, v in PLACEHOLDERS.items()],
        single=SMS_SINGLE,
        part=SMS_PART,
    )


@settings_page
def message_templates(request):
    org = request.user.organization
    templates = MessageTemplate.objects.filter(organization=org).order_by("channel", "name")
    return _render(
        request,
        "web/settings/message_templates.html",
        _("Message templates"),
        SECTION,
        templates=templates,
    )


@settings_page
def message_template_new(request):
    if not request.may_edit:
        raise PermissionDenied
    org = request.user.organization
    form = MessageTemplateForm(
        request.POST or None,
        organization=org,
        instance=MessageTemplate(organization=org, channel=MessageChannel.SMS),
    )
    if request.method == "POST" and form.is_valid():
        create_template(org, form.changes(), actor=request.user)
        messages.success(request, _("Saved."))
        return redirect(SECTION)
    return _template_page(request, form, _("New message template"))


@settings_page
def message_template_edit(request, pk: int):
    template = get_org_record_or_404(request.user, MessageTemplate, pk=pk)
    form = MessageTemplateForm(
        request.POST or None, organization=request.user.organization, instance=template
    )
    if request.method == "POST" and form.is_valid():
        _saved(request, update_template(template, form.changes(), actor=request.user))
        return redirect(SECTION)
    template.refresh_from_db()
    return _template_page(request, form, template.name, template)


@settings_page
def message_template_delete(request, pk: int):
    template = get_org_record_or_404(request.user, MessageTemplate, pk=pk)
    if not request.may_edit:
        raise PermissionDenied
    if request.method == "POST":
        delete_template(template, actor=request.user)
        messages.success(request, _("Deleted: %(name)s") % {"name": template.name})
        return redirect(SECTION)
    return _render(
        request,
        "web/settings/message_template_delete.html",
        _("Delete message template"),
        SECTION,
        message_template=template,
    )


@settings_page
@require_POST
def message_template_preview(request):
    """The rendered sample of the text being typed, its length and SMS count (htmx)."""
    body = request.POST.get("body", "")[:PREVIEW_MAX]
    channel = request.POST.get("channel") or MessageChannel.SMS
    purpose = request.POST.get("purpose") or Purpose.MARKETING
    if channel not in MessageChannel.values or purpose not in Purpose.values:
        return HttpResponse(status=400)
    context = {"single": SMS_SINGLE, "part": SMS_PART}
    try:
        context["sample"] = preview(
            request.user.organization,
            channel=channel,
            purpose=purpose,
            body=body,
            subject=request.POST.get("subject", "")[:PREVIEW_MAX],
        )
    except TemplateError as error:
        context["error"] = str(error)
    return render(request, "web/settings/_message_preview.html", context)


@settings_page
def messaging(request):
    org = request.user.organization
    current = messaging_settings(org)
    form = MessagingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        _saved(request, update_messaging_settings(org, form.changes(), actor=request.user))
        return redirect("settings_messaging")
    webhook = request.build_absolute_uri(
        reverse("messaging_webhook", kwargs={"org_code": org.code})
    )
    return _render(
        request,
        "web/settings/messaging.html",
        _("Messaging"),
        "settings_messaging",
        form=form,
        rows=readonly_rows(form),
        webhook=webhook,
        secret=current.webhook_secret if request.may_edit else "",
    )


@settings_page
@require_POST
def messaging_secret(request):
    if not request.may_edit:
        raise PermissionDenied
    rotate_webhook_secret(request.user.organization, actor=request.user)
    messages.success(request, _("A new webhook secret is in force; the old one no longer works."))
    return redirect("settings_messaging")
