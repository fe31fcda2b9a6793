"""An independent recomputation of every recovery figure from the raw rows, for the tests: the
oracle the summaries (recovery.aggregates) are checked against. It shares only the definitions'
wording with the app, not its code: each business's membership of a month, its training and each
report's category are decided here in Python, one row at a time."""

import statistics
from collections import defaultdict
from datetime import date

from django.db.models import Min
from django.utils import timezone

from businesses.models import Business, Kecamatan
from businesses.reference import kbli_divisions
from recovery.measures import derive, month_add, months_between
from recovery.models import CLOSED_STATUSES, FIRST_PERIOD, MonthlyReport, ReportStatus
from recovery.selectors import CITY, Scope
from trainings.models import Attendance, SessionStatus

EMPTY_COUNTS = (
    "reported",
    "returned",
    "no_activity_reports",
    "with_activity",
    "active",
    "closed",
    "recovered",
    "recovering",
    "struggling",
    "no_baseline",
    "online",
    "raw_difficult",
)


def _month(moment) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _businesses() -> dict[int, dict]:
    rows = Business.objects.values(
        "pk",
        "verified_at",
        "deactivated_at",
        "kelurahan__kecamatan_id",
        "kbli__code",
        "kbli__version",
        "turnover_2019",
        "workers_male",
        "workers_female",
    )
    return {row["pk"]: row for row in rows}


def _first_trained() -> dict[int, date]:
    rows = (
        Attendance.objects.filter(registration__session__status=SessionStatus.FINISHED)
        .values("registration__business_id")
        .annotate(first=Min("registration__session__starts_at"))
    )
    return {row["registration__business_id"]: row["first"] for row in rows}


def _counts_in(business: dict, period: date) -> bool:
    if business["verified_at"] is None or _month(business["verified_at"]) > period:
        return False
    return business["deactivated_at"] is None or _month(business["deactivated_at"]) >= period


def _trained(business_id: int, period: date, first_trained: dict) -> bool:
    first = first_trained.get(business_id)
    return first is not None and timezone.localtime(first).date() < period


def _in_scope(business: dict, scope: Scope) -> bool:
    if scope.kecamatan_id and business["kelurahan__kecamatan_id"] != scope.kecamatan_id:
        return False
    return not scope.division or business["kbli__code"].startswith(scope.division)


def _categorise(report: MonthlyReport, business: dict) -> set[str]:
    found = {"reported"}
    if report.status == ReportStatus.RETURNED:
        return found | {"returned"}
    if report.no_activity:
        return found | {"no_activity_reports"}
    found.add("with_activity")
    if report.online_share and report.online_share > 0:
        found.add("online")
    if report.raw_materials in ("sulit", "tidak_ada"):
        found.add("raw_difficult")
    if report.operating_status in CLOSED_STATUSES:
        return found | {"closed"}
    found.add("active")
    baseline = business["turnover_2019"]
    if not baseline:
        return found | {"no_baseline"}
    if report.turnover >= baseline:
        return found | {"recovered"}
    return found | {"recovering" if report.turnover * 2 >= baseline else "struggling"}


def month_figures(period: date, *, scope: Scope = CITY, group=None, trained: bool | None = None) -> dict:
    """The figures of ``period`` for the businesses of ``scope`` (and of one training group),
    grouped by ``group`` (a function of the business row) when given."""
    businesses = _businesses()
    first_trained = _first_trained()

    def wanted(business_id: int) -> bool:
        business = businesses[business_id]
        if not _counts_in(business, period) or not _in_scope(business, scope):
            return False
        return trained is None or _trained(business_id, period, first_trained) == trained

    groups: dict = defaultdict(lambda: dict.fromkeys(EMPTY_COUNTS, 0) | {"jobs": None, "jobs_registered": None, "_index": []})
    for business_id in businesses:
        if wanted(business_id):
            key = group(businesses[business_id]) if group else None
            groups[key]["verified"] = groups[key].get("verified", 0) + 1
    for report in MonthlyReport.objects.filter(period=period):
        if not wanted(report.business_id):
            continue
        business = businesses[report.business_id]
        row = groups[group(business) if group else None]
        found = _categorise(report, business)
        for name in found:
            row[name] += 1
        if "with_activity" in found:
            row["jobs"] = (row["jobs"] or 0) + report.workers_male + report.workers_female
            row["jobs_registered"] = (row["jobs_registered"] or 0) + business["workers_male"] + business["workers_female"]
            if business["turnover_2019"]:
                row["_index"].append(report.turnover / business["turnover_2019"])
    result = {}
    for key, row in groups.items():
        indexes = row.pop("_index")
        row["median_index"] = statistics.median(indexes) if indexes else None
        row.setdefault("verified", 0)
        result[key] = derive(row)
    return result


def empty() -> dict:
    return derive(dict.fromkeys(EMPTY_COUNTS, 0) | {"jobs": None, "jobs_registered": None, "median_index": None, "verified": 0})


def city_figures(*, period: date, scope: Scope = CITY) -> dict:
    return month_figures(period, scope=scope).get(None, empty())


def figures_series(*, end: date, months: int = 12, start: date | None = None, scope: Scope = CITY) -> list[dict]:
    start = max(start or month_add(end, -(months - 1)), FIRST_PERIOD)
    return [city_figures(period=p, scope=scope) | {"period": p} for p in months_between(start, end)]


def figures_by_kecamatan(*, period: date, scope: Scope = CITY) -> list[dict]:
    rows = month_figures(period, scope=scope, group=lambda b: b["kelurahan__kecamatan_id"])
    kecamatan = Kecamatan.objects.order_by("code")
    if scope.kecamatan_id:
        kecamatan = kecamatan.filter(pk=scope.kecamatan_id)
    return [rows.get(k.pk, empty()) | {"key": k.pk, "label": k.name} for k in kecamatan]


def figures_by_sector(*, period: date, scope: Scope = CITY) -> list[dict]:
    rows = month_figures(period, scope=scope, group=lambda b: (b["kbli__code"][:2], b["kbli__version"]))
    names = kbli_divisions()
    merged: dict[str, dict] = {}
    for (division, version), row in rows.items():
        merged[division] = row | {"key": division, "label": f"{division} {names.get((version, division), '')}".strip()}
    return sorted((r for r in merged.values() if r["verified"]), key=lambda r: (-r["verified"], r["key"]))


def figures_by_training(*, period: date, scope: Scope = CITY) -> list[dict]:
    return [
        month_figures(period, scope=scope, trained=trained).get(None, empty()) | {"key": trained} for trained in (True, False)
    ]


def before_after_treated(*, scope: Scope = CITY, topic_slug: str = "pemasaran-online", window: int = 3) -> dict:
    """The trained side of before-and-after: per business, the mean online share and index over
    the ``window`` months either side of its first session of the topic (own month left out,
    reports with activity that count in their month); the median over businesses with both
    sides. Online shares as ratios."""
    businesses = _businesses()
    firsts = {
        row["registration__business_id"]: _month(row["first"])
        for row in Attendance.objects.filter(
            registration__session__status=SessionStatus.FINISHED, registration__session__topic__slug=topic_slug
        )
        .values("registration__business_id")
        .annotate(first=Min("registration__session__starts_at"))
    }
    values: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    reports = MonthlyReport.objects.filter(business_id__in=list(firsts), no_activity=False).exclude(status=ReportStatus.RETURNED)
    for report in reports:
        business = businesses[report.business_id]
        if not _in_scope(business, scope) or not _counts_in(business, report.period):
            continue
        first = firsts[report.business_id]
        offset = (report.period.year - first.year) * 12 + report.period.month - first.month
        if offset == 0 or abs(offset) > window:
            continue
        side = "before" if offset < 0 else "after"
        values[report.business_id][f"online_{side}"].append(report.online_share / 100)
        if business["turnover_2019"]:
            values[report.business_id][f"index_{side}"].append(report.turnover / business["turnover_2019"])
    per_business = [
        {key: (sum(v) / len(v)) for key, v in sides.items() if v}
        for sides in values.values()
        if sides["online_before"] and sides["online_after"]
    ]
    result = {"businesses": len(per_business)}
    for key in ("online_before", "online_after", "index_before", "index_after"):
        found = [row[key] for row in per_business if key in row]
        result[key] = statistics.median(found) if found else None
    return result
