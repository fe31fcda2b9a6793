"""The portal's admin site: Django's own, with every changelist total on its query string.

Django's changelist turns most filter values it cannot apply into its "?e=1" page (an
``IncorrectLookupParameters``), but not all: a date drill-down year such as 9999999999 raises
OverflowError in ``datetime()``, year 9999 overflows when it adds a year, a NUL reaches
PostgreSQL (which refuses it), and a list filter of our own gets whatever the URL says
(``?kecamatan=abc``). Each was a 500. Checked here, for every model admin registered on the site
(ours and the libraries'), so a new admin or filter cannot bring the 500 back."""

import re
from datetime import date, timedelta
from functools import cache

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters

DIGITS = re.compile(r"\d{1,4}", re.ASCII)


def _number(values: list[str] | None) -> int | None:
    """The last value of a drill-down part (the one Django reads), or None when absent; a value
    that is not a short ASCII number is refused."""
    if values is None:
        return None
    if not values or not DIGITS.fullmatch(values[-1]):
        raise IncorrectLookupParameters
    return int(values[-1])


def date_drilldown_check(params: dict[str, list[str]], field: str) -> None:
    """The date hierarchy's year, month and day make a date whose next year (or month, or day)
    still exists, as Django's changelist then computes; otherwise IncorrectLookupParameters."""
    year = _number(params.get(f"{field}__year"))
    if year is None:
        return  # without a year Django does not read the month or day as a drill-down
    month, day = _number(params.get(f"{field}__month")), _number(params.get(f"{field}__day"))
    if not 1 <= year < date.max.year:
        raise IncorrectLookupParameters
    try:
        date(year, month or 1, day or 1) + timedelta(days=32)
    except (ValueError, OverflowError) as error:
        raise IncorrectLookupParameters(error) from error


class TotalLookups:
    """A changelist that refuses, as the admin's "?e=1", every filter value it cannot apply."""

    def get_filters(self, request):
        params = self.get_filters_params()
        if any("\x00" in value for values in params.values() for value in values):
            raise IncorrectLookupParameters  # PostgreSQL refuses NUL in any text
        if self.date_hierarchy:
            date_drilldown_check(params, self.date_hierarchy)
        filter_specs, *rest = super().get_filters(request)
        for spec in filter_specs:
            if isinstance(spec, admin.SimpleListFilter) and spec.value() is not None:
                if spec.value() not in {str(value) for value, _label in spec.lookup_choices}:
                    raise IncorrectLookupParameters  # only the filter's own choices reach its queryset()
        return (filter_specs, *rest)


@cache
def total_changelist(changelist: type) -> type:
    return type(f"Total{changelist.__name__}", (TotalLookups, changelist), {"__module__": __name__})


class TotalChangeListAdmin:
    """Mixed into every model admin registered on the portal's site."""

    def get_changelist(self, request, **kwargs):
        return total_changelist(super().get_changelist(request, **kwargs))


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, TotalChangeListAdmin):
            admin_class = type(
                admin_class.__name__,
                (TotalChangeListAdmin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin on the portal's site (INSTALLED_APPS names this instead of it)."""

    default_site = "payakumbuh_ikm.admin_site.PortalAdminSite"
