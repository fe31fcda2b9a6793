"""The form side of ``validators``: every text field of a form refuses control characters."""

from django import forms

from .validators import ControlCharacterValidator, has_validator


class ControlCharacterFormMixin:
    """Put first in a form's bases. Each text field (``forms.CharField`` and its kinds: email,
    URL, slug...) refuses control characters, naming the field; a ``Textarea`` keeps tab and
    line breaks. Passwords are left alone: never shown or exported, and a password set
    elsewhere must still sign in. Model fields refuse the same characters on ``full_clean``
    (``payakumbuh_ikm.apps``); this also covers the fields that are not a model's (search,
    filters, reasons, sign-up) and says it on the field before any service runs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
                continue
            if not has_validator(field.validators):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(ControlCharacterValidator(field.label or name, multiline=multiline))
