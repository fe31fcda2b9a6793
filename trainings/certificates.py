"""Certificates of attendance: issuing one per attendee, and drawing its A4 landscape PDF.

Every way a certificate comes into being is here (``certificate_issue`` and the periodic job's
``certificates_issue_for_session``); registrations themselves change only in services.py.

A registration gets one certificate, ever. The certificate row is created while the
registration's row is locked, the same lock that ``attendance_undo`` takes, so two workers
issuing at once make one certificate, and a check-in cannot be undone while its certificate is
being issued. The one-to-one on ``Certificate.registration`` backs this in the database.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.services import message_queue

from .models import Attendance, Certificate, Registration, RegistrationStatus, SessionStatus, TrainingSession

# Letters and digits that cannot be mistaken for one another when typed from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 31 ** 10 is about 8 * 10 ** 14: nobody finds a certificate by guessing codes.
CODE_LENGTH = 10
NUMBER_PREFIX = "DISNAKERIN-PYK"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _next_id() -> int:
    """The certificate's id, taken from its table's sequence before the insert, so the readable
    number can be written with the row. Sequences never hand out a value twice, even to
    concurrent transactions; a rolled-back issue leaves a gap in the numbers, never a duplicate."""
    if connection.vendor != "postgresql":
        # The quick start's SQLite has no sequences; it has one writer at a time, and a clash
        # would fail the primary key, never duplicate a number.
        return (Certificate.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Certificate._meta.db_table])
        return cursor.fetchone()[0]


def certificate_number(certificate_id: int, issued_at) -> str:
    """``DISNAKERIN-PYK/2026/000123``: the year of issue (Jakarta time) and the certificate's id."""
    return f"{NUMBER_PREFIX}/{timezone.localtime(issued_at).year}/{certificate_id:06d}"


def verification_url(code: str) -> str:
    """The absolute address printed on the certificate and in its QR code. SITE_URL is the same
    setting the outbox's links use, so every link the portal sends out points at one host."""
    return settings.SITE_URL.rstrip("/") + reverse("certificate-verify", args=[code])


def session_dates(session: TrainingSession) -> str:
    """The session's date(s) in the portal's time zone: "7 Desember 2026", or
    "30 November 2026 – 2 Desember 2026" when it runs over several days."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    if start.date() == end.date():
        return date_format(start, "j F Y")
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


def _refuse_remote(url: str, *args, **kwargs):
    # The template holds everything it needs (fonts come from the machine, the QR code is inline
    # SVG): a URL reaching WeasyPrint can only come from user input, and is never fetched.
    raise ValueError(f"certificate PDFs fetch nothing: {url}")


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 landscape PDF, always in Indonesian (an official document).
    Precondition: ``certificate.registration`` with its session, topic and business loaded."""
    import segno  # drawing libraries load only in the worker that needs them
    from weasyprint import HTML

    registration = certificate.registration
    session = registration.session
    url = verification_url(certificate.code)
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        qr = segno.make(url, error="m", micro=False).svg_inline(
            scale=1, border=0, dark="#000", omitsize=True, title=_("Kode QR verifikasi sertifikat")
        )
        html = render_to_string(
            "trainings/certificate_pdf.html",
            {
                "certificate": certificate,
                "registration": registration,
                "session": session,
                "dates": session_dates(session),
                "issued_on": date_format(timezone.localtime(certificate.issued_at), "j F Y"),
                "verification_url": url,
                "qr": qr,
                "issuer": settings.OFFICE_NAME,
            },
        )
    return HTML(string=html, url_fetcher=_refuse_remote).write_pdf()


def _attendee_locked(registration_id: int) -> Registration:
    if not connection.in_atomic_block:
        raise RuntimeError("_attendee_locked() must run inside transaction.atomic()")
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__topic", "business__owner")
        .get(pk=registration_id)
    )


def _check_may_have_certificate(registration: Registration, now) -> None:
    session = registration.session
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("Pelatihan ini dibatalkan; tidak ada sertifikat."))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(
            _("%(name)s tidak terdaftar dengan tempat di pelatihan ini; sertifikat tidak dapat diterbitkan.")
            % {"name": registration.participant_name}
        )
    if not Attendance.objects.filter(registration=registration).exists():
        raise ValidationError(
            _("%(name)s tidak tercatat hadir; sertifikat hanya untuk peserta yang hadir.")
            % {"name": registration.participant_name}
        )
    if now < session.ends_at:
        raise ValidationError(_("Sertifikat diterbitkan sesudah pelatihan selesai."))


def pdf_name(registration: Registration) -> str:
    """Where the registration's certificate PDF is stored: the same name every time it is drawn.

    A worker killed after writing the file but before its transaction committed leaves a file
    without a row; the next run writes the same name again instead of a second file. The name
    is a keyed hash of the registration (SECRET_KEY), so storage that serves files by name
    cannot be walked by guessing, and the folder is the session's end month, which a retry in
    another month does not change."""
    digest = salted_hmac("trainings.certificate-pdf", str(registration.pk)).hexdigest()[:24]
    ended = timezone.localtime(registration.session.ends_at)
    return f"certificates/{ended:%Y/%m}/sertifikat-{digest}.pdf"


def _save_pdf(certificate: Certificate) -> None:
    name = pdf_name(certificate.registration)
    content = ContentFile(certificate_pdf(certificate))
    # Left by an attempt that never committed (no row points at it): replaced, never doubled.
    default_storage.delete(name)
    certificate.pdf.name = default_storage.save(name, content)


def _queue_notice(certificate: Certificate) -> None:
    """Tell the owner the certificate is ready, in the transaction that created it: the row and
    its message commit together, and the message key makes a second issue send nothing."""
    registration = certificate.registration
    owner = registration.business.owner
    url = settings.SITE_URL.rstrip("/") + reverse("trainings:certificate-download", args=[registration.pk])
    with translation.override(settings.LANGUAGE_CODE):
        message_queue(
            key=f"training-certificate:{registration.pk}",
            subject=_("Sertifikat pelatihan %(title)s sudah terbit") % {"title": registration.session.title},
            body=_(
                "Halo %(name)s, sertifikat Anda untuk pelatihan %(title)s sudah terbit (nomor %(number)s). "
                "Unduh dari %(url)s setelah masuk ke portal."
            )
            % {
                "name": registration.participant_name,
                "title": registration.session.title,
                "number": certificate.number,
                "url": url,
            },
            email=owner.email or None,
            phone=owner.phone or None,
        )


@transaction.atomic
def _issue(registration_id: int) -> tuple[Certificate, bool]:
    registration = _attendee_locked(registration_id)
    existing = Certificate.objects.filter(registration=registration).first()
    if existing is not None:
        if not existing.pdf:
            # Only a row made outside this module (the admin, a data fix) can lack its file.
            existing.registration = registration
            _save_pdf(existing)
            existing.save(update_fields=["pdf"])
        return existing, False
    now = timezone.now()
    _check_may_have_certificate(registration, now)
    certificate_id = _next_id()
    certificate = Certificate(
        id=certificate_id,
        registration=registration,
        code=_new_code(),
        number=certificate_number(certificate_id, now),
        issued_at=now,
    )
    _save_pdf(certificate)
    certificate.full_clean(validate_unique=False)
    certificate.save(force_insert=True)
    _queue_notice(certificate)
    return certificate, True


def certificate_issue(*, registration_id: int) -> Certificate:
    """The registration's certificate of attendance, issued now if it has none (with its PDF).

    Preconditions (a ValidationError in Indonesian otherwise): the registration is confirmed and
    checked in (an Attendance row), its session was not cancelled and has ended.
    Idempotent: a registration that already has a certificate gets the same one back, with no new
    number and no new file, whether asked twice in a row or by two workers at once.
    """
    return _issue(registration_id)[0]


def certificates_issue_for_session(*, session_id: int) -> int:
    """Issue the certificate of every attendee of the session who has none; returns how many
    were created (0 for a session not ended yet, or when all are done).

    Each certificate is its own small transaction: a crash halfway keeps those already issued,
    and the next run picks only those still missing. An attendee whose check-in was undone in
    the meantime is skipped.
    """
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is None or session.status == SessionStatus.CANCELLED or timezone.now() < session.ends_at:
        return 0
    missing = list(
        Registration.objects.filter(
            session_id=session_id, status=RegistrationStatus.CONFIRMED, attendance__isnull=False, certificate__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    created = 0
    for registration_id in missing:
        try:
            _certificate, is_new = _issue(registration_id)
        except ValidationError:
            continue
        created += is_new
    return created
