"""The world every role-matrix test requests pages in, and docs/roles.md's table parsed: shared
by test_role_matrix, test_hostile_queries, test_nik_reads_recorded and test_query_budgets (a
test module imports no other test module)."""

from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse
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


def world_build() -> dict:
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


LOGIN_PATHS = ("accounts:login", "admin:login")


def is_sign_in(location: str) -> bool:
    return any(location.split("?", 1)[0] == reverse(name) for name in LOGIN_PATHS)
