"""``bootstrap_field`` draws a field as crispy's ``as_crispy_field`` does: the same elements,
attributes, classes, labels, errors and help texts (whitespace and attribute order aside), in
every state the owners' forms show."""

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test.html import parse_html

from payakumbuh_ikm.templatetags.fields import bootstrap_field


class MonthInput(forms.TextInput):
    input_type = "month"


class Sample(forms.Form):
    name = forms.CharField(label="Nama <usaha>", help_text="Seperti di <b>NIB</b>", max_length=20)
    count = forms.IntegerField(
        label="Jumlah", required=False, min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0})
    )
    month = forms.CharField(label="Bulan", widget=MonthInput(attrs={"min": "2020-01", "class": "own"}))
    agree = forms.BooleanField(label="Setuju & lanjut")
    optional = forms.BooleanField(label="Opsional", required=False, help_text="Bila perlu")
    choice = forms.ChoiceField(
        label="Status", choices=[("a", "A & B"), ("b", "B")], widget=forms.RadioSelect, required=False, help_text="Satu saja"
    )
    required_choice = forms.ChoiceField(label="Wajib", choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="Jenis", choices=[("1", "Satu"), ("2", "Dua")])  # a select: crispy draws it

    def __init__(self, *args, helper=None, **kwargs):
        super().__init__(*args, **kwargs)
        if helper is not None:
            self.helper = helper

    def clean_choice(self):
        if self.cleaned_data["choice"] == "b":
            raise forms.ValidationError("Bukan <b>.")
        return self.cleaned_data["choice"]


VALID = {
    "name": "Rendang & Co",
    "count": "3",
    "month": "2026-01",
    "agree": "on",
    "choice": "a",
    "required_choice": "x",
    "kind": "1",
}
INVALID = {"name": "x" * 30, "count": "-1", "month": "", "choice": "b", "kind": "9"}


def plain_helper():
    helper = FormHelper()
    helper.form_tag = False
    return helper


def labelled_helper():
    helper = plain_helper()
    helper.label_class = "col-3"
    helper.field_class = "col-9"
    helper.form_class = "form-horizontal"
    return helper


@pytest.mark.parametrize("data", [None, VALID, INVALID], ids=["unbound", "valid", "invalid"])
@pytest.mark.parametrize("helper", [None, plain_helper, labelled_helper], ids=["no-helper", "helper", "horizontal"])
@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_a_field_is_drawn_as_crispy_draws_it(data, helper, name):
    ours = Sample(data, helper=helper and helper())
    theirs = Sample(data, helper=helper and helper())  # crispy changes the widget's classes: a form of its own
    if data is not None:
        ours.is_valid(), theirs.is_valid()
    assert parse_html(bootstrap_field(ours[name])) == parse_html(as_crispy_field(theirs[name]))
