"""Buyer interest ("minat pembeli") by month: for officials, by kecamatan and category; for an
owner, per product. Read-only, a constant number of queries whatever the data.

What is counted (showcase/interest.py): page views, clicks on the WhatsApp and store buttons
(through the counting redirect) once per visitor, target and day, not crawlers, link previews
or signed-in users; inquiries from ``Inquiry`` rows (kept, with the province, after the buyer's
name and message are erased). Not counted: what happens after the click (an order in WhatsApp
or a marketplace is not seen by the portal), visits to the showcase's home, search and category
pages.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, F, IntegerField, Q, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Inquiry, InterestCount, InterestKind, Product, Profile
from .reference import WEST_SUMATRA

VIEWS = (InterestKind.PROFILE_VIEW, InterestKind.PRODUCT_VIEW)


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_from(start: date, end: date) -> list[date]:
    months, month = [], month_first(start)
    while month <= end:
        months.append(month)
        month = month_next(month)
    return months


@dataclass
class Interest:
    """One row of figures: views, clicks, inquiries and how many inquiries came from outside
    West Sumatra (``outside_share`` is None without inquiries)."""

    label: object = ""
    views: int = 0
    whatsapp: int = 0
    store: int = 0
    inquiries: int = 0
    outside: int = 0
    extra: dict = field(default_factory=dict)

    def add(self, kind: str, count: int, outside: int = 0) -> None:
        if kind in VIEWS:
            self.views += count
        elif kind == InterestKind.WHATSAPP:
            self.whatsapp += count
        elif kind == InterestKind.STORE:
            self.store += count
        elif kind == "inquiry-row":
            self.inquiries += count
            self.outside += outside

    @property
    def clicks(self) -> int:
        return self.whatsapp + self.store

    @property
    def outside_share(self) -> float | None:
        return self.outside / self.inquiries if self.inquiries else None

    @property
    def outside_percent(self) -> int | None:
        share = self.outside_share
        return None if share is None else round(share * 100)

    @property
    def empty(self) -> bool:
        return not (self.views or self.whatsapp or self.store or self.inquiries)


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rows(*, start: date, end_exclusive: date, profiles: Q) -> list[tuple]:
    """(month, kecamatan, category, kind, count, outside) from the counts and the inquiries, in
    one query: the counts' INQUIRY kind is left out, the inquiries' own rows count instead."""
    business = "profile__business__"
    place = F(f"{business}kelurahan__kecamatan__name")
    category = F(f"{business}kbli__showcase_categories__name")
    counts = (
        InterestCount.objects.filter(profiles, day__gte=start, day__lt=end_exclusive)
        .exclude(kind=InterestKind.INQUIRY)
        .annotate(m=TruncMonth("day"), k=place, c=category, t=F("kind"))
        .values("m", "k", "c", "t")
        .annotate(n=Sum("count"), o=Value(0, output_field=IntegerField()))
        .values_list("m", "k", "c", "t", "n", "o")
        .order_by()
    )
    inquiries = (
        Inquiry.objects.filter(profiles, created_at__gte=_local_start(start), created_at__lt=_local_start(end_exclusive))
        .annotate(
            m=TruncMonth("created_at", output_field=DateField()),
            k=place,
            c=category,
            t=Value("inquiry-row"),
        )
        .values("m", "k", "c", "t")
        .annotate(n=Count("id"), o=Count("id", filter=~Q(buyer_province=WEST_SUMATRA)))
        .values_list("m", "k", "c", "t", "n", "o")
        .order_by()  # Inquiry's default ordering: SQLite refuses ORDER BY inside a UNION's parts
    )
    return list(counts.union(inquiries, all=True))


def _as_month(value) -> date:
    if isinstance(value, datetime):  # a backend that hands a truncated date back as a datetime
        return value.date().replace(day=1)
    if isinstance(value, str):  # SQLite, through a UNION
        return date.fromisoformat(value[:10]).replace(day=1)
    return value


def city_interest(*, start: date, end: date, kecamatan_id: int | None = None, division: str | None = None) -> dict:
    """Buyer interest for months ``start``..``end`` (first days of months), for the businesses
    of one kecamatan and/or KBLI division when given: per month, per kecamatan and per category,
    and the total. One query."""
    profiles = Q()
    if kecamatan_id:
        profiles &= Q(profile__business__kelurahan__kecamatan_id=kecamatan_id)
    if division:
        profiles &= Q(profile__business__kbli__code__startswith=division)
    months = {month: Interest(label=month) for month in months_from(start, end)}
    by_kecamatan: dict[str, Interest] = {}
    by_category: dict[str, Interest] = {}
    total = Interest(label=_("Jumlah"))
    for month, kecamatan, category, kind, count, outside in _rows(
        start=month_first(start), end_exclusive=month_next(end), profiles=profiles
    ):
        month = _as_month(month)
        category = category or _("Lainnya")
        for row in (
            months.setdefault(month, Interest(label=month)),
            by_kecamatan.setdefault(kecamatan, Interest(label=kecamatan)),
            by_category.setdefault(category, Interest(label=category)),
            total,
        ):
            row.add(kind, count or 0, outside or 0)
    return {
        "start": start,
        "end": end,
        "months": [months[m] for m in sorted(months)],
        "by_kecamatan": sorted(by_kecamatan.values(), key=lambda r: str(r.label)),
        "by_category": sorted(by_category.values(), key=lambda r: (-r.views - r.clicks, str(r.label))),
        "total": total,
    }


OWNER_MONTHS = 12


def owner_interest(*, user: User, today: date | None = None) -> dict:
    """The signed-in owner's own buyer interest for the last ``OWNER_MONTHS`` months, per
    business, month and product (the business page itself as one row). Three queries."""
    today = today or timezone.localdate()
    end = month_first(today)
    start = months_from(end - timedelta(days=31 * (OWNER_MONTHS - 1)), end)[0]
    profiles = list(
        Profile.objects.filter(business__owner__user=user).select_related("business").order_by("business__name", "id")
    )
    ids = [p.pk for p in profiles]
    counts = (
        InterestCount.objects.filter(profile_id__in=ids, day__gte=start)
        .exclude(kind=InterestKind.INQUIRY)
        .annotate(m=TruncMonth("day"))
        .values_list("profile_id", "product_id", "m", "kind")
        .annotate(n=Sum("count"))
    )
    inquiries = (
        Inquiry.objects.filter(profile_id__in=ids, created_at__gte=_local_start(start))
        .annotate(m=TruncMonth("created_at", output_field=DateField()))
        .values_list("profile_id", "product_id", "m")
        .annotate(n=Count("id"), o=Count("id", filter=~Q(buyer_province=WEST_SUMATRA)))
    )
    names = dict(Product.objects.filter(profile_id__in=ids).values_list("pk", "name")) if ids else {}
    table: dict[tuple, Interest] = {}

    def row(profile_id, product_id, month) -> Interest:
        key = (profile_id, _as_month(month), product_id or 0)
        if key not in table:
            label = names.get(product_id, _("Produk dihapus")) if product_id else _("Halaman usaha")
            table[key] = Interest(label=label, extra={"month": _as_month(month), "product_id": product_id})
        return table[key]

    if ids:
        for profile_id, product_id, month, kind, count in counts:
            row(profile_id, product_id, month).add(kind, count)
        for profile_id, product_id, month, count, outside in inquiries:
            row(profile_id, product_id, month).add("inquiry-row", count, outside)
    businesses = []
    for profile in profiles:
        rows = sorted(
            (r for (pid, _m, _p), r in table.items() if pid == profile.pk),
            key=lambda r: (r.extra["month"], r.extra["product_id"] is not None, str(r.label)),
            reverse=False,
        )
        rows.sort(key=lambda r: r.extra["month"], reverse=True)  # newest month first, stable within
        total = Interest(label=_("Jumlah"))
        for r in rows:
            total.views += r.views
            total.whatsapp += r.whatsapp
            total.store += r.store
            total.inquiries += r.inquiries
            total.outside += r.outside
        businesses.append({"profile": profile, "rows": rows, "total": total})
    return {"businesses": businesses, "start": start, "end": end, "months": OWNER_MONTHS}


def dashboard_interest(*, start: date, end: date, kecamatan_id: int | None = None, division: str | None = None) -> dict:
    """``city_interest`` for the recovery dashboard's months. Interest is live, not reported a
    month later: when the dashboard ends at last month (its default), the current month so far
    is shown too."""
    this_month = month_first(timezone.localdate())
    if end >= month_first(this_month - timedelta(days=1)):
        end = max(end, this_month)
    return city_interest(start=start, end=end, kecamatan_id=kecamatan_id, division=division)
