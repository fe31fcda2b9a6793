from datetime import date

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .models import Mode, Topic


def _upcoming_months(count: int = 12) -> list[tuple[str, str]]:
    today = timezone.localdate()
    months = []
    for offset in range(count):
        year, month = today.year + (today.month - 1 + offset) // 12, (today.month - 1 + offset) % 12 + 1
        months.append((f"{year:04d}-{month:02d}", formats.date_format(date(year, month, 1), "F Y")))
    return months


class CatalogueFilterForm(ControlCharacterFormMixin, forms.Form):
    """The catalogue's filters; every field is optional and an invalid value is simply ignored."""

    topic = forms.ModelChoiceField(label=_("Topik"), queryset=Topic.objects.all(), required=False, empty_label=_("Semua topik"))
    month = forms.ChoiceField(label=_("Bulan"), required=False)
    mode = forms.ChoiceField(label=_("Cara"), required=False, choices=[("", _("Semua cara")), *Mode.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [("", _("Semua bulan")), *_upcoming_months()]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class RegisterForm(ControlCharacterFormMixin, forms.Form):
    """Which of the owner's verified businesses registers; hidden when there is only one. Drawn on
    the session page only: the POST's choice is checked by
    services.registration_create_for_owner, in the read that checks the rest."""

    business = forms.ModelChoiceField(label=_("Daftar atas nama usaha"), queryset=None, empty_label=None)

    def __init__(self, *args, businesses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses
