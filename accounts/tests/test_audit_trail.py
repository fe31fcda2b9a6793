"""Every staff action on businesses, registrations and reports leaves who, when and what changed,
staff read it in the admin, and nobody (superusers included) edits it there.

Each action is done the way staff do it (the admin or the portal, over the test client), so the
user recorded is the one the request middleware saw; then the trail page is read as staff.
"""

from datetime import timedelta
from html import escape

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from businesses.models import Business, BusinessStatus
from businesses.tests.factories import BusinessFactory, UserFactory
from recovery.models import MonthlyReport, ReportStatus
from recovery.tests.factories import MonthlyReportFactory
from recovery.tests.helpers import payload
from trainings.models import Attendance, Registration, RegistrationStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

TRAILS = {
    "business": "admin:businesses_historicalbusiness",
    "registration": "admin:trainings_historicalregistration",
    "attendance": "admin:trainings_historicalattendance",
    "report": "admin:recovery_historicalmonthlyreport",
}


def latest(model, pk):
    return model.history.filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first()


def changed(record) -> set[str]:
    return set(record.diff_against(record.prev_record).changed_fields) - {"updated_at"}


def trail_page(client, kind: str) -> str:
    response = client.get(reverse(f"{TRAILS[kind]}_changelist"))
    assert response.status_code == 200
    return response.content.decode()


def assert_staff_read(client, kind, user, *fragments):
    """Staff open the trail and see who did it and what changed."""
    page = trail_page(client, kind)
    assert escape(user.full_name) in page
    for fragment in fragments:
        assert escape(fragment) in page, fragment


def admin_business_form(client, business):
    url = reverse("admin:businesses_business_change", args=[business.pk])
    form = client.get(url).context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "marketplaces"},
        "kbli": business.kbli_id,
        "kelurahan": business.kelurahan_id,
        "owner": business.owner_id,
        "certifications-TOTAL_FORMS": 0,
        "certifications-INITIAL_FORMS": 0,
        "duplicate_flags-TOTAL_FORMS": 0,
        "duplicate_flags-INITIAL_FORMS": 0,
    }
    return url, data


# --- Businesses -------------------------------------------------------------------------------


def test_verifying_a_business_is_traced_with_who_and_the_status_change(client, staff, pending_business):
    client.force_login(staff)
    client.post(reverse("admin:businesses_business_changelist"), {"action": "verify", "_selected_action": [pending_business.pk]})
    record = latest(Business, pending_business.pk)
    assert (record.history_type, record.history_user, record.status) == ("~", staff, BusinessStatus.VERIFIED)
    assert timezone.now() - record.history_date < timedelta(minutes=1)
    assert {"status", "status_changed_at", "status_changed_by"} <= changed(record)
    assert_staff_read(client, "business", staff, pending_business.name, "status: Menunggu verifikasi → Terverifikasi")


def test_rejecting_a_business_is_traced_with_the_reason(client, staff, pending_business):
    client.force_login(staff)
    client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "reject", "_selected_action": [pending_business.pk], "apply": "1", "reason": "NIB tidak cocok dengan OSS"},
    )
    record = latest(Business, pending_business.pk)
    assert (record.history_user, record.status) == (staff, BusinessStatus.REJECTED)
    assert {"status", "rejection_reason"} <= changed(record)
    assert_staff_read(client, "business", staff, "NIB tidak cocok dengan OSS")


def test_editing_a_business_in_the_admin_is_traced_field_by_field(client, staff, pending_business):
    client.force_login(staff)
    url, data = admin_business_form(client, pending_business)
    old_products = pending_business.products
    assert client.post(url, {**data, "products": "Galamai, kipang, rendang"}).status_code == 302
    record = latest(Business, pending_business.pk)
    assert record.history_user == staff and changed(record) == {"products"}
    assert_staff_read(client, "business", staff, f"produk: {old_products} → Galamai, kipang, rendang")


def test_archiving_a_business_is_traced_and_keeps_it(client, staff, pending_business):
    client.force_login(staff)
    url, data = admin_business_form(client, pending_business)
    client.post(url, {**data, "_deactivate": "1"})
    record = latest(Business, pending_business.pk)
    assert (record.history_user, record.status) == (staff, BusinessStatus.INACTIVE)
    assert Business.objects.filter(pk=pending_business.pk).exists()
    assert_staff_read(client, "business", staff, "→ Tidak aktif")


# --- Registrations and attendance ---------------------------------------------------------------


def test_staff_adding_a_participant_is_traced(client, staff, reference):
    session, verified = TrainingSessionFactory(), VerifiedBusinessFactory()
    client.force_login(staff)
    client.post(
        reverse("trainings:registration-add", args=[session.pk]), {"business": verified.pk, "participant_name": "Rina Oktavia"}
    )
    registration = Registration.objects.get(session=session, business=verified)
    record = latest(Registration, registration.pk)
    assert (record.history_type, record.history_user, record.status) == ("+", staff, RegistrationStatus.CONFIRMED)
    assert_staff_read(client, "registration", staff, f"Rina Oktavia · {verified.name} · {session.title}", "dibuat")


def test_moving_a_participant_is_traced_on_both_registrations(client, staff, reference):
    here = TrainingSessionFactory()
    there = TrainingSessionFactory(topic=here.topic)
    moving = RegistrationFactory(session=here)
    client.force_login(staff)
    client.post(reverse("trainings:registration-move", args=[moving.pk]), {"to_session": there.pk})
    old = latest(Registration, moving.pk)
    new = latest(Registration, Registration.objects.get(session=there).pk)
    assert (old.history_type, old.history_user, old.status) == ("~", staff, RegistrationStatus.CANCELLED)
    assert {"status", "cancelled_at"} <= changed(old)
    assert (new.history_type, new.history_user) == ("+", staff)
    assert_staff_read(client, "registration", staff, "status: Terdaftar → Dibatalkan", there.title)


def test_a_cancelled_registration_is_traced_with_who_cancelled_it(client, reference):
    """Owners cancel their own registrations (staff move them or cancel the whole session)."""
    registration = RegistrationFactory()
    user = registration.business.owner.user
    client.force_login(user)
    client.post(reverse("trainings:cancel", args=[registration.pk]))
    record = latest(Registration, registration.pk)
    assert (record.history_user, record.status) == (user, RegistrationStatus.CANCELLED)
    assert {"status", "cancelled_at"} <= changed(record)


def test_checking_in_and_undoing_attendance_are_both_traced(client, staff, reference):
    starts = timezone.now() - timedelta(minutes=30)
    seat = RegistrationFactory(session=TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3)))
    client.force_login(staff)
    url = reverse("trainings:attendance-toggle", args=[seat.pk])
    client.post(url)
    client.post(url, {"action": "undo"})
    assert not Attendance.objects.exists()
    checked_in, undone = Attendance.history.filter(registration_id=seat.pk).order_by("history_id")
    assert (checked_in.history_type, checked_in.history_user, checked_in.checked_in_by) == ("+", staff, staff)
    assert (undone.history_type, undone.history_user) == ("-", staff)
    page = trail_page(client, "attendance")
    assert page.count(escape(staff.full_name)) >= 2 and "dibuat" in page and "dihapus" in page


# --- Monthly reports ------------------------------------------------------------------------------


def test_approving_a_report_is_traced(client, staff, reference):
    report = MonthlyReportFactory()
    client.force_login(staff)
    client.post(reverse("recovery:report-approve", args=[report.pk]))
    record = latest(MonthlyReport, report.pk)
    assert (record.history_user, record.status) == (staff, ReportStatus.APPROVED)
    assert {"status", "reviewed_by", "reviewed_at"} <= changed(record)
    assert_staff_read(client, "report", staff, report.business.name, "→ Disetujui")


def test_returning_a_report_is_traced_with_the_note(client, staff, reference):
    report = MonthlyReportFactory()
    client.force_login(staff)
    client.post(reverse("recovery:report-return", args=[report.pk]), {"note": "Omzet tertukar dengan bulan lalu"})
    record = latest(MonthlyReport, report.pk)
    assert (record.history_user, record.status) == (staff, ReportStatus.RETURNED)
    assert {"status", "return_note"} <= changed(record)
    assert_staff_read(client, "report", staff, "Omzet tertukar dengan bulan lalu")


def test_staff_editing_a_report_for_an_owner_is_traced_field_by_field(client, staff, reference):
    report = MonthlyReportFactory(turnover=12_000_000)
    client.force_login(staff)
    response = client.post(
        reverse("recovery:report-form", args=[report.business.pk]),
        payload(period=f"{report.period:%Y-%m}", turnover="Rp 13.000.000", confirmed_unusual="on"),
    )
    assert response.status_code == 302
    record = latest(MonthlyReport, report.pk)
    assert record.history_user == staff and record.turnover == 13_000_000
    assert "turnover" in changed(record)
    assert_staff_read(client, "report", staff, "12000000 → 13000000")


# --- Reading, and nobody editing -------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TRAILS))
def test_staff_read_each_trail_and_owners_cannot(client, staff, owner, kind):
    client.force_login(staff)
    assert client.get(reverse(f"{TRAILS[kind]}_changelist")).status_code == 200
    client.force_login(owner.user)
    assert client.get(reverse(f"{TRAILS[kind]}_changelist")).status_code == 302  # to the admin's sign-in


def test_the_trail_page_reads_a_constant_number_of_queries(client, staff, reference):
    client.force_login(staff)
    url = reverse(f"{TRAILS['business']}_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = BusinessFactory()
    Business.objects.filter(pk=first.pk).update(products="x")  # no history: a bare update
    first.products = "Rendang"
    first.save()
    few = count()
    for business in BusinessFactory.create_batch(8):
        for n in range(3):
            business.products = f"Rendang {n}"
            business.save()
    assert count() == few


@pytest.fixture
def superuser(reference):
    return UserFactory(is_superuser=True, is_staff=True, email="super@contoh.id")


@pytest.mark.parametrize("kind", list(TRAILS))
def test_nobody_adds_changes_or_deletes_a_trail_row_superusers_included(client, superuser, staff, kind):
    client.force_login(staff)
    business = VerifiedBusinessFactory()
    starts = timezone.now() - timedelta(minutes=30)
    session = TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3))
    seat = RegistrationFactory(session=session, business=business)
    client.post(reverse("trainings:attendance-toggle", args=[seat.pk]))
    MonthlyReportFactory(business=business)
    model = {"business": Business, "registration": Registration, "attendance": Attendance, "report": MonthlyReport}[kind]
    row = model.history.order_by("history_id").first()
    before = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}

    client.force_login(superuser)
    base = TRAILS[kind]
    assert client.get(reverse(f"{base}_changelist")).status_code == 200
    assert client.get(reverse(f"{base}_add")).status_code == 403
    assert client.post(reverse(f"{base}_change", args=[row.pk]), {"history_type": "+"}).status_code == 403
    assert client.post(reverse(f"{base}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    listing = client.post(reverse(f"{base}_changelist"), {"action": "delete_selected", "_selected_action": [row.pk]})
    assert listing.status_code in (200, 302)
    page = client.get(reverse(f"{base}_change", args=[row.pk])).content.decode()  # the read-only view
    assert 'name="_save"' not in page and "deletelink" not in page
    row.refresh_from_db()
    assert {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields} == before


def test_the_personal_data_trail_is_readable_by_staff_and_refuses_update_and_delete(client, staff):
    event = AuditEvent.objects.create(actor=staff, action=AuditAction.NIK_VIEW, object_type="owner", object_ids=[1])
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.post(reverse("admin:accounts_auditevent_change", args=[event.pk]), {}).status_code == 403
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.NIK_LIST)


def test_a_past_version_can_be_looked_at_but_not_saved_back(client, staff, pending_business):
    """simple-history's revert saved an old version past the services: an approved, locked report
    went back to submitted. Its page now only shows the version."""
    report = MonthlyReportFactory()
    client.force_login(staff)
    client.post(reverse("recovery:report-approve", args=[report.pk]))
    client.post(reverse("admin:businesses_business_changelist"), {"action": "verify", "_selected_action": [pending_business.pk]})
    for model, obj, url_name in (
        (MonthlyReport, report, "admin:recovery_monthlyreport_simple_history"),
        (Business, pending_business, "admin:businesses_business_simple_history"),
    ):
        first = model.history.filter(id=obj.pk).order_by("history_id").first()
        url = reverse(url_name, args=[obj.pk, first.history_id])
        page = client.get(url)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.post(url, {}).status_code == 403
    report.refresh_from_db()
    pending_business.refresh_from_db()
    assert (report.status, pending_business.status) == (ReportStatus.APPROVED, BusinessStatus.VERIFIED)
