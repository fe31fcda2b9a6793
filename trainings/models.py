from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from businesses.models import Business, Kbli, Kecamatan

# Sectors are KBLI divisions (two digits): they survive KBLI revisions, which renumber five-digit
# codes, and the registry already names them (businesses/reference/kbli_divisions.csv).
validate_division_list = RegexValidator(
    r"^\s*(\d{2}\s*(,\s*\d{2}\s*)*)?$", _("Tulis kode golongan pokok KBLI dua angka, dipisah koma, mis. 10, 13, 14.")
)


class Topic(models.Model):
    name = models.CharField(_("nama"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    description = models.TextField(_("uraian"), blank=True)
    target_divisions = models.CharField(
        _("sektor sasaran (golongan pokok KBLI)"),
        max_length=100,
        blank=True,
        validators=[validate_division_list],
        help_text=_("Mis. 10, 13, 14. Kosong berarti semua sektor."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("topik pelatihan")
        verbose_name_plural = _("topik pelatihan")

    def __str__(self):
        return self.name

    def clean(self):
        self.target_divisions = ", ".join(self.division_codes)

    @property
    def division_codes(self) -> list[str]:
        return [code.strip() for code in self.target_divisions.split(",") if code.strip()]


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("Tatap muka")
    ONLINE = "online", _("Daring")
    HYBRID = "hybrid", _("Tatap muka dan daring")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    PUBLISHED = "published", _("Terbit")
    CANCELLED = "cancelled", _("Dibatalkan")
    FINISHED = "finished", _("Selesai")


REMINDER_HOURS_MAX = 168  # a week ahead
REMINDER_TIMES_MAX = 4


def reminder_hours_parse(text: str) -> list[float]:
    """ "48, 2" -> [48.0, 2.0], largest first, each once. Raises ValueError for anything else:
    not numbers, outside 1..REMINDER_HOURS_MAX, more than REMINDER_TIMES_MAX."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not parts or len(parts) > REMINDER_TIMES_MAX:
        raise ValueError(text)
    hours = set()
    for part in parts:
        if not part.isascii():
            raise ValueError(part)
        value = float(part.replace(" ", ""))
        if not 1 <= value <= REMINDER_HOURS_MAX:
            raise ValueError(part)
        hours.add(value)
    return sorted(hours, reverse=True)


def reminder_hours_text(hours: list[float]) -> str:
    return ", ".join(f"{h:g}" for h in hours)


class TrainingSession(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("topik"))
    title = models.CharField(_("judul"), max_length=200)
    trainer = models.CharField(_("pelatih"), max_length=150)
    description = models.TextField(_("uraian"), blank=True)
    mode = models.CharField(_("cara"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    venue = models.CharField(_("tempat"), max_length=255, blank=True)
    # Given only to registered participants (page, reminders), never in the public catalogue or feed.
    meeting_url = models.URLField(_("tautan pertemuan daring"), blank=True)
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    capacity = models.PositiveIntegerField(_("kapasitas"), validators=[MinValueValidator(1)])
    registration_opens_at = models.DateTimeField(
        _("pendaftaran dibuka"), null=True, blank=True, help_text=_("Kosong: dibuka sejak pelatihan diterbitkan.")
    )
    registration_closes_at = models.DateTimeField(
        _("pendaftaran ditutup"), null=True, blank=True, help_text=_("Kosong: ditutup saat pelatihan dimulai.")
    )
    # Eligibility: only verified businesses, always; these narrow it further when filled.
    kecamatan = models.ManyToManyField(
        Kecamatan, blank=True, related_name="+", verbose_name=_("hanya untuk kecamatan"), help_text=_("Kosong: semua kecamatan.")
    )
    kbli = models.ManyToManyField(
        Kbli, blank=True, related_name="+", verbose_name=_("hanya untuk KBLI"), help_text=_("Kosong: semua KBLI.")
    )
    max_participants_per_business = models.PositiveSmallIntegerField(
        _("peserta per usaha paling banyak"), default=1, validators=[MinValueValidator(1)]
    )
    reminder_hours = models.CharField(
        _("pengingat (jam sebelum mulai)"),
        max_length=40,
        blank=True,
        help_text=_("Mis. 48, 2: dua hari dan dua jam sebelum mulai. Kosong: aturan bawaan portal (24 dan 2 jam)."),
    )
    status = models.CharField(_("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    # Raised each time a published session changes time or place: change notices and reminders
    # carry it in their outbox key, so each change is told once and reminders follow the new time.
    schedule_version = models.PositiveIntegerField(_("versi jadwal"), default=1, editable=False)
    finished_at = models.DateTimeField(_("ditutup"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[kecamatan, kbli])

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("sesi pelatihan")
        verbose_name_plural = _("sesi pelatihan")
        indexes = [models.Index(fields=["status", "starts_at"], name="session_catalogue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="session_capacity_positive",
                violation_error_message=_("Kapasitas harus lebih dari nol."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("Waktu selesai harus sesudah waktu mulai."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="session_registration_window",
                violation_error_message=_("Pendaftaran harus ditutup sesudah dibuka."),
            ),
            models.CheckConstraint(
                condition=Q(max_participants_per_business__gte=1),
                name="session_participants_per_business_positive",
                violation_error_message=_("Setiap usaha boleh mengirim paling sedikit satu peserta."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.mode in (Mode.IN_PERSON, Mode.HYBRID) and not self.venue.strip():
            errors["venue"] = _("Pelatihan tatap muka harus punya tempat.")
        if self.mode in (Mode.ONLINE, Mode.HYBRID) and not self.meeting_url:
            errors["meeting_url"] = _("Pelatihan daring harus punya tautan pertemuan.")
        if self.mode == Mode.ONLINE and self.venue.strip():
            errors["venue"] = _("Pelatihan daring tidak memakai tempat; pilih cara tatap muka dan daring.")
        if self.starts_at and self.registration_closes_at and self.registration_closes_at > self.starts_at:
            errors["registration_closes_at"] = _("Pendaftaran harus ditutup paling lambat saat pelatihan dimulai.")
        if self.reminder_hours.strip():
            try:
                self.reminder_hours = reminder_hours_text(reminder_hours_parse(self.reminder_hours))
            except ValueError:
                errors["reminder_hours"] = _(
                    "Tulis jam sebelum mulai dipisah koma, paling banyak 4, masing-masing antara 1 dan 168 (mis. 48, 2)."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def registration_closes(self):
        return self.registration_closes_at or self.starts_at

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        opened = self.registration_opens_at is None or self.registration_opens_at <= now
        return self.status == SessionStatus.PUBLISHED and opened and now < self.registration_closes


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Terdaftar")
    WAITING = "waiting", _("Daftar tunggu")
    CANCELLED = "cancelled", _("Dibatalkan")


class Registration(models.Model):
    """One participant of one business in one session.

    The waiting-list position is not stored: it is the rank among waiting rows ordered by
    (created_at, id), so a cancellation or promotion never has to renumber anyone.
    ``slot`` numbers a business's participants in a session (1..max_participants_per_business):
    the unique constraint on (session, business, slot) is what lets the database refuse a second
    registration when one participant per business is allowed.
    """

    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("sesi"))
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="training_registrations", verbose_name=_("usaha")
    )
    participant_name = models.CharField(_("nama peserta"), max_length=150)
    slot = models.PositiveSmallIntegerField(_("peserta ke-"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("didaftarkan"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("didaftarkan oleh"),
    )
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("pendaftaran pelatihan")
        verbose_name_plural = _("pendaftaran pelatihan")
        indexes = [
            # Roster, seat counts and the waiting order of one session.
            models.Index(fields=["session", "status", "created_at", "id"], name="registration_roster_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "business", "slot"],
                condition=~Q(status="cancelled"),
                name="registration_once_per_business_slot",
                violation_error_message=_("Usaha ini sudah terdaftar di pelatihan ini."),
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="registration_slot_positive"),
            models.CheckConstraint(
                condition=(Q(status="cancelled") & Q(cancelled_at__isnull=False))
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="registration_cancelled_at_iff_cancelled",
            ),
        ]

    def __str__(self):
        return f"{self.participant_name} ({self.business}) — {self.session}"


class Attendance(models.Model):
    """A participant seen at the session, by a tap on the roster or a scan of their QR code.

    One row per registration (the primary key is the registration): checking in twice changes
    nothing, and undoing a check-in deletes the row.
    """

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, primary_key=True, related_name="attendance", verbose_name=_("pendaftaran")
    )
    checked_in_at = models.DateTimeField(_("hadir pada"), default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    method = models.CharField(
        _("cara pencatatan"), max_length=10, choices=[("roster", _("Daftar hadir")), ("qr", _("Pindai QR"))], default="roster"
    )

    # An undone check-in deletes the row; its history keeps who checked in and who undid it, when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kehadiran")
        verbose_name_plural = _("kehadiran")

    def __str__(self):
        return str(self.registration)


class Certificate(models.Model):
    """A certificate of attendance, built in the background after the session for attendees only.

    ``code`` is the public, unguessable part of the verification URL: the page it opens shows the
    participant's name and the session, nothing else.
    """

    registration = models.OneToOneField(
        Registration, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("pendaftaran")
    )
    code = models.CharField(_("kode"), max_length=16, unique=True)
    number = models.CharField(_("nomor"), max_length=40, unique=True)
    pdf = models.FileField(_("berkas PDF"), upload_to="certificates/%Y/%m/", blank=True)
    issued_at = models.DateTimeField(_("diterbitkan"), default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("sertifikat")
        verbose_name_plural = _("sertifikat")

    def __str__(self):
        return self.number


class Feedback(models.Model):
    """An attendee's rating (1 to 5) and comment on a session, one per registration."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, primary_key=True, related_name="feedback", verbose_name=_("pendaftaran")
    )
    rating = models.PositiveSmallIntegerField(
        _("nilai"), validators=[MinValueValidator(1), MaxValueValidator(5)], choices=[(n, str(n)) for n in range(1, 6)]
    )
    comment = models.TextField(_("komentar"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("dikirim"), default=timezone.now)

    class Meta:
        verbose_name = _("umpan balik")
        verbose_name_plural = _("umpan balik")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
                violation_error_message=_("Nilai harus antara 1 dan 5."),
            )
        ]

    def __str__(self):
        return f"{self.rating} — {self.registration}"
