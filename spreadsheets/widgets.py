"""import-export widgets for the kinds of column every importer has: text, codes, whole
numbers, ya/tidak, and lookups in reference tables read once per import."""

import copy

from django.utils.translation import gettext as _
from import_export import widgets

from .parsing import code, parse_boolean, parse_integer, text


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CodeWidget(TextWidget):
    """NIB; the model's validator explains a wrong one."""

    def clean(self, value, row=None, **kwargs):
        return code(value)


class IntegerWidget(widgets.Widget):
    """Whole numbers, written natively (not "1.250.000" text) so both Excel and scripts read them."""

    def __init__(self, blank=None):
        super().__init__(coerce_to_string=False)
        self.blank = blank

    def clean(self, value, row=None, **kwargs):
        number = parse_integer(value)
        return self.blank if number is None else number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        result = parse_boolean(value)
        if result is None:
            raise ValueError(
                _("“%(value)s” bukan ya/tidak. Isi ya atau tidak (boleh juga y/n, 1/0, x, atau kosong untuk tidak).")
                % {"value": text(value)}
            )
        return result

    def render(self, value, obj=None, **kwargs):
        return _("ya") if value else _("tidak")


class LookupWidget(widgets.Widget):
    """Reference data read once per resource instance (so one query per reference table and
    import), not once per row. A subclass implements ``load``."""

    _cache = None

    def __deepcopy__(self, memo):
        # Resource.__init__ deep-copies its fields; the copy starts with an empty cache.
        clone = copy.copy(self)
        clone._cache = None
        return clone

    def lookups(self):
        if self._cache is None:
            self._cache = self.load()
        return self._cache

    def load(self):
        raise NotImplementedError
