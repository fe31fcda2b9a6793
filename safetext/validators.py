"""Refusing control characters in text people type, paste or import.

A C0 (U+0000–U+001F), DEL or C1 (U+0080–U+009F) character is invisible on a page, pasted from
Word or PDF (a vertical tab for a soft line break) or planted on purpose (U+0001 in front of
"=HYPERLINK(...)" to slip past a formula check). No field of the portal needs one: a single-line
field takes none, a multi-line field (a ``TextField``, a ``Textarea``) takes only the tab and
line breaks.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Marks a validator attached here, so that it is attached once whatever runs twice.
CODE = "control_character"


@deconstructible
class ControlCharacterValidator:
    """Refuses a control character, naming the field and the character (U+000B), in
    Indonesian. ``multiline``: tab, line feed and carriage return are allowed."""

    code = CODE

    def __init__(self, label=None, *, multiline: bool = False):
        self.label = label
        self.multiline = multiline

    def __call__(self, value):
        if not isinstance(value, str):
            return
        found = (MULTI_LINE if self.multiline else SINGLE_LINE).search(value)
        if found is None:
            return
        params = {"field": capfirst(self.label) if self.label else _("Isian ini"), "char": f"U+{ord(found.group()):04X}"}
        if self.multiline:
            message = _(
                "%(field)s berisi karakter kendali yang tidak terlihat (%(char)s), biasanya ikut tersalin dari Word "
                "atau PDF. Hapus atau ketik ulang bagian yang disalin, lalu simpan lagi."
            )
        else:
            message = _(
                "%(field)s harus berupa satu baris teks tanpa karakter kendali (ada %(char)s: tab, baris baru, atau "
                "karakter tak terlihat yang ikut tersalin). Hapus karakter itu, lalu simpan lagi."
            )
        raise ValidationError(message, code=self.code, params=params)

    def __eq__(self, other):
        return (
            isinstance(other, ControlCharacterValidator)
            and self.multiline == other.multiline
            and str(self.label) == str(other.label)
        )

    def __hash__(self):
        return hash((str(self.label), self.multiline))


def refuse_control_characters(value, *, label=None, multiline: bool = False) -> None:
    """Raise the field's ValidationError when ``value`` holds a control character."""
    ControlCharacterValidator(label, multiline=multiline)(value)


def has_validator(validators) -> bool:
    return any(getattr(v, "code", None) == CODE for v in validators)
