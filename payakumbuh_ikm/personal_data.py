"""An owner's rights over their personal data (UU 27/2022 on personal data protection): their
own data in one file (JSON, or a readable PDF), their privacy page (withdraw or give consent,
ask for deletion), and the erasure staff carry out on such a request. Lives at the project level
because it gathers from, and erases in, every app; each app's models are read only for the
signed-in owner's own rows."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers import serialize
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.models import User
from accounts.roles import Role
from businesses import services as business_services
from businesses.models import Business, BusinessStatus, Certification, DeletionRequest, DeletionStatus, Owner
from notifications.models import Message
from notifications.services import message_queue
from recovery.models import MonthlyReport
from trainings.models import Certificate, Feedback, Registration

# What of the account itself goes in: never the password hash or permission flags.
USER_FIELDS = ("full_name", "email", "phone", "date_joined", "last_login")


def _rows(queryset, fields=None, exclude=()) -> list[dict]:
    rows = json.loads(serialize("json", queryset, fields=fields))
    return [{"id": row["pk"], **{k: v for k, v in row["fields"].items() if k not in exclude}} for row in rows]


def _related(registrations: list, name: str) -> list:
    """The registrations' one-to-one rows of ``name`` (attendance, certificate, feedback), read
    with them in one query rather than one query each."""
    return [getattr(r, name) for r in registrations if hasattr(r, name)]


def personal_data_of(user) -> dict:
    owners = Owner.objects.filter(user=user)
    businesses = Business.objects.filter(owner__in=owners)
    registrations = list(
        Registration.objects.filter(business__in=businesses).select_related("attendance", "certificate", "feedback")
    )
    return {
        "dibuat": timezone.now(),
        "akun": _rows([user], fields=USER_FIELDS)[0],
        "pemilik": _rows(owners, exclude=("nik_hash", "user")),
        # The marketplaces in one query, not one per business.
        "usaha": _rows(businesses.prefetch_related("marketplaces")),
        "sertifikasi": _rows(Certification.objects.filter(business__in=businesses)),
        "pendaftaran_pelatihan": _rows(registrations, exclude=("created_by",)),
        "kehadiran": _rows(_related(registrations, "attendance"), exclude=("checked_in_by",)),
        "sertifikat_pelatihan": _rows(_related(registrations, "certificate")),
        "umpan_balik": _rows(_related(registrations, "feedback")),
        "laporan_bulanan": _rows(MonthlyReport.objects.filter(business__in=businesses), exclude=("submitted_by", "reviewed_by")),
    }


@never_cache
@require_GET
@role_required(Role.OWNER)
def my_data(request):
    """Everything the portal holds about the signed-in owner, as a JSON download."""
    body = json.dumps(personal_data_of(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-saya-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@never_cache
@require_GET
@role_required(Role.OWNER)
def my_data_pdf(request):
    """The same data as ``my_data``, as a readable A4 PDF: one section per kind, each row with
    its fields' names and shown values."""
    body = personal_data_pdf(request.user)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="data-saya-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


# --- The readable PDF ---------------------------------------------------------------------------

# Never shown: keys, digests and who on the staff side touched a row.
_HIDDEN = {"id", "nik_hash", "user", "password", "created_by", "checked_in_by", "submitted_by", "reviewed_by"}


def _shown(instance, field) -> str:
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(field, models.BooleanField):
        return _("Ya") if value else _("Tidak")
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(value), "j F Y H.i") + " WIB"
    if isinstance(field, models.DateField):
        return date_format(value, "j F Y")
    if isinstance(field, models.ForeignKey):
        # The related row's name when it was read with this one; its number otherwise (no query per row).
        return str(getattr(instance, field.name)) if field.is_cached(instance) else f"#{value}"
    if isinstance(field, models.FileField):
        return str(value.name or "").rsplit("/", 1)[-1] or "—"
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    return str(value)


def _readable(rows) -> list[list[tuple[str, str]]]:
    """Each row as (label, shown value) pairs, in the model's field order."""
    out = []
    for row in rows:
        pairs = [
            (str(field.verbose_name).capitalize(), _shown(row, field))
            for field in row._meta.concrete_fields
            if field.name not in _HIDDEN and not isinstance(field, models.GeneratedField)
        ]
        if isinstance(row, Business):
            pairs.append((_("Marketplace"), ", ".join(m.name for m in row.marketplaces.all()) or "—"))
        out.append(pairs)
    return out


def personal_data_pdf(user) -> bytes:
    """Everything ``personal_data_of`` holds, as an A4 PDF in the portal's language (Indonesian:
    a document the owner may show an office)."""
    from weasyprint import HTML

    from trainings.certificates import _refuse_remote

    owners = Owner.objects.filter(user=user)
    businesses = (
        Business.objects.filter(owner__in=owners).select_related("kelurahan__kecamatan", "kbli").prefetch_related("marketplaces")
    )
    registrations = list(
        Registration.objects.filter(business__in=businesses).select_related(
            "session", "business", "attendance", "certificate", "feedback"
        )
    )
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        sections = [
            (
                _("Akun"),
                [
                    [
                        (_("Nama"), user.full_name),
                        (_("Email"), user.email or "—"),
                        (_("Nomor WhatsApp"), user.phone or "—"),
                        (_("Tanggal daftar"), date_format(timezone.localtime(user.date_joined), "j F Y H.i") + " WIB"),
                    ]
                ],
            ),
            (_("Pemilik"), _readable(owners)),
            (_("Usaha"), _readable(businesses)),
            (_("Sertifikasi"), _readable(Certification.objects.filter(business__in=businesses))),
            (_("Pendaftaran pelatihan"), _readable(registrations)),
            (_("Kehadiran"), _readable(_related(registrations, "attendance"))),
            (_("Sertifikat pelatihan"), _readable(_related(registrations, "certificate"))),
            (_("Umpan balik"), _readable(_related(registrations, "feedback"))),
            (
                _("Laporan bulanan"),
                _readable(MonthlyReport.objects.filter(business__in=businesses).select_related("business").order_by("period")),
            ),
        ]
        html = render_to_string(
            "personal_data/my_data_pdf.html",
            {"sections": sections, "made": date_format(timezone.localtime(), "j F Y H.i") + " WIB", "owner_name": user.full_name},
        )
    return HTML(string=html, url_fetcher=_refuse_remote).write_pdf()


# --- The owner's privacy page ----------------------------------------------------------------------


def _owner(user) -> Owner | None:
    return Owner.objects.filter(user=user).first()


@never_cache
@require_GET
@role_required(Role.OWNER)
def my_privacy(request):
    """What the owner can do with their data: download it, withdraw (or give again) consent, ask
    for deletion; and what each means."""
    owner = _owner(request.user)
    open_request = DeletionRequest.objects.filter(owner=owner, status=DeletionStatus.REQUESTED).first() if owner else None
    return render(request, "personal_data/my_privacy.html", {"owner": owner, "open_request": open_request})


def _act(request, action, done: str):
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("my-privacy")


@require_POST
@role_required(Role.OWNER)
def consent_withdraw(request):
    return _act(
        request,
        lambda: business_services.owner_consent_withdraw(user=request.user),
        _("Persetujuan Anda sudah ditarik. Anda tidak lagi menerima pesan pengingat dari program."),
    )


@require_POST
@role_required(Role.OWNER)
def consent_give(request):
    return _act(
        request,
        lambda: business_services.owner_consent_give(user=request.user),
        _("Terima kasih, persetujuan Anda sudah dicatat lagi."),
    )


@require_POST
@role_required(Role.OWNER)
def deletion_request(request):
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Centang pernyataan bahwa Anda mengerti akibat penghapusan."))
        return redirect("my-privacy")
    reason = request.POST.get("reason", "")[:1000]
    return _act(
        request,
        lambda: business_services.owner_deletion_request(user=request.user, reason=reason),
        _("Permintaan hapus data sudah diterima. Petugas memprosesnya paling lambat 3 hari kerja dan memberi tahu Anda."),
    )


# --- Erasure (staff, on an owner's request) --------------------------------------------------------

ERASED = "—"


@transaction.atomic
def personal_data_erase(*, request_id: int, actor: User) -> DeletionRequest:
    """Carry out an open deletion request: the owner's account is closed and their name, NIK,
    phone, email, addresses and free texts are deleted or replaced, in the rows and in their
    change history. What the programme must keep stays, without the person: the businesses'
    monthly figures (the city's published numbers do not change; the businesses leave the
    programme from next month), training attendance as counts, feedback ratings, and the audit
    trail of full-NIK reads. Preconditions: ``by`` is staff; the request is still open."""
    request = DeletionRequest.objects.select_for_update(of=("self",)).select_related("owner__user").get(pk=request_id)
    if request.status != DeletionStatus.REQUESTED:
        raise ValidationError(_("Permintaan ini sudah ditangani."), code="handled")
    owner, user = request.owner, request.owner.user
    now = timezone.now()
    contacts = [c for c in (owner.phone, owner.email, getattr(user, "phone", None), getattr(user, "email", None)) if c]

    # Told before the contacts go: the last message this person gets from the portal.
    message_queue(
        key=f"deletion-done:{request.pk}",
        subject=_("Data Anda di Portal IKM Payakumbuh sudah dihapus"),
        body=_(
            "Sesuai permintaan Anda, akun dan data pribadi Anda sudah dihapus. Angka laporan bulanan yang sudah masuk "
            "tetap disimpan sebagai statistik tanpa nama, sebagaimana dijelaskan dalam pemberitahuan privasi."
        ),
        email=owner.email or None,
        phone=owner.phone,
    )
    # Earlier messages to this person: their texts name them; the rows stay as the outbox's record.
    Message.objects.filter(recipient__in=contacts).exclude(key=f"deletion-done:{request.pk}").update(
        recipient=ERASED, subject=ERASED, body=ERASED, attachment_name="", attachment_content=""
    )

    businesses = list(Business.objects.filter(owner=owner).values_list("pk", flat=True))
    verified = list(Business.objects.filter(pk__in=businesses, status=BusinessStatus.VERIFIED).values_list("pk", flat=True))
    if verified:  # leave the programme from next month: earlier months' figures stay as published
        business_services.businesses_set_status(business_ids=verified, status=BusinessStatus.INACTIVE, actor=actor, notify=False)
    for pk in businesses:
        Business.objects.filter(pk=pk).update(
            name=_("Usaha dihapus #%(id)d") % {"id": pk}, address=ERASED, products=ERASED, social_media="", website=""
        )
    Business.history.filter(id__in=businesses).delete()

    for certification in Certification.objects.filter(business_id__in=businesses):
        if certification.document:
            certification.document.delete(save=False)
    Certification.objects.filter(business_id__in=businesses).delete()

    registrations = Registration.objects.filter(business_id__in=businesses)
    for certificate in Certificate.objects.filter(registration__in=registrations).exclude(pdf=""):
        certificate.pdf.delete(save=False)
        Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    registrations.update(participant_name=_("Peserta dihapus"))
    Registration.history.filter(business_id__in=businesses).delete()
    Feedback.objects.filter(registration__in=registrations).update(comment="")

    reports = MonthlyReport.objects.filter(business_id__in=businesses)
    reports.update(problem_note="", return_note="")
    MonthlyReport.history.filter(business_id__in=businesses).delete()

    Owner.objects.filter(pk=owner.pk).update(
        name=_("Pemilik dihapus #%(id)d") % {"id": owner.pk},
        nik="",
        nik_hash=None,
        phone="",
        email="",
        consent_withdrawn_at=owner.consent_withdrawn_at or now,
    )
    Owner.history.filter(id=owner.pk).delete()
    if user is not None:
        user.full_name = _("Akun dihapus")
        user.email = f"dihapus-{user.pk}@dihapus.invalid"
        user.phone = None
        user.is_active = False
        user.set_unusable_password()
        # An inactive user is signed out on their next request (the backend refuses them).
        user.save(update_fields=["full_name", "email", "phone", "is_active", "password"])

    request.status, request.handled_at, request.handled_by = DeletionStatus.DONE, now, actor
    request.reason = ""
    request.save(update_fields=["status", "handled_at", "handled_by", "reason"])
    return request
