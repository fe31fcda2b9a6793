"""Helpers the recovery tests share, and other apps' tests that fill in a monthly report (a test
module imports no other test module): the report form's fields, the report import's files and
pages, a city grown to many businesses and trainings, and figures compared to the last bit."""

import io
import math

from openpyxl import Workbook

from businesses.models import Kelurahan
from businesses.tests.helpers import confirm as registry_confirm
from businesses.tests.helpers import upload as registry_upload
from recovery.models import MonthlyReport, ReportStatus
from recovery.resources import COLUMNS, EXAMPLE_ROW
from recovery.selectors import month_add, period_default

from .factories import VerifiedBusinessFactory

# --- The owner's report form ------------------------------------------------------------------


def payload(**overrides):
    data = {
        "period": f"{period_default():%Y-%m}",
        "turnover": "Rp 12.500.000",
        "workers_male": "2",
        "workers_female": "3",
        "production_volume": "150",
        "production_unit": "kg",
        "online_share": "25",
        "operating_status": "normal",
        "raw_materials": "sulit",
        "channel_shop": "on",
        "channel_whatsapp": "on",
        "market_city": "on",
        "health_masks": "on",
        "problem_capital": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- The report import (admin) ----------------------------------------------------------------

IMPORT_URL = "admin:recovery_monthlyreport_import"
CONFIRM_URL = "admin:recovery_monthlyreport_import_job_confirm"


def row(nib: str, **changes) -> dict:
    return {**EXAMPLE_ROW, "nib": nib, "bulan": f"{period_default():%Y-%m}", **changes}


def xlsx(rows: list[dict], columns=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Data Laporan"
    sheet.append(list(columns))
    for values in rows:
        sheet.append([values.get(c, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name="laporan.xlsx"):
    return registry_upload(client, content, name, url=IMPORT_URL)


def confirm(client, preview_response):
    return registry_confirm(client, preview_response, url=CONFIRM_URL)


# --- Many businesses and trainings --------------------------------------------------------------


def grow_to(n_businesses: int, months: int = 12) -> None:
    """Businesses (some not reporting, some with no activity) with ``months`` of reports each."""
    from businesses.models import Business

    kelurahan = list(Kelurahan.objects.all())
    missing = n_businesses - Business.objects.count()
    for i in range(missing):
        VerifiedBusinessFactory(kelurahan=kelurahan[i % len(kelurahan)], turnover_2019=10_000_000 + i * 1000)
    have = set(MonthlyReport.objects.values_list("business_id", "period"))
    reports = []
    for index, business_id in enumerate(Business.objects.order_by("pk").values_list("pk", flat=True)):
        if index % 5 == 4:
            continue  # every fifth business never reports: the follow-up list grows too
        for back in range(months):
            period = month_add(period_default(), -back)
            if (business_id, period) in have:
                continue
            idle = index % 7 == 3
            reports.append(
                MonthlyReport(
                    business_id=business_id,
                    period=period,
                    no_activity=idle,
                    turnover=None if idle else 5_000_000 + 250_000 * (index % 40),
                    workers_male=None if idle else 2,
                    workers_female=None if idle else 1,
                    online_share=None if idle else index % 60,
                    operating_status="" if idle else ("normal", "terbatas", "tutup_sementara")[index % 3],
                    raw_materials="" if idle else ("normal", "sulit")[index % 2],
                    status=ReportStatus.APPROVED if back else ReportStatus.SUBMITTED,
                )
            )
    MonthlyReport.objects.bulk_create(reports)


def grow_trainings(n_sessions: int) -> None:
    """Finished online-marketing sessions, each attended by a handful of reporting businesses."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from businesses.models import Business
    from trainings.models import Attendance, SessionStatus
    from trainings.tests.factories import RegistrationFactory, TopicFactory, TrainingSessionFactory

    topic = TopicFactory(slug="pemasaran-online")
    businesses = list(Business.objects.order_by("pk"))
    start = datetime.combine(month_add(period_default(), -6), datetime.min.time(), tzinfo=ZoneInfo("Asia/Jakarta"))
    for i in range(n_sessions):
        session = TrainingSessionFactory(
            topic=topic,
            starts_at=start + timedelta(days=9 * i, hours=9),
            ends_at=start + timedelta(days=9 * i, hours=12),
            status=SessionStatus.FINISHED,
        )
        for business in businesses[i * 4 : i * 4 + 4]:
            Attendance.objects.create(registration=RegistrationFactory(session=session, business=business))


# --- Comparing figures --------------------------------------------------------------------------


def same(left, right, path="") -> None:
    """Equal, floats to 1e-9 relative (a mean summed in another order may differ in its last bit)."""
    if isinstance(left, float) or isinstance(right, float):
        assert left is not None and right is not None, path
        assert math.isclose(float(left), float(right), rel_tol=1e-9), (path, left, right)
    elif isinstance(left, dict):
        assert set(left) == set(right), (path, set(left) ^ set(right))
        for key in left:
            same(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), (path, len(left), len(right))
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            same(a, b, f"{path}[{i}]")
    else:
        assert left == right, (path, left, right)
