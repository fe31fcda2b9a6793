"""docs/roles.md, enforced: every row of its table requested as every role, and every id of owner
A's requested as owner B. The table is parsed here, so the document cannot say one thing while
the portal does another; and every named URL of the portal must have a row, so a new page
cannot go undocumented.

One world serves the whole module: built once inside a transaction that is rolled back at the
end; each case runs in a savepoint of its own (pytest-django's usual per-test rollback), so a
POST in one case (a cancellation, an approval) is gone before the next."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from businesses.reference import reference_load
from businesses.tests.factories import BusinessFactory, CertificationFactory, OwnerFactory, UserFactory
from recovery.models import ReportFile, ReportFileKind, ReportFileStatus
from recovery.selectors import period_default
from recovery.tests.factories import MonthlyReportFactory
from showcase.reference import showcase_reference_load
from showcase.tests.factories import ProductFactory, ProfileFactory
from trainings import certificates, checkin
from trainings.models import Attendance, Feedback, SessionStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ROLES = ("anonymous", "owner", "official", "staff", "superuser")
OTHER = "other owner"
ANSWERS = {"200", "302", "login", "403", "404", "405"}
NOT_TRIED = "—"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def matrix_rows() -> list[dict]:
    """The rows of the table under "## The matrix", each a dict keyed by the header's columns
    (the URL name and path without their backticks)."""
    text = DOC.read_text(encoding="utf-8").split("## The matrix", 1)[1]
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = _cells(lines[0])
    rows = []
    for line in lines[2:]:
        row = dict(zip(header, _cells(line), strict=True))
        row["name"], row["path"] = row["name"].strip("`"), row["path"].strip("`")
        rows.append(row)
    return rows


ROWS = matrix_rows()
CASES = [
    pytest.param(row, role, id=f"{row['name']}-{row['method']}-{role.replace(' ', '_')}")
    for row in ROWS
    for role in (*ROLES, OTHER)
    if row[role] != NOT_TRIED
]


# --- The world -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the per-test media folder of the root conftest: the world's files are written
    once, in the module's folder (see ``world``), and every case must find them there."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _showcase_world(mine) -> dict:
    """Owner A's showcase: consent given, an approved product with a photo and a link each."""
    from showcase.models import ProductPhoto, StoreLink
    from showcase.tests.factories import ProductFactory

    profile = ProfileFactory(business=mine)
    product = ProductFactory(profile=profile)
    photo = ProductPhoto(product=product, width=1, height=1)
    for width in ProductPhoto.WIDTHS:
        getattr(photo, f"image_{width}").save("foto.webp", ContentFile(b"RIFF\x1a\x00\x00\x00WEBPVP8L"), save=False)
    photo.save()
    link = StoreLink.objects.create(profile=profile, product=product, kind="shopee", url="https://shopee.co.id/rendang")
    b = {"business_pk": mine.pk}
    return {
        "showcase:owner-photo": {"pk": photo.pk, "width": 320},
        **{f"showcase:owner-{name}": b for name in ("consent", "consent-give", "consent-withdraw", "profile", "products")},
        **{f"showcase:owner-{name}": b for name in ("product-add", "links")},
        **{f"showcase:owner-{name}": {**b, "pk": product.pk} for name in ("product-edit", "product-delete")},
        "showcase:owner-product-action": {**b, "pk": product.pk, "action": "sembunyikan"},
        **{f"showcase:owner-{name}": {**b, "pk": photo.pk} for name in ("photo-remove", "photo-first")},
        "showcase:owner-link-remove": {**b, "pk": link.pk},
        "showcase:go-whatsapp": {"profile": profile.slug},
        "showcase:go-store": {"pk": link.pk},
        **{f"showcase:{name}": {"profile": profile.slug} for name in ("inquiry", "inquiry-sent")},
    }


def _world_build() -> dict:
    reference_load()
    staff = UserFactory(role="staf")
    official = UserFactory(role="pejabat")
    superuser = UserFactory(is_superuser=True, is_staff=True)
    mine = VerifiedBusinessFactory(owner=OwnerFactory())
    theirs = VerifiedBusinessFactory(owner=OwnerFactory())
    BusinessFactory(owner=theirs.owner)  # owner B's pending one: B has more than one thing of their own

    certification = CertificationFactory(business=mine)
    certification.document.save("pirt.pdf", ContentFile(b"%PDF-1.4 uji"))

    upcoming = TrainingSessionFactory()
    booked = RegistrationFactory(session=upcoming, business=mine)
    starts = timezone.now() - timedelta(days=2)
    finished = TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), status=SessionStatus.FINISHED)
    attended = RegistrationFactory(session=finished, business=mine)
    Attendance.objects.create(registration=attended, checked_in_by=staff)
    certificate = certificates.certificate_issue(registration_id=attended.pk)
    Feedback.objects.create(registration=attended, rating=5, comment="Sangat bermanfaat")

    report = MonthlyReportFactory(business=mine)
    monthly = ReportFile(kind=ReportFileKind.MONTHLY, period=period_default(), status=ReportFileStatus.DONE, progress=100)
    monthly.file.save("laporan.xlsx", ContentFile(b"PK uji"), save=False)
    monthly.pdf.save("laporan.pdf", ContentFile(b"%PDF-1.4 uji"), save=False)
    monthly.save()
    export = ReportFile.objects.create(kind=ReportFileKind.EXPORT, period=period_default(), created_by=official)
    showcase = _showcase_world(mine)

    showcase_reference_load()
    product = ProductFactory(profile=mine.public_profile)
    shown = {"profile_slug": product.profile.slug, "slug": product.slug}

    return {
        "users": {
            "anonymous": None,
            "owner": mine.owner.user,
            "official": official,
            "staff": staff,
            "superuser": superuser,
            OTHER: theirs.owner.user,
        },
        # URL name -> its kwargs, every id one of owner A's (or a shared object).
        "kwargs": {
            "language-switch": {"code": "en"},
            "pages:detail": {"slug": "privasi"},
            "notifications:whatsapp-fonnte": {"secret": "bukan-rahasianya"},
            "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "tautan-lama"},
            "businesses:detail": {"pk": mine.pk},
            "businesses:edit": {"pk": mine.pk},
            "businesses:certification-add": {"pk": mine.pk},
            "businesses:certification-document": {"pk": certification.pk},
            "trainings:session-detail": {"pk": upcoming.pk},
            "trainings:register": {"pk": upcoming.pk},
            "trainings:session-ics": {"pk": upcoming.pk},
            "trainings:cancel": {"pk": booked.pk},
            "trainings:restore": {"pk": booked.pk},
            "trainings:roster": {"pk": upcoming.pk},
            "trainings:registration-add": {"pk": upcoming.pk},
            "trainings:roster-xlsx": {"pk": upcoming.pk},
            "trainings:roster-pdf": {"pk": upcoming.pk},
            "trainings:attendance-toggle": {"pk": booked.pk},
            "trainings:registration-move": {"pk": booked.pk},
            "trainings:attendance-qr": {"pk": booked.pk},
            "trainings:attendance-scan": {"token": checkin.checkin_token(booked)},
            "trainings:certificate-download": {"pk": attended.pk},
            "trainings:feedback": {"pk": attended.pk},
            "trainings:feedback-session": {"pk": finished.pk},
            "certificate-verify": {"code": certificate.code},
            "recovery:business": {"pk": mine.pk},
            "recovery:report-form": {"pk": mine.pk},
            "recovery:report-detail": {"pk": report.pk},
            "recovery:report-approve": {"pk": report.pk},
            "recovery:report-return": {"pk": report.pk},
            "recovery:dashboard-export": {"fmt": "xlsx"},
            "recovery:export-status": {"pk": export.pk},
            "recovery:export-status-json": {"pk": export.pk},
            "recovery:report-file-download": {"pk": monthly.pk, "fmt": "xlsx"},
            **showcase,
            "sitemap-section": {"section": "usaha"},
            "showcase:category": {"slug": "makanan-khas"},
            "showcase:sentra": {"slug": "sentra-rendang"},
            "showcase:profile": {"slug": product.profile.slug},
            "showcase:product": shown,
            "showcase:report": shown,
            "showcase:photo": {"product_id": product.pk, "name": "0" * 32},
        },
    }


# --- The cases -------------------------------------------------------------------------------

LOGIN_PATHS = ("accounts:login", "admin:login")


def _is_sign_in(location: str) -> bool:
    return any(location.split("?", 1)[0] == reverse(name) for name in LOGIN_PATHS)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES)
def test_every_page_answers_each_role_as_docs_roles_says(client, world, row, role):
    expected = row[role]
    assert expected in ANSWERS, f"docs/roles.md: unknown cell {expected!r} for {row['name']} as {role}"
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {}))
    response = client.post(url, {}) if row["method"] == "POST" else client.get(url)

    assert response.status_code != 500
    location = response.get("Location", "")
    if expected == "login":
        assert response.status_code == 302 and _is_sign_in(location), (response.status_code, location)
    elif expected == "302":
        assert response.status_code == 302 and not _is_sign_in(location), (response.status_code, location)
    else:
        assert response.status_code == int(expected), (response.status_code, location)


def test_every_row_names_its_url_and_path_as_the_portal_routes_it(world):
    for row in ROWS:
        url = reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {}))
        assert "/" + resolve(url).route == row["path"], row["name"]
        assert row["method"] in ("GET", "POST"), row["name"]
        assert all(row[role] in ANSWERS for role in ROLES), row["name"]
        assert row[OTHER] in ANSWERS | {NOT_TRIED}, row["name"]


# Ids under these paths are an owner's: a business, its certification, a registration (or its
# check-in token), a monthly report.
OWNED_PATHS = (
    "/usaha/<",
    "/usaha/sertifikasi/",
    "/pelatihan/pendaftaran/",
    "/pelatihan/hadir/",
    "/pemulihan/usaha/",
    "/pemulihan/laporan/<",
    "/etalase/kelola/<",
    "/etalase/kelola/foto/",
)


def test_every_id_of_an_owner_is_tried_as_another_owner():
    for row in ROWS:
        owned = row["path"].startswith(OWNED_PATHS)
        assert (row[OTHER] != NOT_TRIED) == owned, f"{row['name']} {row['method']}: the other owner column"


def _named_urls(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "admin":  # the admin is listed as a few rows, not its every page
                yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_named_url_of_the_portal_has_a_row():
    documented = {row["name"] for row in ROWS}
    assert set(_named_urls(get_resolver().url_patterns)) - documented == set()


@pytest.mark.django_db
def test_no_page_open_to_officials_shows_an_owners_nik_phone_or_email(client, world):
    """Officials read figures and names: whatever the table lets them open, no contact detail
    or NIK (not even masked) of owner A's is in it."""
    owner = world["users"]["owner"].owner_profile
    secrets_of_owner = {"NIK": owner.nik, "NIK (masked)": "*" * 10 + owner.nik[-2:], "email": owner.email}
    secrets_of_owner["phone"] = owner.phone[-8:]  # the same number however it is written
    client.force_login(world["users"]["official"])
    for row in ROWS:
        if row["official"] != "200":
            continue
        response = client.get(reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {})))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        shown = [what for what, value in secrets_of_owner.items() if value in text]
        assert not shown, f"{row['name']} shows an official the owner's {', '.join(shown)}"
