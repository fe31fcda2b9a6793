"""The dashboard's own figures worked out by hand: trained against untrained businesses, before
and after the online-marketing training, targets against actual figures; the filters, and the
export that writes what the page shows.

June 2025. Every business has a 2019 baseline of 10.000.000 a month and 2 + 3 workers.

    business  training (attended, session finished unless said)    June report      index
    T1        Pemasaran online, 10 April 2025 and again 12 June    12.000.000 on 40% 1.20 recovered
    T2        Pembukuan (another topic), March 2025                 6.000.000 on 20% 0.60 recovering
    T3        Pemasaran online, April 2025                          (July, August only)
    T4        Pemasaran online, April 2025                          (March, May only)
    U1        none                                                  4.000.000 on 0%  0.40 struggling
    U2        registered for a finished session, never attended    10.000.000 on 10% 1.00 recovered
    U3        attended a session that has not finished yet          2.000.000 on 0%  0.20 struggling
    U4        none                                                  (no report)

Trained (T1-T4): verified 4, reported 2, completeness 50%, recovered 1/2, median (0.6, 1.2)
= 0.9, online 2/2. Untrained (U1-U4): verified 4, reported 3, completeness 75%, recovered 1/3,
median (0.2, 0.4, 1.0) = 0.4, online (U2) 1/3. City: recovered 2/5, median 0.6.

Before and after the first online-marketing session (April 2025, its month left out):

    T1  online Jan-Mar 10, 20, 30 -> 20    May-Jul 40, 40, 70 -> 50   (Dec 2024 and Aug out)
        index  0.5, 0.6, 0.7 -> 0.6        1.0, 1.2, 1.4 -> 1.2
    T4  online Mar 0 -> 0                  May 30 -> 30; index 0.5 -> 0.5
    T3  nothing before: left out

Mean over businesses: online 10% -> 40%, index 55% -> 85% (pooling the reports instead would
give 15% -> 45%).
"""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from businesses.models import Kbli, Kecamatan, Kelurahan
from recovery import aggregates, selectors
from recovery.models import Measure, Target
from recovery.selectors import month_add, period_default
from trainings.models import Attendance, SessionStatus
from trainings.tests.factories import RegistrationFactory, TopicFactory, TrainingSessionFactory

from . import oracle
from .factories import MonthlyReportFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

JUNE = date(2025, 6, 1)
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def median_kind():
    """The figures are computed the same way on every database (recovery.aggregates)."""
    return "portable"


def attend(business, topic, starts, status=SessionStatus.FINISHED, present=True):
    session = TrainingSessionFactory(
        topic=topic,
        starts_at=datetime(*starts, 9, 0, tzinfo=WIB),
        ends_at=datetime(*starts, 12, 0, tzinfo=WIB),
        status=status,
    )
    registration = RegistrationFactory(session=session, business=business)
    if present:
        Attendance.objects.create(registration=registration)
    return session


@pytest.fixture
def world(reference):
    k1, k2 = Kecamatan.objects.order_by("code")[:2]
    in_k1 = Kelurahan.objects.filter(kecamatan=k1).first()
    in_k2 = Kelurahan.objects.filter(kecamatan=k2).first()
    food = Kbli.objects.get(version=2020, code="10750")
    clothing = Kbli.objects.get(version=2020, code="14302")
    online = TopicFactory(slug="pemasaran-online")
    books = TopicFactory(slug="pembukuan-sederhana", name="Pembukuan sederhana")

    def business(kelurahan=in_k1, kbli=food):
        return VerifiedBusinessFactory(kelurahan=kelurahan, kbli=kbli, turnover_2019=10_000_000)

    b = {
        "T1": business(),
        "T2": business(in_k2, clothing),
        "T3": business(),
        "T4": business(),
        "U1": business(in_k2, clothing),
        "U2": business(),
        "U3": business(in_k2),
        "U4": business(),
    }
    attend(b["T1"], online, (2025, 4, 10))
    attend(b["T1"], online, (2025, 6, 12))
    attend(b["T2"], books, (2025, 3, 5))
    attend(b["T3"], online, (2025, 4, 20))
    attend(b["T4"], online, (2025, 4, 22))
    attend(b["U2"], books, (2025, 3, 5), present=False)
    attend(b["U3"], books, (2025, 5, 5), status=SessionStatus.PUBLISHED)

    def report(key, month, turnover, online_share):
        return MonthlyReportFactory(business=b[key], period=month, turnover=turnover, online_share=online_share)

    report("T1", JUNE, 12_000_000, 40)
    report("T2", JUNE, 6_000_000, 20)
    report("U1", JUNE, 4_000_000, 0)
    report("U2", JUNE, 10_000_000, 10)
    report("U3", JUNE, 2_000_000, 0)
    for month, turnover, share in (
        ((2024, 12), 1_000_000, 100),
        ((2025, 1), 5_000_000, 10),
        ((2025, 2), 6_000_000, 20),
        ((2025, 3), 7_000_000, 30),
        ((2025, 4), 9_000_000, 90),
        ((2025, 5), 10_000_000, 40),
        ((2025, 7), 14_000_000, 70),
        ((2025, 8), 1_000_000, 100),
    ):
        report("T1", date(*month, 1), turnover, share)
    report("T4", date(2025, 3, 1), 5_000_000, 0)
    report("T4", date(2025, 5, 1), 5_000_000, 30)
    report("T3", date(2025, 7, 1), 5_000_000, 50)
    report("T3", date(2025, 8, 1), 5_000_000, 50)
    aggregates.summaries_refresh()  # what the worker does after these changes
    return {"businesses": b, "k1": k1, "k2": k2}


def test_trained_and_untrained_side_by_side(world, median_kind):
    trained, untrained = oracle.figures_by_training(period=JUNE)
    assert trained["key"] is True and untrained["key"] is False
    assert (trained["verified"], trained["reported"], trained["with_activity"]) == (4, 2, 2)
    assert trained["completeness"] == pytest.approx(0.5)
    assert trained["share_recovered"] == pytest.approx(0.5)
    assert trained["median_index"] == pytest.approx(0.9)
    assert trained["share_online"] == pytest.approx(1.0)
    assert (untrained["verified"], untrained["reported"]) == (4, 3)
    assert untrained["completeness"] == pytest.approx(0.75)
    assert untrained["share_recovered"] == pytest.approx(1 / 3)
    assert untrained["median_index"] == pytest.approx(0.4)
    assert untrained["share_online"] == pytest.approx(1 / 3)


def test_before_and_after_the_first_online_marketing_training(world):
    result = oracle.before_after_treated()
    assert result["businesses"] == 2
    assert result["online_before"] == pytest.approx(0.10)
    assert result["online_after"] == pytest.approx(0.40)
    assert result["index_before"] == pytest.approx(0.55)
    assert result["index_after"] == pytest.approx(0.85)


def test_before_and_after_follows_the_kecamatan_filter(world):
    result = oracle.before_after_treated(scope=selectors.Scope(kecamatan_id=world["k2"].pk))
    assert result["businesses"] == 0 and result["online_before"] is None


def test_a_training_late_on_the_last_day_of_a_month_in_jakarta_counts_in_that_month(reference):
    # 30 April 23:30 WIB is 16:30 UTC: April either way. 1 May 00:30 WIB is still 30 April in UTC.
    business = VerifiedBusinessFactory(turnover_2019=10_000_000)
    online = TopicFactory(slug="pemasaran-online")
    session = TrainingSessionFactory(
        topic=online,
        starts_at=datetime(2025, 5, 1, 0, 30, tzinfo=WIB),
        ends_at=datetime(2025, 5, 1, 3, 0, tzinfo=WIB),
        status=SessionStatus.FINISHED,
    )
    Attendance.objects.create(registration=RegistrationFactory(session=session, business=business))
    MonthlyReportFactory(business=business, period=date(2025, 4, 1), online_share=10)  # before May
    MonthlyReportFactory(business=business, period=date(2025, 5, 1), online_share=99)  # the month itself
    MonthlyReportFactory(business=business, period=date(2025, 6, 1), online_share=30)
    result = oracle.before_after_treated()
    assert (result["businesses"], result["online_before"], result["online_after"]) == (1, 0.10, 0.30)


def _target(measure, period, value, note=""):
    return Target.objects.create(measure=measure, period=period, value=value, note=note)


def test_targets_against_actual_figures(world, median_kind):
    # City in June: with activity T1 T2 U1 U2 U3; recovered T1 U2 = 40%; median 0.6; none short
    # of raw materials; 5 active. In May: T1 (1.0) and T4 (0.5): median 0.75.
    later = month_add(period_default(), 12)
    recovered = _target(Measure.SHARE_RECOVERED, JUNE, 60)
    raw = _target(Measure.SHARE_RAW_DIFFICULT, JUNE, 20)
    median_may = _target(Measure.MEDIAN_INDEX, date(2025, 5, 1), 80)
    median_dec = _target(Measure.MEDIAN_INDEX, date(2025, 12, 1), 100)
    active = _target(Measure.ACTIVE, later, 3)
    rows = {row["target"].pk: row for row in selectors.targets_page()["progress"]}
    assert (rows[recovered.pk]["due"], rows[recovered.pk]["actual"], rows[recovered.pk]["met"]) == (True, 0.4, False)
    assert (rows[raw.pk]["actual"], rows[raw.pk]["met"]) == (0.0, True)  # a ceiling: 0% <= 20%
    assert rows[median_may.pk]["actual"] == pytest.approx(0.75) and rows[median_may.pk]["met"] is False
    assert rows[median_dec.pk]["actual"] is None and rows[median_dec.pk]["met"] is None  # no reports that month
    # Not due yet: measured against last month, which has no reports here.
    assert (rows[active.pk]["due"], rows[active.pk]["actual_period"], rows[active.pk]["met"]) == (False, period_default(), False)

    data = selectors.figures(start=date(2025, 1, 1), end=JUNE)
    headline = {item["measure"]: item for item in data["headline"]}
    assert headline[Measure.SHARE_RECOVERED]["target"] == recovered and headline[Measure.SHARE_RECOVERED]["met"] is False
    # June is measured against the nearest target due in or after June: December's 100%.
    assert headline[Measure.MEDIAN_INDEX]["target"] == median_dec
    assert headline[Measure.MEDIAN_INDEX]["value"] == pytest.approx(0.6) and headline[Measure.MEDIAN_INDEX]["met"] is False
    assert headline[Measure.ACTIVE]["value"] == 5 and headline[Measure.ACTIVE]["met"] is True
    assert headline[Measure.ACTIVE]["due"] is False and headline[Measure.SHARE_RECOVERED]["due"] is True
    assert headline[Measure.JOBS_RATIO]["target"] is None
    # A month after every target of a measure: no headline target (the table judges past ones).
    later_headline = {item["measure"]: item for item in selectors.figures(start=JUNE, end=date(2026, 1, 1))["headline"]}
    assert later_headline[Measure.MEDIAN_INDEX]["target"] is None and later_headline[Measure.ACTIVE]["target"] == active


def test_a_target_met_exactly_counts_as_met():
    target = Target(measure=Measure.SHARE_ONLINE, period=JUNE, value=40)
    assert target.met_by(0.4) is True and target.met_by(0.399) is False and target.met_by(None) is None
    ceiling = Target(measure=Measure.SHARE_RAW_DIFFICULT, period=JUNE, value=20)
    assert ceiling.met_by(0.2) is True and ceiling.met_by(0.21) is False


def test_filters_narrow_every_figure(world, median_kind):
    data = selectors.figures(start=date(2025, 1, 1), end=JUNE, scope=selectors.Scope(kecamatan_id=world["k2"].pk))
    # K2: T2, U1, U3 report in June (0.6, 0.4, 0.2).
    assert data["city"]["verified"] == 3 and data["city"]["reported"] == 3
    assert data["city"]["median_index"] == pytest.approx(0.4)
    assert [row["key"] for row in data["by_kecamatan"]] == [world["k2"].pk]
    assert len(data["series"]) == 6 and data["series"][-1]["reported"] == 3
    clothing = selectors.figures(start=JUNE, end=JUNE, scope=selectors.Scope(division="14"))
    assert clothing["city"]["verified"] == 2 and clothing["city"]["median_index"] == pytest.approx(0.5)  # T2, U1
    assert [row["key"] for row in clothing["by_sector"]] == ["14"]


def test_the_page_and_its_filters_in_the_url(client, world, official):
    client.force_login(official)
    url = reverse("recovery:dashboard") + f"?dari=2025-01&sampai=2025-06&kecamatan={world['k2'].pk}&sektor="
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    data = page.context["data"]
    assert (data["start"], data["end"]) == (date(2025, 1, 1), JUNE)
    assert data["scope"] == selectors.Scope(kecamatan_id=world["k2"].pk)
    query = f"dari=2025-01&amp;sampai=2025-06&amp;kecamatan={world['k2'].pk}&amp;sektor="
    assert reverse("recovery:dashboard-export", args=["csv"]) + "?" + query in html
    assert reverse("recovery:dashboard-export", args=["xlsx"]) + "?" + query in html
    assert 'id="chart-specs" type="application/json"' in html
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html
    for key in ("trend", "active", "status", "kecamatan", "sector", "training", "before_after"):
        assert f'data-chart="{key}"' in html
    assert html.count("<caption>") >= 7  # one table per chart


def test_nonsense_filters_fall_back_to_the_last_year(client, world, staff):
    client.force_login(staff)
    page = client.get(reverse("recovery:dashboard") + "?dari=kemarin&sampai=2099-01&kecamatan=abc&sektor=zz")
    assert page.status_code == 200
    data = page.context["data"]
    assert data["end"] <= selectors.current_period() and data["scope"] == selectors.Scope()
    reversed_range = client.get(reverse("recovery:dashboard") + "?dari=2025-06&sampai=2025-01").context["data"]
    assert (reversed_range["start"], reversed_range["end"]) == (date(2025, 1, 1), JUNE)


def _csv_sections(content: bytes) -> dict[str, list[list[str]]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    sections, current = {}, None
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not row:
            current = None
        elif current is None:
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    return sections


def test_the_export_writes_the_figures_the_page_shows(client, world, official):
    _target(Measure.SHARE_RECOVERED, JUNE, 60, note='=HYPERLINK("http://x")')
    Kecamatan.objects.filter(pk=world["k1"].pk).update(name="=1+1 Payakumbuh Barat")
    aggregates.summaries_refresh()  # the summaries carry the kecamatan's name
    client.force_login(official)
    query = "?dari=2025-04&sampai=2025-06"
    page = client.get(reverse("recovery:dashboard") + query).context["data"]
    response = client.get(reverse("recovery:dashboard-export", args=["csv"]) + query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="angka-pemulihan-2025-04-2025-06.csv"' in response["Content-Disposition"]
    sections = _csv_sections(response.content)
    headline = {row[0]: row for row in sections["Angka utama Juni 2025"][1:]}
    assert headline["Porsi IKM sudah pulih"][1:] == ["40.0", "60.0", "2025-06", "Tidak tercapai"]
    assert headline["Median indeks pemulihan"][1] == f"{page['city']['median_index'] * 100:.1f}"
    months = sections["Dari bulan ke bulan"]
    # Months with too few reports are labelled provisional in the file as on the page.
    assert [row[0] for row in months[1:]] == [
        f"{m}{' (sementara)' if r['provisional'] else ''}"
        for m, r in zip(("2025-04", "2025-05", "2025-06"), page["series"], strict=True)
    ]
    assert len(sections["Menurut kecamatan, Juni 2025"]) == 1 + len(page["by_kecamatan"])
    training = {row[0]: row for row in sections["Pelatihan, Juni 2025"][1:]}
    trained = page["by_training"][0]
    assert training["Sudah ikut pelatihan sebelum bulan ini"][1:3] == [str(trained["verified"]), str(trained["reported"])]
    before_after = sections["Sebelum dan sesudah pelatihan pemasaran online"]
    assert before_after[1] == ["Dilatih", "2", "10.0", "40.0", "55.0", "85.0"]
    assert before_after[2][0] == "Pembanding (belum dilatih)"
    # Text that a spreadsheet would run stays text.
    assert "'=1+1 Payakumbuh Barat" in [row[0] for row in sections["Menurut kecamatan, Juni 2025"]]
    assert sections["Target kota dan capaian"][1][-1] == '\'=HYPERLINK("http://x")'

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("recovery:dashboard-export", args=["xlsx"]) + query).content))
    assert "Dari bulan ke bulan" in workbook.sheetnames
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    target_sheet = workbook["Target kota dan capaian"]
    assert target_sheet["G3"].value == '\'=HYPERLINK("http://x")' and target_sheet["C3"].value == 60


def test_officials_see_no_nik_or_contacts_on_the_dashboard_or_export(client, world, official):
    client.force_login(official)
    contents = [
        client.get(reverse("recovery:dashboard")).content.decode(),
        client.get(reverse("recovery:dashboard-export", args=["csv"])).content.decode("utf-8"),
    ]
    for business in world["businesses"].values():
        for content in contents:
            assert business.owner.phone not in content and business.owner.nik not in content
            assert business.owner.email not in content


def test_officials_set_a_target_and_setting_it_again_replaces_the_value(client, official):
    client.force_login(official)
    url = reverse("recovery:targets")
    response = client.post(url, {"measure": "share_recovered", "period": "2026-12", "value": "60", "note": "RPJMD"})
    assert response.status_code == 302
    client.post(url, {"measure": "share_recovered", "period": "2026-12", "value": "65"})
    [target] = Target.objects.all()
    assert (target.period, target.value, target.set_by, target.note) == (date(2026, 12, 1), 65, official, "")
    assert [float(h.value) for h in target.history.order_by("history_date")] == [60.0, 65.0]
    assert "Porsi IKM sudah pulih" in client.get(url).content.decode()
    # A headline figure without a target links to the form with its measure chosen.
    assert f'href="{url}?ukuran=share_online"' in client.get(reverse("recovery:dashboard")).content.decode()
    assert client.get(url + "?ukuran=share_online").context["form"]["measure"].value() == "share_online"


def test_target_form_refuses_what_cannot_be_a_target(client, staff):
    client.force_login(staff)
    url = reverse("recovery:targets")
    too_high = client.post(url, {"measure": "share_online", "period": "2026-12", "value": "120"})
    assert too_high.status_code == 200 and "paling tinggi 100%" in too_high.content.decode()
    negative = client.post(url, {"measure": "active", "period": "2026-12", "value": "-1"})
    assert "tidak boleh negatif" in negative.content.decode()
    early = client.post(url, {"measure": "active", "period": "2019-12", "value": "10"})
    assert "Januari 2020" in early.content.decode()
    assert not Target.objects.exists()
    client.post(url, {"measure": "active", "period": "2026-12", "value": "250"})  # a count may pass 100
    assert Target.objects.get().value == 250


def test_the_owner_sees_a_chart_of_the_business_against_the_city(client, world):
    business = world["businesses"]["T1"]
    client.force_login(business.owner.user)
    html = client.get(reverse("recovery:business", args=[business.pk])).content.decode()
    assert 'data-chart="business"' in html and 'id="chart-specs"' in html
    spec = client.get(reverse("recovery:business", args=[business.pk])).context["chart_specs"]["business"]
    # The tiny world's months are under the completeness threshold: each label says "sementara".
    june = next(i for i, label in enumerate(spec["labels"]) if label.startswith("Jun 2025"))
    assert spec["labels"][june] == "Jun 2025 (sementara)"
    assert spec["datasets"][0]["data"][june] == 120.0 and spec["datasets"][1]["data"][june] == 60.0
