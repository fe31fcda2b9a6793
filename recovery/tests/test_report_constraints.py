"""The monthly report's check constraints are validated in Python, not asked of the database
(MonthlyReport.validate_constraints): each one must have its Python twin, a field validator or
clean(), and sending the form must validate once, with every message shown once."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recovery.models import MonthlyReport, ReportStatus
from recovery.selectors import period_default

from .factories import MonthlyReportFactory
from .helpers import payload

pytestmark = pytest.mark.django_db

# One report each check constraint refuses, by the constraint's name.
VIOLATIONS = {
    "recovery_report_period_first_day": {"period": date(2025, 3, 15)},
    "recovery_report_period_from_2020": {"period": date(2019, 12, 1)},
    "recovery_report_turnover_not_negative": {"turnover": -1},
    "recovery_report_online_share_percent": {"online_share": 101},
    "recovery_report_activity_complete": {"workers_female": None},
    "recovery_report_return_has_note": {"status": ReportStatus.RETURNED, "return_note": ""},
}
CHECKS = {c.name: c for c in MonthlyReport._meta.constraints if isinstance(c, CheckConstraint)}


def test_every_check_constraint_has_a_report_it_refuses_here():
    assert set(CHECKS) == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_python_validation_refuses_what_each_check_constraint_refuses(verified_business, name):
    report = MonthlyReportFactory.build(business=verified_business, **VIOLATIONS[name])
    with pytest.raises(ValidationError):
        CHECKS[name].validate(MonthlyReport, report)  # the database's answer
    try:
        report.full_clean()
    except ValidationError:
        return
    # Not refused: clean() put it right (the month on its first day), as the database accepts.
    CHECKS[name].validate(MonthlyReport, report)


def test_validation_asks_the_database_only_whether_the_month_is_taken(verified_business):
    MonthlyReportFactory(business=verified_business, period=date(2025, 3, 1))
    report = MonthlyReportFactory.build(business=verified_business, period=date(2025, 3, 1))
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as error:
        report.full_clean()
    assert error.value.messages == ["Usaha ini sudah punya laporan untuk bulan tersebut."]
    assert [q["sql"] for q in queries if "_check" in q["sql"]] == []
    assert len(queries) == 2  # the business exists, the month is taken


def test_sending_the_form_validates_once(client, verified_business, django_assert_num_queries):
    client.force_login(verified_business.owner.user)
    url = reverse("recovery:report-form", args=[verified_business.pk])
    client.get(url)  # the session's first write
    # 51 here (inside the test's transaction, a savepoint around each) while the form and then the
    # service asked PostgreSQL about each check constraint. 17 with the month's change mark
    # (recovery.aggregates.summaries_mark_changed: the business's cells to refresh); 16 since the
    # session's user comes with their role (accounts.backends.EmailOrPhoneBackend.get_user).
    with django_assert_num_queries(16):
        response = client.post(url, payload())
    assert response.status_code == 302
    assert MonthlyReport.objects.get(business=verified_business).period == period_default()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"online_share": "120"}, "Porsi online antara 0 dan 100 persen."),
        ({"workers_female": ""}, "Wajib diisi, kecuali bulan ini tidak ada kegiatan."),
        ({"period": "2019-12"}, "Laporan paling awal untuk Januari 2020."),
        ({"turnover": "-5000"}, "Nilai tidak boleh negatif."),
    ],
)
def test_a_refused_report_says_why_once_in_indonesian(client, verified_business, overrides, message):
    client.force_login(verified_business.owner.user)
    response = client.post(reverse("recovery:report-form", args=[verified_business.pk]), payload(**overrides))
    assert response.status_code == 200
    assert response.content.decode().count(message) == 1
    assert not MonthlyReport.objects.exists()


def test_a_month_reported_meanwhile_without_the_lock_is_refused_with_a_message(verified_business, monkeypatch):
    from recovery import services

    MonthlyReportFactory(business=verified_business, period=period_default())
    # As if the month's report had been written after the service looked for it (a path that
    # takes no business lock): the unique constraint, not full_clean, refuses it.
    monkeypatch.setattr(MonthlyReport.objects, "filter", lambda *args, **kwargs: MonthlyReport.objects.none())
    data = {"turnover": 1, "workers_male": 1, "workers_female": 1, "online_share": 1, "operating_status": "normal"}
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            business=verified_business, period=period_default(), data={**data, "raw_materials": "normal"}, actor=None
        )
    assert error.value.messages == ["Laporan bulan ini baru saja dikirim dari tempat lain. Muat ulang halaman."]
    assert MonthlyReport.objects.count() == 1
