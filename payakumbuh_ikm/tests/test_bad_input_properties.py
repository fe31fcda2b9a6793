"""Property-based tests (hypothesis): arbitrary text, numbers, dates and files thrown at every
form of the portal, posted through the test client as the role that uses it, and at the import
parsers. Whatever arrives: never a server error (the test client re-raises a view's exception),
every refusal explained in Indonesian, and nothing half-saved (row counts unchanged after a
submission that was refused).

Fast on purpose: 30 examples a form (profile below), no deadline; the whole module runs in
well under a minute on a quiet machine.
"""

import string
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import tablib
from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import EmailPasswordResetForm, SignInForm
from businesses.forms import BusinessForm, CertificationForm, SignupForm
from businesses.models import Business, Certification, ChangeRequest, Owner
from businesses.resources import (
    IMPORT_COLUMNS,
    BusinessResource,
    CSVFormat,
    ImportFileError,
    XLSXFormat,
    detect_format,
    parse_boolean,
    parse_integer,
)
from businesses.tests.factories import BusinessFactory, OwnerFactory, UserFactory
from recovery.forms import ReportForm, ReturnForm, TargetForm
from recovery.models import MonthlyReport, Target
from recovery.resources import COLUMNS as REPORT_COLUMNS
from recovery.resources import MonthlyReportResource, parse_month
from recovery.tests.factories import MonthlyReportFactory, VerifiedBusinessFactory
from trainings.forms import RegisterForm
from trainings.forms_feedback import FeedbackForm
from trainings.forms_roster import MoveForm, StaffAddForm
from trainings.models import Attendance, Feedback, Registration, SessionStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory

from .helpers import ENGLISH

pytestmark = pytest.mark.django_db

settings.register_profile(
    "forms",
    max_examples=30,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORMS = settings.get_profile("forms")

# --- What people (and robots) type ------------------------------------------------------------

# Any character but lone surrogates (no browser can send them), NUL and other controls included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
LONG_TEXT = st.text(string.printable, min_size=250, max_size=3000)
TRICKY = st.sampled_from(
    [
        "", " ", "\x00", "a\x00b", "0", "-1", "-0", "1e309", "NaN", "inf", "9" * 40, "2024-02-30", "31/12/2024",
        "Rp 1.250.000", "1.250.000,50", "<script>alert(1)</script>", "' OR 1=1 --", "١٢٣", "１２３", "\u202e",
        "../../etc/passwd", "2025-13", "0000-00", "9999-99", "=1+1", "@SUM(A1)", "null", "None", "[]", "{}",
        "0812-3456-7890", "+62 812 3456 7890", "a@b", "x" * 255, "３１７１０１７１０１０００００１",
    ]
)  # fmt: skip
NUMBER = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.floats()).map(str)
DATE = st.one_of(st.dates().map(str), st.dates().map(lambda d: d.strftime("%d/%m/%Y")), st.datetimes().map(str))
VALUE = st.one_of(TEXT, TRICKY, NUMBER, DATE, LONG_TEXT)
FILE = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.sampled_from(["a.pdf", "a.jpg", "a.png", "a.xlsx", "a.csv", "a.exe", "a", "../../a.pdf", "a.pdf.exe", "ä\u202efdp.exe"]),
    st.one_of(
        st.binary(max_size=2000),
        st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"MZ\x90\x00", b"PK\x03\x04"]).flatmap(
            lambda magic: st.binary(max_size=500).map(lambda rest: magic + rest)
        ),
    ),
)


def form_data(fields: list[str]) -> st.SearchStrategy[dict]:
    """Every field present or missing, each holding any kind of value (sometimes a list)."""
    value = st.one_of(VALUE, st.lists(VALUE, max_size=3))
    # A browser always sends the CSRF token, so a real POST is never empty (views treat an empty
    # POST as no submission); the test client does not check its value.
    token = {"csrfmiddlewaretoken": "x" * 64}
    return st.dictionaries(st.sampled_from(fields), value, max_size=len(fields)).map(lambda data: {**token, **data})


def counts(*models) -> tuple[int, ...]:
    return tuple(model.objects.count() for model in models)


def errors_of(response) -> list[str]:
    """Every error message of every bound form on the page, and the page's messages."""
    found, contexts = [], response.context or []
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for value in context.flatten().values():
            errors = getattr(value, "errors", None)
            if getattr(value, "is_bound", False) and errors:
                found += [str(m) for field_errors in errors.values() for m in field_errors]
    return found + [str(m) for m in getattr(response.wsgi_request, "_messages", [])]


def assert_answered(response, before, after, *, allowed=(200, 302, 403, 404, 429), saved=None) -> None:
    """No server error; a refusal changes no row and explains itself in Indonesian. With
    ``saved`` (rows each count gains when the form is accepted), a redirect, which may also be a
    refusal answered like an acceptance, must have saved all of them or none."""
    assert response.status_code in allowed, response.status_code
    if response.status_code == 302:
        if saved is not None:
            assert after in (before, tuple(b + n for b, n in zip(before, saved, strict=True))), (before, after)
        return
    assert after == before, "a refused submission changed rows"
    said = errors_of(response)
    assert response.status_code != 200 or said, "a refused submission must say why"
    for message in said:
        assert message.strip(), "an empty error message"
        assert not ENGLISH.search(message), message


def fresh_request_state() -> None:
    """Rate-limit counters (Redis) and sign-in failures (axes) reset between examples, so each
    example meets the form and not the limiter."""
    cache.clear()
    axes_reset()


# --- Accounts: sign-in, password reset, sign-up ---------------------------------------------------


@FORMS
@given(data=form_data(list(SignInForm.base_fields)))
def test_sign_in_answers_any_input(client, reference, data):
    fresh_request_state()
    before = counts(get_user_model())
    response = client.post(reverse("accounts:login"), data)
    assert_answered(response, before, counts(get_user_model()))


@FORMS
@given(data=form_data(list(EmailPasswordResetForm.base_fields)))
def test_password_reset_answers_any_input(client, reference, data):
    fresh_request_state()
    response = client.post(reverse("accounts:password_reset"), data)
    assert response.status_code in (200, 302, 429)


SIGNUP_FIELDS = list(SignupForm.base_fields)
BUSINESS_FIELDS = list(BusinessForm.base_fields)


@FORMS
@given(account=form_data(SIGNUP_FIELDS), business=form_data(BUSINESS_FIELDS))
def test_sign_up_answers_any_input_and_saves_all_or_nothing(client, reference, account, business):
    fresh_request_state()
    data = {**account, **{f"usaha-{k}": v for k, v in business.items()}}
    before = counts(get_user_model(), Owner, Business)
    response = client.post(reverse("businesses:signup"), data)
    assert_answered(response, before, counts(get_user_model(), Owner, Business), saved=(1, 1, 1))


# --- The owner's forms -----------------------------------------------------------------------------


@pytest.fixture
def owner_with_business(reference):
    owner = OwnerFactory()
    return owner, VerifiedBusinessFactory(owner=owner)


@FORMS
@given(data=form_data(BUSINESS_FIELDS))
def test_business_registration_answers_any_input(client, owner_with_business, data):
    owner, _ = owner_with_business
    client.force_login(owner.user)
    before = counts(Business, ChangeRequest)
    response = client.post(reverse("businesses:new"), data)
    assert_answered(response, before, counts(Business, ChangeRequest))


@FORMS
@given(data=form_data(BUSINESS_FIELDS))
def test_change_request_answers_any_input(client, owner_with_business, data):
    owner, business = owner_with_business
    client.force_login(owner.user)
    before = counts(Business, ChangeRequest)
    response = client.post(reverse("businesses:edit", args=[business.pk]), data)
    assert_answered(response, before, counts(Business, ChangeRequest))


@FORMS
@given(data=form_data([f for f in CertificationForm.base_fields if f != "document"]), document=st.none() | FILE)
def test_certification_form_answers_any_input_and_any_file(client, owner_with_business, data, document):
    owner, business = owner_with_business
    client.force_login(owner.user)
    if document is not None:
        data = {**data, "document": document}
    before = counts(Certification)
    response = client.post(reverse("businesses:certification-add", args=[business.pk]), data)
    assert_answered(response, before, counts(Certification))


REPORT_FIELDS = list(ReportForm.base_fields)


@FORMS
@given(data=form_data(REPORT_FIELDS), period=st.none() | VALUE)
def test_monthly_report_answers_any_input(client, owner_with_business, data, period):
    owner, business = owner_with_business
    client.force_login(owner.user)
    url = reverse("recovery:report-form", args=[business.pk])
    before = counts(MonthlyReport)
    if period is not None:  # as a browser sends it: percent-encoded
        url += "?" + urlencode({"periode": period})
    response = client.post(url, data)
    assert_answered(response, before, counts(MonthlyReport))


@FORMS
@given(data=form_data(list(RegisterForm.base_fields)))
def test_training_registration_answers_any_input(client, owner_with_business, data):
    owner, _ = owner_with_business
    session = TrainingSessionFactory()
    client.force_login(owner.user)
    before = counts(Registration)
    response = client.post(reverse("trainings:register", args=[session.pk]), data)
    assert_answered(response, before, counts(Registration))


@FORMS
@given(data=form_data(list(FeedbackForm.base_fields)))
def test_feedback_answers_any_input(client, reference, data):
    staff = UserFactory(role="staf")
    starts = timezone.now() - timedelta(days=1, hours=4)
    session = TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), status=SessionStatus.FINISHED)
    registration = RegistrationFactory(session=session)
    Attendance.objects.create(registration=registration, checked_in_by=staff)
    client.force_login(registration.business.owner.user)
    before = counts(Feedback)
    response = client.post(reverse("trainings:feedback", args=[registration.pk]), data)
    assert_answered(response, before, counts(Feedback))


# --- Staff and officials ---------------------------------------------------------------------------


@FORMS
@given(data=form_data(list(ReturnForm.base_fields)))
def test_returning_a_report_answers_any_input(client, staff, data):
    report = MonthlyReportFactory()
    client.force_login(staff)
    status = report.status
    response = client.post(reverse("recovery:report-return", args=[report.pk]), data)
    assert response.status_code in (200, 302)
    note = data.get("note")
    note = note[-1] if isinstance(note, list) and note else note  # a repeated field: the last one counts
    if not isinstance(note, str) or not note.strip():
        report.refresh_from_db()
        assert report.status == status  # a return without a reason changes nothing


@FORMS
@given(data=form_data(list(TargetForm.base_fields)))
def test_targets_answer_any_input(client, official, data):
    client.force_login(official)
    before = counts(Target)
    response = client.post(reverse("recovery:targets"), data)
    assert_answered(response, before, counts(Target))


@FORMS
@given(data=form_data([*StaffAddForm.base_fields, *MoveForm.base_fields]))
def test_roster_forms_answer_any_input(client, staff, data):
    session = TrainingSessionFactory()
    registration = RegistrationFactory(session=session)
    client.force_login(staff)
    before = counts(Registration)
    added = client.post(reverse("trainings:registration-add", args=[session.pk]), data)
    assert added.status_code in (200, 302, 400, 403, 409)
    if added.status_code != 302:
        assert counts(Registration) == before
    moved = client.post(reverse("trainings:registration-move", args=[registration.pk]), data)
    assert moved.status_code in (200, 302, 400, 403, 409)


FILTERS = ["kecamatan", "sektor", "dari", "sampai", "periode", "bulan", "ukuran", "topic", "month", "mode", "page", "q", "format"]


@settings(FORMS, max_examples=12)  # eight pages an example
@given(params=form_data(FILTERS))
def test_filters_of_every_list_and_dashboard_answer_any_query(client, staff, official, params):
    query = {k: v for k, v in params.items() if k != "csrfmiddlewaretoken"}
    client.force_login(official)
    for name in ("recovery:dashboard", "recovery:figures", "recovery:targets", "trainings:catalogue"):
        assert client.get(reverse(name), query).status_code == 200
    client.force_login(staff)
    for name in ("recovery:completeness", "businesses:list", "recovery:report-files", "trainings:feedback-summary"):
        assert client.get(reverse(name), query).status_code in (200, 302)


# --- Import upload forms and parsers ------------------------------------------------------------


@FORMS
@given(content=st.binary(max_size=3000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
@pytest.mark.parametrize("url", ["admin:businesses_business_import", "admin:recovery_monthlyreport_import"])
def test_import_uploads_answer_any_file(client, staff, url, content):
    client.force_login(staff)
    before = counts(Business, Owner, MonthlyReport)
    response = client.post(reverse(url), {"import_file": SimpleUploadedFile("berkas.xlsx", content)})
    assert response.status_code in (200, 302)  # refused with a reason, or queued for its preview
    assert counts(Business, Owner, MonthlyReport) == before


@FORMS
@given(content=st.binary(max_size=4000))
def test_file_parsers_return_a_dataset_or_a_reason(content):
    for parse in (lambda: detect_format(content)().create_dataset(content), lambda: CSVFormat().create_dataset(content)):
        try:
            dataset = parse()
        except ImportFileError as error:
            assert str(error).strip()
        else:
            assert isinstance(dataset, tablib.Dataset)
    try:
        XLSXFormat().create_dataset(content)
    except ImportFileError:
        pass


@FORMS
@given(value=st.one_of(VALUE, st.integers(), st.floats(), st.booleans(), st.none(), st.dates(), st.datetimes()))
def test_cell_parsers_return_a_value_or_an_indonesian_reason(value):
    for parse in (parse_integer, parse_boolean, parse_month):
        try:
            parse(value)
        except ValidationError as error:
            assert not ENGLISH.search(" ".join(error.messages))
        except ValueError as error:  # the widgets turn it into the row's error, message unchanged
            assert str(error).strip() and not ENGLISH.search(str(error))


@FORMS
@given(rows=st.lists(st.fixed_dictionaries({c: VALUE for c in IMPORT_COLUMNS}), min_size=1, max_size=3))
def test_business_import_of_any_cells_saves_all_or_nothing(reference, rows):
    dataset = tablib.Dataset(*[[r[c] for c in IMPORT_COLUMNS] for r in rows], headers=list(IMPORT_COLUMNS))
    before = counts(Business, Owner)
    result = BusinessResource().import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        assert counts(Business, Owner) == before


@FORMS
@given(rows=st.lists(st.fixed_dictionaries({c: VALUE for c in REPORT_COLUMNS}), min_size=1, max_size=3))
def test_report_import_of_any_cells_saves_all_or_nothing(reference, rows):
    business = BusinessFactory()
    for r in rows[:1]:
        r["nib"] = business.nib
    dataset = tablib.Dataset(*[[r[c] for c in REPORT_COLUMNS] for r in rows], headers=list(REPORT_COLUMNS))
    before = counts(MonthlyReport)
    result = MonthlyReportResource().import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        assert counts(MonthlyReport) == before
