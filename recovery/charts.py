"""The dashboard's charts as plain data: what static/js/dashboard.js draws with Chart.js and, for
each chart, the table of the same numbers that the page shows beside it (the chart's text
alternative). Ratios become percents with one decimal here, once, for both."""

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .models import Measure
from .selectors import HEADLINE


def pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _cell(value, percent: bool) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{number_format(value, 1)}%"
    return number_format(value, 0, force_grouping=True)


def _chart(*, title, labels, datasets, kind="bar", percent=True, stacked=False, first_label="") -> dict:
    """One chart: ``datasets`` are (label, values[, is_target]). The table has a row per label
    and a column per dataset."""
    sets = [{"label": str(d[0]), "data": list(d[1]), "target": bool(d[2]) if len(d) > 2 else False} for d in datasets]
    rows = [[str(label)] + [_cell(d["data"][i], percent) for d in sets] for i, label in enumerate(labels)]
    return {
        "title": str(title),
        "spec": {"type": kind, "percent": percent, "stacked": stacked, "labels": [str(x) for x in labels], "datasets": sets},
        "table": {"header": [str(first_label)] + [d["label"] for d in sets], "rows": rows},
    }


PERCENT_TRENDS = [m for m in HEADLINE if m != Measure.ACTIVE]
BREAKDOWN = (Measure.SHARE_RECOVERED, Measure.MEDIAN_INDEX, Measure.SHARE_ONLINE, Measure.SHARE_RAW_DIFFICULT)


def dashboard_charts(data: dict) -> dict[str, dict]:
    """Chart id -> chart, for the figures of ``selectors.figures``."""
    series = data["series"]
    provisional = _(" (sementara)")
    months = [date_format(row["period"], "M Y") + (provisional if row["provisional"] else "") for row in series]
    in_range = {row["period"]: i for i, row in enumerate(series)}

    def with_target(measure, values):
        """The measure's line and, when a target falls within the months shown, its points."""
        points = [None] * len(series)
        for target in data["targets"]:
            if target.measure == measure and target.period in in_range:
                points[in_range[target.period]] = float(target.value)
        sets = [(measure.label, values)]
        if any(p is not None for p in points):
            sets.append((_("Target: %(measure)s") % {"measure": measure.label}, points, True))
        return sets

    trends = [line for m in PERCENT_TRENDS for line in with_target(m, [pct(row[m]) for row in series])]
    active = with_target(Measure.ACTIVE, [row["active"] for row in series])
    statuses = (
        ("recovered", _("Pulih")),
        ("recovering", _("Memulih")),
        ("struggling", _("Kesulitan")),
        ("no_baseline", _("Tanpa omzet dasar")),
        ("closed", _("Tutup")),
        ("no_activity_reports", _("Tidak ada kegiatan")),
        ("returned", _("Dikembalikan, belum dihitung")),
    )
    month_label = _("Bulan")

    def breakdown(rows, title, first_label):
        return _chart(
            title=title,
            labels=[row["label"] for row in rows],
            datasets=[(m.label, [pct(row[m]) for row in rows]) for m in BREAKDOWN],
            first_label=first_label,
        )

    before_after = data["before_after"]
    return {
        "trend": _chart(
            title=_("Perkembangan bulanan (persen)"), labels=months, datasets=trends, kind="line", first_label=month_label
        ),
        "active": _chart(
            title=_("IKM aktif per bulan"), labels=months, datasets=active, kind="line", percent=False, first_label=month_label
        ),
        "status": _chart(
            title=_("Keadaan usaha yang melapor per bulan (jumlah usaha)"),
            labels=months,
            datasets=[(label, [row[key] for row in series]) for key, label in statuses],
            percent=False,
            stacked=True,
            first_label=month_label,
        ),
        "kecamatan": breakdown(data["by_kecamatan"], _("Menurut kecamatan"), _("Kecamatan")),
        "sector": breakdown(data["by_sector"], _("Menurut sektor (golongan pokok KBLI)"), _("Sektor")),
        "training": breakdown(data["by_training"], _("Sudah ikut pelatihan sebelum bulan ini dan belum"), _("Kelompok")),
        "before_after": _chart(
            title=_("Sebelum dan sesudah pelatihan pemasaran online, dibanding usaha yang belum dilatih (median, persen)"),
            labels=[
                _("Porsi online, dilatih"),
                _("Porsi online, pembanding"),
                _("Indeks pemulihan, dilatih"),
                _("Indeks pemulihan, pembanding"),
            ],
            datasets=[
                (
                    label,
                    [
                        pct(before_after[f"online_{side}"]),
                        pct(before_after[f"comparison_online_{side}"]),
                        pct(before_after[f"index_{side}"]),
                        pct(before_after[f"comparison_index_{side}"]),
                    ],
                )
                for side, label in (("before", _("3 bulan sebelum")), ("after", _("3 bulan sesudah")))
            ],
            first_label=_("Ukuran"),
        ),
    }


def business_chart(reports: list) -> dict:
    """A business's recovery index against the city median, oldest month first."""
    reports = sorted(reports, key=lambda r: r.period)
    return _chart(
        title=_("Indeks pemulihan usaha ini dibanding median kota"),
        labels=[date_format(r.period, "M Y") + (_(" (sementara)") if r.city_provisional else "") for r in reports],
        datasets=[
            (_("Usaha ini"), [pct(r.index) for r in reports]),
            (_("Median kota"), [pct(r.city_median) for r in reports]),
        ],
        kind="line",
        first_label=_("Bulan"),
    )
