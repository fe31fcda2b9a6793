"""An attendee's feedback on a session: a rating from 1 to 5 and an optional comment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .services import FEEDBACK_COMMENT_MAX

RATING_CHOICES = [
    (1, _("1 — Sangat kurang")),
    (2, _("2 — Kurang")),
    (3, _("3 — Cukup")),
    (4, _("4 — Baik")),
    (5, _("5 — Sangat baik")),
]


class FeedbackForm(ControlCharacterFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Seberapa bermanfaat pelatihan ini?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih nilai 1 sampai 5."), "invalid_choice": _("Nilai harus antara 1 dan 5.")},
    )
    comment = forms.CharField(
        label=_("Komentar dan saran (boleh kosong)"),
        required=False,
        max_length=FEEDBACK_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Apa yang paling berguna? Apa yang perlu diperbaiki? Komentar dibaca staf tanpa nama Anda."),
        error_messages={"max_length": _("Komentar paling panjang %(limit_value)d karakter.")},
    )
