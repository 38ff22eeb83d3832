"""Widgets for forms drawn on every request of a hot page."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime


class PlainSelect(forms.Select):
    """A select drawn in Python, with the same markup as Django's template-drawn one.

    The template renderer includes one template per option: the customers page's filter
    form (owners, stores, tags, segments…) took longer to draw than its search on a
    million customers."""

    def render(self, name, value, attrs=None, renderer=None):
        # Django's optgroups build a context dict per option; a filter form draws ~70
        # options a request. Flat choices only (no groups), as the hot forms use; the
        # select's own attributes as the base widget orders them.
        selected = set(self.format_value(value))
        chosen = False
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            mark = ""
            if text in selected and (self.allow_multiple_selected or not chosen):
                mark, chosen = " selected", True
            shown = "" if option_value is None else _formatted(option_value)
            options.append(f'<option value="{shown}"{mark}>{_var(label)}</option>')
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        return mark_safe(
            f'<select name="{_var(name)}"{_attrs(widget["attrs"])}>{"".join(options)}</select>'
        )


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_var(name)}")
        if value is not True:
            parts.append(f'="{_formatted(value)}"')
    return "".join(parts)


def _var(value) -> str:
    """What {{ value }} draws: local time, localized, escaped unless safe."""
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """What {{ value|stringformat:'s' }} draws (the filter keeps a safe value safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _input(widget: dict) -> str:
    value = f' value="{_formatted(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711 (as the template compares)
    return f'<input type="{_var(widget["type"])}" name="{_var(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = _var(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


_OPTION = "django/forms/widgets/select_option.html"


def _select(widget: dict) -> str | None:
    out = [f'<select name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None  # a custom option template: drawn by the templates
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_var(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out).strip()


_INPUTS = ("text", "date", "datetime", "number", "email", "password", "hidden", "checkbox", "url")
_DRAWN = {f"django/forms/widgets/{name}.html": _input for name in (*_INPUTS, "input")}
_DRAWN["django/forms/widgets/textarea.html"] = _textarea
_DRAWN["django/forms/widgets/select.html"] = _select


class WidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with inputs, text areas and selects drawn in Python
    with exactly the markup of Django's own widget templates (tests/web/test_widgets.py
    compares them): a template per widget, and one more per option of a select, took a
    good part of the customer page's time. Any other template is Django's."""

    def render(self, template_name, context, request=None):
        draw = _DRAWN.get(template_name)
        if draw is not None and request is None and set(context) == {"widget"}:
            html = draw(context["widget"])
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request)
