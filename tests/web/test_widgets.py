"""The form renderer draws inputs, text areas and selects in Python: its markup must be
exactly what Django's own widget templates draw."""

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from revisit.web.widgets import WidgetRenderer

pytestmark = pytest.mark.django_db


class Everything(forms.Form):
    text = forms.CharField(initial='a "quoted" <b>value</b> & more', max_length=20)
    empty = forms.CharField(required=False)
    number = forms.IntegerField(initial=1234567)
    decimal = forms.DecimalField(initial="12.50", required=False)
    day = forms.DateField(initial=datetime.date(2024, 2, 29), widget=forms.DateInput)
    day_typed = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(
        initial=datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="pw<")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h&")
    email = forms.EmailField(required=False)
    flag = forms.BooleanField(initial=True, required=False)
    off = forms.BooleanField(initial=False, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="line 1\n<line 2>")
    blank_note = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(
        choices=[("", "—"), ("a", "A & <b>"), ("b", gettext_lazy("Name")), (3, "three")],
        initial="b",
    )
    safe = forms.ChoiceField(choices=[("x", mark_safe("<i>x</i>")), (mark_safe("&y"), "y")])
    grouped = forms.ChoiceField(
        choices=[("G <1>", [("a", "A"), ("b", "B")]), ("c", "C"), (gettext_lazy("Tag"), [(1, 2)])],
        initial="c",
        required=False,
    )
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], initial=["a", "c"], required=False
    )
    typed = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int, initial=2)
    attrs = forms.CharField(
        widget=forms.TextInput(attrs={"autofocus": True, "disabled": False, "data-x": 'a"b'}),
        required=False,
    )


def draw(form_class, renderer, *args, **kwargs):
    form = form_class(*args, **kwargs)
    form.renderer = renderer
    return [str(form[name]) for name in form.fields]


@pytest.mark.parametrize("bound", [False, True])
def test_the_python_drawn_widgets_match_django_templates(bound):
    data = {"text": "<typed>", "choice": "a", "many": ["b"], "grouped": "b", "flag": "on"}
    kwargs = {"data": data} if bound else {}
    assert draw(Everything, WidgetRenderer(), **kwargs) == draw(
        Everything, DjangoTemplates(), **kwargs
    )


def test_the_product_forms_match_django_templates(demo):
    from revisit.web.card_forms import CorrectionForm, NoteForm, OwnerForm, TagsForm
    from revisit.web.forms import FollowUpForm
    from revisit.web.search import CustomerFilter
    from revisit.web.views.privacy import ConsentForm

    org, manager = demo["org"], demo["manager1"]
    scope = manager.organization.customers.all()
    forms_ = [
        (FollowUpForm, {"organization": org}),
        (FollowUpForm, {"organization": org, "data": {"outcome": "valid_1", "note": "<x>"}}),
        (CorrectionForm, {"initial": {"channel": "walk_in", "referrer": "C1"}}),
        (NoteForm, {}),
        (TagsForm, {"initial": {"tags": "a, b"}}),
        (ConsentForm, {}),
        (OwnerForm, {"owners": manager.organization.staff.all()}),
        (CustomerFilter, {"data": {"q": "王", "tier": "x"}, "staff": manager, "scope": scope}),
    ]
    for form_class, kwargs in forms_:
        args = [kwargs.pop("data")] if form_class is CustomerFilter else []
        new = draw(form_class, WidgetRenderer(), *args, **kwargs)
        assert new == draw(form_class, DjangoTemplates(), *args, **kwargs), form_class.__name__


class Flat(forms.Form):
    choice = forms.ChoiceField(
        choices=[("", "—"), ("a", "A & <b>"), ("b", gettext_lazy("Name")), (3, "three")],
        required=False,
    )
    typed = forms.TypedChoiceField(
        choices=[("", "—"), (1, mark_safe("<i>one</i>")), (2, "two"), (mark_safe("&z"), 3)],
        coerce=int,
        empty_value=None,
        required=False,
    )


@pytest.mark.parametrize(
    "data", [None, {}, {"choice": "b", "typed": "2"}, {"choice": "<zz>", "typed": "x"}]
)
def test_the_plain_select_draws_what_djangos_select_draws(data):
    from revisit.web.widgets import PlainSelect

    class Plain(Flat):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.widget = PlainSelect(choices=field.choices)

    def tags_only(html: list[str]) -> list[str]:  # the templates add line breaks
        return [re.sub(r">\s+<", "><", h) for h in html]

    args = [data] if data is not None else []
    drawn = draw(Plain, DjangoTemplates(), *args)
    assert drawn == tags_only(draw(Flat, DjangoTemplates(), *args))
    if data and data.get("choice") == "b":
        assert '<option value="b" selected>' in drawn[0]
