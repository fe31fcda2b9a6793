from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.identifiers import EmailAddressField, PhoneNumberField

from .crypto import EncryptedNikField, NikHashField, nik_digest
from .identifiers import NibField
from .validators import nik_mask, validate_nik

# --- Reference data (loaded by `manage.py load_reference` from businesses/reference/) ----------


class Kecamatan(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=8, unique=True)
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name


class Kelurahan(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="kelurahan", verbose_name=_("kecamatan"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")

    def __str__(self):
        return self.name


class Kbli(models.Model):
    """A KBLI code in one KBLI version: codes are reassigned between versions (2020, 2025)."""

    version = models.PositiveSmallIntegerField(_("versi KBLI"))
    code = models.CharField(_("kode"), max_length=5)
    title = models.CharField(_("judul"), max_length=255)
    products = models.CharField(
        _("produk khas"), max_length=255, blank=True, help_text=_("Kata kunci pencarian, mis. rendang, galamai.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("KBLI")
        verbose_name_plural = _("KBLI")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="kbli_version_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def division(self) -> str:
        return self.code[:2]


class Marketplace(models.Model):
    name = models.CharField(_("nama"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("marketplace")
        verbose_name_plural = _("marketplace")

    def __str__(self):
        return self.name


# --- The registry ----------------------------------------------------------------------------


class Owner(models.Model):
    """The person who owns an IKM. May have a portal account (``user``) or not (imported)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owner_profile",
        verbose_name=_("akun"),
    )
    name = models.CharField(_("nama pemilik"), max_length=150)
    # Encrypted at rest (businesses/crypto.py); looked up and kept unique through nik_hash.
    nik = EncryptedNikField(_("NIK"), validators=[validate_nik])
    nik_hash = NikHashField(_("sidik NIK"), unique=True, null=True, source="nik")
    phone = PhoneNumberField(_("nomor WhatsApp"), max_length=16, db_index=True, help_text=_("Disimpan dalam bentuk +62…"))
    email = EmailAddressField(_("email"), blank=True)
    # UU 27/2022 (PDP): when the owner agreed to the processing of their personal data.
    consent_at = models.DateTimeField(_("persetujuan data pribadi"), null=True, blank=True)
    # The owner withdrew that consent (from their privacy page): no programme messages from then
    # on (``contactable``), and staff see the mark. Cleared when the owner consents again.
    consent_withdrawn_at = models.DateTimeField(_("persetujuan ditarik"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("pemilik")
        verbose_name_plural = _("pemilik")
        permissions = [("view_full_nik", _("Boleh melihat NIK lengkap"))]

    def __str__(self):
        return self.name

    @property
    def nik_masked(self) -> str:
        return nik_mask(self.nik)

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_withdrawn_at is not None

    def clean(self):
        super().clean()
        if self.nik and Owner.objects.exclude(pk=self.pk).filter(nik_hash=nik_digest(self.nik)).exists():
            raise ValidationError({"nik": ValidationError(_("NIK ini sudah terdaftar untuk pemilik lain."), code="unique")})


# Permenperin 64/2016: workforce and investment without land and buildings decide the class.
SMALL_MAX_WORKERS = 19
SMALL_MAX_INVESTMENT = 1_000_000_000  # below Rp1 miliar
MEDIUM_MAX_INVESTMENT = 15_000_000_000  # up to Rp15 miliar


class SizeClass(models.TextChoices):
    SMALL = "kecil", _("Industri Kecil")
    MEDIUM = "menengah", _("Industri Menengah")
    LARGE = "besar", _("Industri Besar (di luar IKM)")


def size_class_of(workers: int, investment: int) -> str:
    """The Python twin of Business.size_class's database expression (for forms and previews)."""
    if workers <= SMALL_MAX_WORKERS:
        return SizeClass.SMALL if investment < SMALL_MAX_INVESTMENT else SizeClass.MEDIUM
    return SizeClass.MEDIUM if investment <= MEDIUM_MAX_INVESTMENT else SizeClass.LARGE


class BusinessStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu verifikasi")
    VERIFIED = "verified", _("Terverifikasi")
    REJECTED = "rejected", _("Ditolak")
    INACTIVE = "inactive", _("Tidak aktif")


class Business(models.Model):
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="businesses", verbose_name=_("pemilik"))
    name = models.CharField(_("nama usaha"), max_length=200)
    products = models.TextField(_("produk"), help_text=_("Apa yang dibuat, mis. rendang daging, rendang telur."))
    nib = NibField(
        _("NIB"),
        max_length=13,
        unique=True,
        error_messages={"unique": _("NIB ini sudah terdaftar untuk usaha lain.")},
    )
    kbli = models.ForeignKey(Kbli, on_delete=models.PROTECT, related_name="businesses", verbose_name=_("KBLI"))
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT, related_name="businesses", verbose_name=_("kelurahan"))
    address = models.CharField(_("alamat"), max_length=255)
    year_founded = models.PositiveSmallIntegerField(
        _("tahun berdiri"),
        validators=[MinValueValidator(1900, _("Tahun berdiri paling awal 1900.")), MaxValueValidator(2100)],
    )
    workers_male = models.PositiveIntegerField(_("tenaga kerja laki-laki"), default=0)
    workers_female = models.PositiveIntegerField(_("tenaga kerja perempuan"), default=0)
    investment = models.BigIntegerField(
        _("investasi (Rp)"),
        help_text=_("Nilai investasi tanpa tanah dan bangunan."),
        validators=[MinValueValidator(0, _("Investasi tidak boleh negatif."))],
    )
    size_class = models.GeneratedField(
        expression=Case(
            When(
                Q(workers_male__lte=SMALL_MAX_WORKERS - F("workers_female"), investment__lt=SMALL_MAX_INVESTMENT),
                then=Value(SizeClass.SMALL.value),
            ),
            When(
                Q(workers_male__lte=SMALL_MAX_WORKERS - F("workers_female")) | Q(investment__lte=MEDIUM_MAX_INVESTMENT),
                then=Value(SizeClass.MEDIUM.value),
            ),
            default=Value(SizeClass.LARGE.value),
        ),
        output_field=models.CharField(_("kelas usaha"), max_length=10, choices=SizeClass.choices),
        db_persist=True,
        # The generated field's own name and choices: the admin and get_size_class_display read
        # these, not the output field's ("Size class", and a blank "Kelas" column, before).
        verbose_name=_("kelas usaha"),
        choices=SizeClass.choices,
    )
    turnover_2019 = models.BigIntegerField(
        _("omzet per bulan sebelum pandemi (2019, Rp)"),
        validators=[MinValueValidator(0, _("Omzet tidak boleh negatif."))],
    )
    # Sales channels
    sells_in_shop = models.BooleanField(_("toko/kios"), default=False)
    sells_on_marketplace = models.BooleanField(_("marketplace"), default=False)
    marketplaces = models.ManyToManyField(
        Marketplace, blank=True, related_name="businesses", verbose_name=_("marketplace yang dipakai")
    )
    sells_on_social_media = models.BooleanField(_("media sosial"), default=False)
    social_media = models.CharField(_("akun media sosial"), max_length=255, blank=True)
    sells_on_whatsapp = models.BooleanField(_("WhatsApp"), default=False)
    website = models.URLField(_("situs web sendiri"), blank=True)
    is_online = models.GeneratedField(
        expression=Case(
            When(
                Q(sells_on_marketplace=True) | Q(sells_on_social_media=True) | Q(sells_on_whatsapp=True) | ~Q(website=""),
                then=Value(True),
            ),
            default=Value(False),
        ),
        output_field=models.BooleanField(_("berjualan online")),
        db_persist=True,
        verbose_name=_("berjualan online"),
    )
    # Market reach
    reaches_city = models.BooleanField(_("dalam kota"), default=True)
    reaches_province = models.BooleanField(_("dalam provinsi"), default=False)
    reaches_other_provinces = models.BooleanField(_("provinsi lain"), default=False)
    reaches_export = models.BooleanField(_("ekspor"), default=False)

    status = models.CharField(
        _("status"), max_length=10, choices=BusinessStatus.choices, default=BusinessStatus.PENDING, db_index=True
    )
    rejection_reason = models.TextField(_("alasan penolakan"), blank=True)
    status_changed_at = models.DateTimeField(_("status diubah"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )
    # When the business joined and left the programme: the recovery figures count it in a month
    # only if it was verified by the end of that month and not deactivated before it began, so
    # deactivating a business today changes no earlier month. Kept by the status service.
    verified_at = models.DateTimeField(
        _("terverifikasi sejak"), null=True, blank=True, help_text=_("Dihitung dalam angka pemulihan mulai bulan ini.")
    )
    deactivated_at = models.DateTimeField(
        _("tidak aktif sejak"), null=True, blank=True, help_text=_("Tidak dihitung lagi mulai bulan sesudahnya.")
    )
    created_at = models.DateTimeField(_("didaftarkan"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[marketplaces])

    class Meta:
        ordering = ["name"]
        verbose_name = _("usaha IKM")
        verbose_name_plural = _("usaha IKM")
        indexes = [
            models.Index(fields=["kelurahan", "status"]),
            models.Index(fields=["kbli", "status"]),
            models.Index(fields=["-created_at", "id"]),
            # The admin list's order (name, then newest id first): a page without sorting them all.
            models.Index(fields=["name", "-id"], name="business_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="business_rejection_has_reason",
                violation_error_message=_("Usaha yang ditolak harus punya alasan."),
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False, deactivated_at__isnull=True),
                name="business_verified_has_date",
                violation_error_message=_("Usaha terverifikasi harus punya tanggal verifikasi."),
            ),
            models.CheckConstraint(
                condition=Q(status="verified") | Q(verified_at__isnull=True) | Q(deactivated_at__isnull=False),
                name="business_left_programme_has_date",
                violation_error_message=_("Usaha yang pernah terverifikasi harus punya tanggal tidak aktif."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def workers_total(self) -> int:
        return self.workers_male + self.workers_female


class CertificationKind(models.TextChoices):
    PIRT = "pirt", _("P-IRT")
    HALAL = "halal", _("Sertifikat halal")
    SNI = "sni", _("SNI")
    BPOM_MD = "bpom_md", _("BPOM MD")
    BRAND = "merek", _("Pendaftaran merek")


def certification_upload_to(instance, filename):
    # Random names: the file name the owner chose can hold personal data or collide.
    import uuid
    from pathlib import Path

    return f"sertifikat/{instance.business_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Certification(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("usaha"))
    kind = models.CharField(_("jenis"), max_length=10, choices=CertificationKind.choices)
    number = models.CharField(_("nomor"), max_length=60)
    issued_on = models.DateField(_("tanggal terbit"))
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    document = models.FileField(_("pindaian dokumen"), upload_to=certification_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "issued_on"]
        verbose_name = _("sertifikasi")
        verbose_name_plural = _("sertifikasi")
        constraints = [
            models.UniqueConstraint(fields=["business", "kind", "number"], name="certification_unique_per_business"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("issued_on")),
                name="certification_valid_after_issue",
                violation_error_message=_("Tanggal berlaku harus sesudah tanggal terbit."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")


class ChangeRequest(models.Model):
    """An owner's edit of a verified business, applied only when staff approve it.

    ``changes`` maps a field name to ``{"old": ..., "new": ...}`` in JSON-safe form.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("usaha"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("diajukan oleh")
    )
    requested_at = models.DateTimeField(_("diajukan"), default=timezone.now)
    changes = models.JSONField(_("perubahan"))
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
    )
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decision_note = models.TextField(_("catatan"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("permintaan perubahan")
        verbose_name_plural = _("permintaan perubahan")
        constraints = [
            # One open request per business: a second edit updates it instead of piling up.
            models.UniqueConstraint(fields=["business"], condition=Q(status="pending"), name="one_pending_change_request"),
        ]

    def __str__(self):
        return f"{self.business} ({self.get_status_display()})"


class DuplicateReason(models.TextChoices):
    SAME_PHONE = "phone", _("Nomor WhatsApp pemilik sama")
    SIMILAR_NAME = "name", _("Nama sama atau mirip")


class DuplicateFlag(models.Model):
    """A likely duplicate for staff to look at; ``business`` is the newer of the pair."""

    # No index of its own: duplicate_flag_unique starts with it (an index less to write per flag, and
    # an import of 10,000 rows writes some 60,000).
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="duplicate_flags", verbose_name=_("usaha"), db_index=False
    )
    other = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+", verbose_name=_("mungkin sama dengan"))
    reason = models.CharField(_("alasan"), max_length=10, choices=DuplicateReason.choices)
    created_at = models.DateTimeField(_("ditandai"), auto_now_add=True)
    resolved = models.BooleanField(_("sudah diperiksa"), default=False)

    class Meta:
        verbose_name = _("kemungkinan duplikat")
        verbose_name_plural = _("kemungkinan duplikat")
        constraints = [models.UniqueConstraint(fields=["business", "other", "reason"], name="duplicate_flag_unique")]

    def __str__(self):
        return f"{self.business} ~ {self.other}"


def contactable(prefix: str = "") -> Q:
    """Owners who may receive the programme's messages (reminders of reports and trainings):
    those who have not withdrawn their consent. ``prefix`` is the path to the owner from the
    queried model, e.g. ``"business__owner__"``."""
    return Q(**{f"{prefix}consent_withdrawn_at__isnull": True})


class DeletionStatus(models.TextChoices):
    REQUESTED = "requested", _("Diajukan")
    DONE = "done", _("Data dihapus")
    REFUSED = "refused", _("Ditolak")


class DeletionRequest(models.Model):
    """An owner's request to delete their account and personal data (UU 27/2022). Staff handle
    it in the admin: erase (``payakumbuh_ikm.personal_data.personal_data_erase``) or refuse
    with a reason. Kept after it is handled, as the record that the right was honoured."""

    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="deletion_requests", verbose_name=_("pemilik"))
    reason = models.TextField(_("alasan dari pemilik"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.REQUESTED)
    requested_at = models.DateTimeField(_("diajukan"), default=timezone.now)
    handled_at = models.DateTimeField(_("ditangani"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditangani oleh"),
    )
    staff_note = models.TextField(_("catatan petugas"), blank=True, max_length=1000)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("permintaan hapus data")
        verbose_name_plural = _("permintaan hapus data")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(status="requested"),
                name="deletion_request_one_open_per_owner",
                violation_error_message=_("Permintaan hapus data Anda sudah diajukan dan sedang diproses."),
            )
        ]

    def __str__(self):
        return f"{self.owner} ({self.get_status_display()})"
