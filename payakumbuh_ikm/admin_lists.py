"""What keeps a long admin change list cheap to serve at province scale (100,000 businesses).

A paginator that does not count a whole large table on every page view:
Django's paginator runs ``SELECT COUNT(*)`` for the number of pages; unfiltered, at province
scale (100,000 businesses), that is a sequential scan of the table on every view of the list's
first page. PostgreSQL keeps an estimate of each table's rows (``pg_class.reltuples``, renewed by
autovacuum's ANALYZE after about a tenth of the rows changed), which is as good for drawing page
links. The count stays exact whenever it can matter or is cheap: a filtered or searched list, a
table below ``ESTIMATE_FROM`` rows (or never analysed), and the pages near the estimated end,
so the last page is never empty or cut short.
"""

from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

ESTIMATE_FROM = 10_000
# A page this close to the estimated end (a share of the rows) is counted exactly: autovacuum's
# ANALYZE runs after 10% of a table's rows changed, so the estimate is within about that.
NEAR_END = 0.15


class EstimatedCountPaginator(Paginator):
    """``count`` from PostgreSQL's row estimate for an unfiltered list of a large table, exact
    otherwise; ``estimated`` says which. ``page_hint``: the page the request asks for."""

    def __init__(self, object_list, per_page, *args, page_hint: int = 1, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.page_hint = page_hint
        self.estimated = False

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is None:
            return super().count
        self.estimated = True
        return estimate

    def _estimate(self) -> int | None:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        unfiltered = not query.where and not query.distinct and not query.combinator and not query.extra
        connection = connections[queryset.db]
        if not unfiltered or query.low_mark or query.high_mark is not None or connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
            row = cursor.fetchone()
        estimate = row[0] if row else -1  # -1: never analysed
        if estimate < ESTIMATE_FROM or self.page_hint * self.per_page >= estimate * (1 - NEAR_END):
            return None
        return estimate


class EstimatedCountAdminMixin:
    """A ModelAdmin whose change list counts its rows with ``EstimatedCountPaginator``."""

    paginator = EstimatedCountPaginator

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page = max(int(request.GET.get("p", 1)), 1)
        except ValueError:
            page = 1  # the change list itself answers a page that is not a number
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page_hint=page)


class PlainActionCheckboxMixin:
    """The row's action checkbox as markup, not a widget: Django renders it through the form
    renderer's templates once per row, a tenth of the list's CPU time at 50 rows. The same HTML
    as ``ModelAdmin.action_checkbox``, Django's own words for its label."""

    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
