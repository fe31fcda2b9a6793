"""Staff's roster forms: add a participant, move one to another session."""

from django import forms
from django.utils.translation import gettext_lazy as _

from businesses.models import Business, BusinessStatus
from safetext.forms import ControlCharacterFormMixin


class StaffSearchForm(ControlCharacterFormMixin, forms.Form):
    """The search above the staff's add-a-participant list (``?q=``): NIB or part of a name."""

    q = forms.CharField(
        required=False,
        max_length=200,  # a business name's length
        error_messages={
            "max_length": _("Kata pencarian paling panjang %(limit_value)d karakter."),
            "null_characters_not_allowed": _("Kata pencarian berisi karakter yang tidak diizinkan."),
        },
    )

    def query(self) -> str:
        """What to search for; empty (nothing found) when the search is not valid."""
        return self.cleaned_data["q"] if self.is_valid() else ""


class StaffAddForm(ControlCharacterFormMixin, forms.Form):
    """A verified business (found by the search on the page) and, optionally, who comes for it."""

    business = forms.ModelChoiceField(
        label=_("Usaha"),
        queryset=Business.objects.filter(status=BusinessStatus.VERIFIED),
        error_messages={"invalid_choice": _("Pilih usaha yang sudah terverifikasi."), "required": _("Pilih usaha.")},
    )
    participant_name = forms.CharField(
        label=_("Nama peserta"),
        max_length=150,
        required=False,
        help_text=_("Kosong: nama pemilik usaha."),
    )


class MoveForm(ControlCharacterFormMixin, forms.Form):
    to_session = forms.ModelChoiceField(
        label=_("Pindahkan ke sesi"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Pilih salah satu sesi lain dengan topik yang sama.")},
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_session"].queryset = sessions
