"""A business's monthly recovery report, compared with its 2019 baseline (kept on Business)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Reporting starts with the pandemic; earlier months are the 2019 baseline's business.
FIRST_PERIOD = date(2020, 1, 1)


class OperatingStatus(models.TextChoices):
    NORMAL = "normal", _("Beroperasi normal")
    REDUCED = "terbatas", _("Beroperasi terbatas")
    TEMPORARILY_CLOSED = "tutup_sementara", _("Tutup sementara")
    CLOSED = "tutup_permanen", _("Tutup permanen")


CLOSED_STATUSES = (OperatingStatus.TEMPORARILY_CLOSED, OperatingStatus.CLOSED)


class RawMaterialAccess(models.TextChoices):
    NORMAL = "normal", _("Normal")
    DIFFICULT = "sulit", _("Sulit didapat")
    UNAVAILABLE = "tidak_ada", _("Tidak tersedia")


class ReportStatus(models.TextChoices):
    SUBMITTED = "diajukan", _("Menunggu pemeriksaan")
    RETURNED = "dikembalikan", _("Dikembalikan untuk diperbaiki")
    APPROVED = "disetujui", _("Disetujui")


# Checkbox groups of the form, in the order they are shown: (group label, [(field, label)]).
CHANNEL_FIELDS = ("channel_shop", "channel_marketplace", "channel_social_media", "channel_whatsapp")
MARKET_FIELDS = ("market_city", "market_province", "market_other_provinces", "market_export")
HEALTH_FIELDS = ("health_masks", "health_handwashing", "health_distancing", "health_cleaning")
PROBLEM_FIELDS = (
    "problem_sales",
    "problem_raw_materials",
    "problem_distribution",
    "problem_capital",
    "problem_production",
    "problem_other",
)
# What a month with activity must state; a "no activity" report leaves them empty.
ACTIVITY_REQUIRED = ("turnover", "workers_male", "workers_female", "online_share", "operating_status", "raw_materials")


def month_start(day: date) -> date:
    return day.replace(day=1)


def current_period() -> date:
    """The first day of this month in Asia/Jakarta (the portal's TIME_ZONE)."""
    return month_start(timezone.localdate())


class MonthlyReport(models.Model):
    """One business's figures for one month. ``period`` is the first day of that month.

    ``no_activity`` is an answer ("nothing happened this month"), unlike a month with no row.
    Once staff approve a report it is locked: services refuse every further edit.
    """

    business = models.ForeignKey(
        "businesses.Business", on_delete=models.CASCADE, related_name="recovery_reports", verbose_name=_("usaha")
    )
    period = models.DateField(_("bulan laporan"), help_text=_("Hari pertama bulan yang dilaporkan."))
    no_activity = models.BooleanField(_("tidak ada kegiatan bulan ini"), default=False)

    turnover = models.BigIntegerField(
        _("omzet bulan ini (Rp)"), null=True, blank=True, validators=[MinValueValidator(0, _("Omzet tidak boleh negatif."))]
    )
    workers_male = models.PositiveIntegerField(_("tenaga kerja laki-laki"), null=True, blank=True)
    workers_female = models.PositiveIntegerField(_("tenaga kerja perempuan"), null=True, blank=True)
    production_volume = models.DecimalField(
        _("volume produksi"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, _("Volume produksi tidak boleh negatif."))],
    )
    production_unit = models.CharField(_("satuan produksi"), max_length=30, blank=True, help_text=_("mis. kg, buah, kodi"))
    online_share = models.PositiveSmallIntegerField(
        _("porsi penjualan online (%)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, _("Porsi online antara 0 dan 100 persen.")),
            MaxValueValidator(100, _("Porsi online antara 0 dan 100 persen.")),
        ],
    )
    channel_shop = models.BooleanField(_("toko/kios"), default=False)
    channel_marketplace = models.BooleanField(_("marketplace"), default=False)
    channel_social_media = models.BooleanField(_("media sosial"), default=False)
    channel_whatsapp = models.BooleanField(_("WhatsApp"), default=False)
    operating_status = models.CharField(_("status operasi"), max_length=20, choices=OperatingStatus.choices, blank=True)
    raw_materials = models.CharField(_("akses bahan baku"), max_length=20, choices=RawMaterialAccess.choices, blank=True)
    market_city = models.BooleanField(_("dalam kota"), default=False)
    market_province = models.BooleanField(_("dalam provinsi"), default=False)
    market_other_provinces = models.BooleanField(_("provinsi lain"), default=False)
    market_export = models.BooleanField(_("ekspor"), default=False)
    health_masks = models.BooleanField(_("masker"), default=False)
    health_handwashing = models.BooleanField(_("tempat cuci tangan"), default=False)
    health_distancing = models.BooleanField(_("jaga jarak"), default=False)
    health_cleaning = models.BooleanField(_("pembersihan rutin"), default=False)
    problem_sales = models.BooleanField(_("penjualan turun"), default=False)
    problem_raw_materials = models.BooleanField(_("bahan baku"), default=False)
    problem_distribution = models.BooleanField(_("distribusi"), default=False)
    problem_capital = models.BooleanField(_("modal"), default=False)
    problem_production = models.BooleanField(_("produksi"), default=False)
    problem_other = models.BooleanField(_("lainnya"), default=False)
    problem_note = models.CharField(_("masalah lain"), max_length=255, blank=True)
    # The reporter confirmed an unusual turnover (the soft warning); kept so staff see it.
    unusual_confirmed = models.BooleanField(_("angka tidak biasa sudah dikonfirmasi"), default=False)

    status = models.CharField(
        _("status"), max_length=15, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED, db_index=True
    )
    return_note = models.TextField(_("catatan perbaikan"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dikirim oleh"),
    )
    submitted_at = models.DateTimeField(_("dikirim"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diperiksa oleh"),
    )
    reviewed_at = models.DateTimeField(_("diperiksa"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-period", "business_id"]
        verbose_name = _("laporan bulanan")
        verbose_name_plural = _("laporan bulanan")
        indexes = [models.Index(fields=["period", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "period"],
                name="recovery_report_one_per_month",
                violation_error_message=_("Usaha ini sudah punya laporan untuk bulan tersebut."),
            ),
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="recovery_report_period_first_day",
                violation_error_message=_("Bulan laporan disimpan sebagai tanggal 1."),
            ),
            models.CheckConstraint(
                condition=Q(period__gte=FIRST_PERIOD),
                name="recovery_report_period_from_2020",
                violation_error_message=_("Laporan paling awal untuk Januari 2020."),
            ),
            models.CheckConstraint(
                condition=Q(turnover__isnull=True) | Q(turnover__gte=0),
                name="recovery_report_turnover_not_negative",
                violation_error_message=_("Omzet tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(online_share__isnull=True) | Q(online_share__gte=0, online_share__lte=100),
                name="recovery_report_online_share_percent",
                violation_error_message=_("Porsi online antara 0 dan 100 persen."),
            ),
            models.CheckConstraint(
                condition=Q(no_activity=True)
                | Q(
                    turnover__isnull=False,
                    workers_male__isnull=False,
                    workers_female__isnull=False,
                    online_share__isnull=False,
                )
                & ~Q(operating_status="")
                & ~Q(raw_materials=""),
                name="recovery_report_activity_complete",
                violation_error_message=_("Laporan bulan dengan kegiatan harus lengkap."),
            ),
            models.CheckConstraint(
                condition=~Q(status="dikembalikan") | ~Q(return_note=""),
                name="recovery_report_return_has_note",
                violation_error_message=_("Laporan yang dikembalikan harus punya catatan."),
            ),
        ]

    def __str__(self):
        return f"{self.business_id} · {self.period:%Y-%m}"

    def clean(self):
        super().clean()
        errors = {}
        if self.period:
            if self.period.day != 1:
                self.period = month_start(self.period)
            if self.period < FIRST_PERIOD:
                errors["period"] = _("Laporan paling awal untuk Januari 2020.")
            elif self.period > current_period():
                errors["period"] = _("Bulan laporan tidak boleh di masa depan.")
        if not self.no_activity:
            for field in ACTIVITY_REQUIRED:
                if getattr(self, field) in (None, ""):
                    errors[field] = _("Wajib diisi, kecuali bulan ini tidak ada kegiatan.")
        if self.problem_other and not self.problem_note.strip():
            errors["problem_note"] = _("Tuliskan masalah lainnya.")
        if self.status == ReportStatus.RETURNED and not self.return_note.strip():
            errors["return_note"] = _("Laporan yang dikembalikan harus punya catatan.")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        """Only the unique constraint is asked of the database. Every check constraint is also
        stated in Python, by a field validator or clean() with the same message (clean() puts the
        month on its first day), held to it by tests/test_report_constraints.py. Asking
        PostgreSQL again cost a query per constraint (three inside a transaction) on every
        validation: 23 of the 39 queries of sending the report form, whose form and service each
        validate. The database still enforces every constraint on save."""
        using = router.db_for_write(MonthlyReport, instance=self)
        for constraint in self._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                constraint.validate(MonthlyReport, self, exclude=exclude, using=using)

    @property
    def workers_total(self) -> int | None:
        if self.workers_male is None or self.workers_female is None:
            return None
        return self.workers_male + self.workers_female

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.APPROVED


class Measure(models.TextChoices):
    """The city measures a target can be set for; keys are those of ``selectors.city_figures``."""

    ACTIVE = "active", _("IKM aktif")
    SHARE_RECOVERED = "share_recovered", _("Porsi IKM sudah pulih")
    MEDIAN_INDEX = "median_index", _("Median indeks pemulihan")
    JOBS_RATIO = "jobs_ratio", _("Tenaga kerja dibanding data pendaftaran")
    SHARE_ONLINE = "share_online", _("Porsi IKM berjualan online")
    SHARE_RAW_DIFFICULT = "share_raw_difficult", _("Porsi IKM sulit bahan baku")
    COMPLETENESS = "completeness", _("Kelengkapan laporan")


# A count is a number of businesses; every other measure is a ratio, targeted in percent.
COUNT_MEASURES = (Measure.ACTIVE,)
# For these, lower is better: the target is a ceiling ("at most 20%"), not a floor.
LOWER_IS_BETTER = (Measure.SHARE_RAW_DIFFICULT,)


class Target(models.Model):
    """What officials aim for: ``measure`` at ``value`` by the month ``period`` (its first day).

    ``value`` is in percent for ratios (60 = 60%) and a number of businesses for counts. One
    target per measure and month; setting it again replaces the value and the history keeps the
    earlier ones with who set them.
    """

    measure = models.CharField(_("ukuran"), max_length=30, choices=Measure.choices)
    period = models.DateField(_("bulan target"), help_text=_("Hari pertama bulan target."))
    value = models.DecimalField(
        _("nilai target"), max_digits=9, decimal_places=1, validators=[MinValueValidator(0, _("Target tidak boleh negatif."))]
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditetapkan oleh"),
    )
    set_at = models.DateTimeField(_("ditetapkan"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "measure"]
        verbose_name = _("target")
        verbose_name_plural = _("target")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period"],
                name="recovery_target_one_per_measure_month",
                violation_error_message=_("Ukuran ini sudah punya target untuk bulan tersebut."),
            ),
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="recovery_target_period_first_day",
                violation_error_message=_("Bulan target disimpan sebagai tanggal 1."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="recovery_target_value_not_negative",
                violation_error_message=_("Target tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(measure__in=COUNT_MEASURES) | Q(value__lte=100),
                name="recovery_target_percent_at_most_100",
                violation_error_message=_("Target persentase paling tinggi 100%."),
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} · {self.period:%Y-%m}"

    def clean(self):
        super().clean()
        if self.period and self.period < FIRST_PERIOD:
            raise ValidationError({"period": _("Target paling awal untuk Januari 2020.")})
        if self.period and self.period.day != 1:
            self.period = month_start(self.period)
        if self.value is not None and self.measure not in COUNT_MEASURES and self.value > 100:
            raise ValidationError({"value": _("Target persentase paling tinggi 100%.")})

    @property
    def is_percent(self) -> bool:
        return self.measure not in COUNT_MEASURES

    @property
    def lower_is_better(self) -> bool:
        return self.measure in LOWER_IS_BETTER

    def met_by(self, actual: float | int | None) -> bool | None:
        """Whether ``actual`` (a ratio such as 0.62, or a count) reaches the target; None when
        there is nothing to compare."""
        if actual is None:
            return None
        reached = float(actual) * 100 if self.is_percent else float(actual)
        goal = float(self.value)
        return reached <= goal if self.lower_is_better else reached >= goal


class ReportFileKind(models.TextChoices):
    MONTHLY = "bulanan", _("Laporan bulanan kota")
    EXPORT = "ekspor", _("Ekspor dasbor")


class ReportFileStatus(models.TextChoices):
    PENDING = "menunggu", _("Menunggu")
    RUNNING = "berjalan", _("Sedang dibuat")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")


class ReportFile(models.Model):
    """A built report: the city's monthly report (Excel and a PDF summary) or a dashboard export
    (Excel) that someone started. Files are served only through a permission-checked view.

    A month's report is built again, as a new revision, when that month's own figures change
    after it was built (late reports): ``figures_digest`` fingerprints the figures a revision
    was built from. The conditional unique constraint allows one monthly report per month and
    revision, so the monthly job claims a revision with an insert and a second run (or a second
    beat) builds nothing. Earlier revisions are kept and stay downloadable.
    """

    kind = models.CharField(_("jenis"), max_length=10, choices=ReportFileKind.choices)
    period = models.DateField(_("bulan"), help_text=_("Hari pertama bulan laporan (untuk ekspor: bulan terakhir)."))
    status = models.CharField(_("status"), max_length=10, choices=ReportFileStatus.choices, default=ReportFileStatus.PENDING)
    progress = models.PositiveSmallIntegerField(
        _("kemajuan (%)"), default=0, validators=[MaxValueValidator(100, _("Kemajuan paling tinggi 100%."))]
    )
    file = models.FileField(_("berkas Excel"), upload_to="recovery-reports/%Y/%m/", blank=True)
    pdf = models.FileField(_("ringkasan PDF"), upload_to="recovery-reports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibuat oleh"),
    )
    filters = models.JSONField(_("saringan"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    started_at = models.DateTimeField(_("mulai dibuat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    revision = models.PositiveSmallIntegerField(
        _("revisi"), default=1, validators=[MinValueValidator(1, _("Revisi dimulai dari 1."))]
    )
    figures_digest = models.CharField(
        _("sidik angka"), max_length=64, blank=True, help_text=_("SHA-256 angka bulan ini yang dipakai berkas ini.")
    )
    figures_as_of = models.DateTimeField(_("angka per"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("berkas laporan")
        verbose_name_plural = _("berkas laporan")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "revision"],
                condition=Q(kind="bulanan"),
                name="recovery_reportfile_one_monthly_per_revision",
                violation_error_message=_("Revisi laporan bulanan ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1),
                name="recovery_reportfile_revision_from_one",
                violation_error_message=_("Revisi dimulai dari 1."),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="recovery_reportfile_progress_percent",
                violation_error_message=_("Kemajuan paling tinggi 100%."),
            ),
        ]

    def __str__(self):
        if self.kind == ReportFileKind.MONTHLY:
            return f"{self.get_kind_display()} · {self.period:%Y-%m} · r{self.revision}"
        return f"{self.get_kind_display()} · {self.period:%Y-%m}"

    @property
    def is_done(self) -> bool:
        return self.status == ReportFileStatus.DONE


# --- Pre-computed dashboard figures (recovery.aggregates fills them) ---------------------------


class SummaryTraining(models.IntegerChoices):
    ALL = 0, _("Semua usaha")
    TRAINED = 1, _("Pernah ikut pelatihan")
    UNTRAINED = 2, _("Belum pernah ikut pelatihan")


class FigureSummary(models.Model):
    """Every dashboard figure of one month for one slice of the city, computed ahead so the
    dashboard reads a few rows instead of aggregating every report (zulip's analytics *Count
    tables, by month). A slice is a kecamatan or all (``kecamatan_key`` 0), a KBLI division or all
    (``division`` ""), trained, untrained or all businesses. The rows without ``period`` hold the
    before-and-after figures of the online-marketing training, which span every month.

    Definitions are those of ``recovery.measures``; ``verified`` is the count of businesses in the
    programme in that month and slice.
    """

    period = models.DateField(_("bulan"), null=True, blank=True)
    kecamatan_key = models.PositiveIntegerField(_("kecamatan"), default=0, help_text=_("0 berarti semua kecamatan."))
    division = models.CharField(_("golongan pokok KBLI"), max_length=2, blank=True)
    training = models.PositiveSmallIntegerField(_("pelatihan"), choices=SummaryTraining.choices, default=SummaryTraining.ALL)
    label = models.CharField(_("nama"), max_length=255, blank=True)
    position = models.PositiveIntegerField(_("urutan"), default=0)

    # Counts and sums of one month and slice, as recovery.measures defines them.
    verified = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    no_activity_reports = models.PositiveIntegerField(default=0)
    with_activity = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    recovering = models.PositiveIntegerField(default=0)
    struggling = models.PositiveIntegerField(default=0)
    no_baseline = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    raw_difficult = models.PositiveIntegerField(default=0)
    jobs = models.BigIntegerField(null=True, blank=True)
    jobs_registered = models.BigIntegerField(null=True, blank=True)
    median_index = models.FloatField(null=True, blank=True)

    # Only on the all-months rows: before and after the online-marketing training, for the
    # trained businesses and for the comparison group (recovery.aggregates).
    trained_businesses = models.PositiveIntegerField(default=0)
    comparison_businesses = models.PositiveIntegerField(default=0)
    online_before = models.FloatField(null=True, blank=True)
    online_after = models.FloatField(null=True, blank=True)
    index_before = models.FloatField(null=True, blank=True)
    index_after = models.FloatField(null=True, blank=True)
    comparison_online_before = models.FloatField(null=True, blank=True)
    comparison_online_after = models.FloatField(null=True, blank=True)
    comparison_index_before = models.FloatField(null=True, blank=True)
    comparison_index_after = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("ringkasan angka")
        verbose_name_plural = _("ringkasan angka")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kecamatan_key", "division", "training"], name="recovery_figuresummary_one_per_slice"
            ),
            models.UniqueConstraint(
                fields=["kecamatan_key", "division", "training"],
                condition=Q(period__isnull=True),
                name="recovery_figuresummary_one_all_months_per_slice",
            ),
        ]

    def __str__(self):
        month = f"{self.period:%Y-%m}" if self.period else "semua"
        return f"{month} · {self.kecamatan_key} · {self.division or '*'} · {self.training}"


class SummaryFillState(models.Model):
    """How far ``FigureSummary`` is filled, one row per month (``key`` ``YYYY-MM``) and one for
    the figures that span every month (``key`` ``semua``), as zulip's analytics FillState.

    A change to a month's reports raises ``version`` in the same transaction; a fill records the
    version it read before computing in ``filled_version``. The month is stale while
    ``version > filled_version``, so a change committed during a fill is never lost.
    """

    ALL_MONTHS = "semua"

    key = models.CharField(_("bulan"), max_length=7, unique=True)
    version = models.PositiveIntegerField(_("versi data"), default=0)
    filled_version = models.PositiveIntegerField(_("versi terisi"), default=0)
    filled_at = models.DateTimeField(_("terisi pada"), null=True, blank=True, help_text=_("Saat pengisian mulai membaca."))
    changed_at = models.DateTimeField(_("berubah pada"), null=True, blank=True)
    # Only on the ``semua`` row: what the sweep last saw of the registry and trainings, and up to
    # when it read the report history.
    inputs = models.JSONField(_("masukan"), default=dict, blank=True)
    history_until = models.DateTimeField(_("riwayat dibaca sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("status pengisian ringkasan")
        verbose_name_plural = _("status pengisian ringkasan")

    def __str__(self):
        return f"{self.key} v{self.filled_version}/{self.version}"

    @property
    def is_stale(self) -> bool:
        return self.filled_at is None or self.version > self.filled_version


class BeforeAfterCell(models.Model):
    """The before-and-after figures' intermediate results for one cohort (the month number,
    year * 12 + month - 1, of a first online-marketing session) and one (kecamatan, KBLI
    division) cell: per business of the cell, its mean online share and recovery index over the
    window months before and after, for the businesses trained in the cohort (*treated*) and for
    the comparison group (recovery.aggregates). Kept so that a change to a few businesses patches
    their entries instead of recomputing every cohort from the reports; the all-months
    ``FigureSummary`` rows are computed from these cells alone.

    Packed little-endian arrays: ids (int64, ascending) and, in the same order, four doubles per
    business (online before, online after, index before, index after; NaN for no value); the
    comparison values also sorted per measure (NaN left out), for the weighted medians."""

    # Random, new with each row written: a process that read the cell knows it is the same.
    token = models.BigIntegerField(default=0)
    cohort = models.PositiveIntegerField()
    kecamatan_key = models.PositiveIntegerField()
    division = models.CharField(max_length=2, blank=True)
    treated_ids = models.BinaryField(default=b"")
    treated_values = models.BinaryField(default=b"")
    comparison_ids = models.BinaryField(default=b"")
    comparison_values = models.BinaryField(default=b"")
    sorted_online_before = models.BinaryField(default=b"")
    sorted_online_after = models.BinaryField(default=b"")
    sorted_index_before = models.BinaryField(default=b"")
    sorted_index_after = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "kecamatan_key", "division"], name="recovery_beforeaftercell_one_per_cell")
        ]

    def __str__(self):
        return f"{self.cohort} {self.kecamatan_key} {self.division}"


class BeforeAfterChange(models.Model):
    """A business whose before-and-after entries are out of date from month ``since``, written in
    the transaction of the change (``aggregates.summaries_mark_changed``) and removed by the
    refresh that patched them. No business (``business_id`` empty): a change whose businesses are unknown, which
    only a full recomputation covers."""

    business_id = models.BigIntegerField(null=True, blank=True)
    # The first month the change touches (None: any): only the cohorts whose window reaches it
    # are patched.
    since = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"{self.business_id or '*'} {self.since or ''}"


class SummaryIndexes(models.Model):
    """One month's recovery indexes in one base cell (a kecamatan, a KBLI division, trained or
    untrained: the slices every other slice rolls up), sorted, as a packed little-endian array
    of doubles. The month's medians are taken from these, and the month's other figures summed
    from its base ``FigureSummary`` rows, so a change to a few businesses recomputes only their
    cells from the reports (``aggregates``) instead of the whole month."""

    period = models.DateField()
    kecamatan_key = models.PositiveIntegerField()
    division = models.CharField(max_length=2)
    training = models.PositiveSmallIntegerField(choices=SummaryTraining.choices)
    values = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kecamatan_key", "division", "training"], name="recovery_summaryindexes_one_per_cell"
            )
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.kecamatan_key} {self.division} {self.training}"


class SummaryMonthChange(models.Model):
    """A business whose figures in month ``key`` (``YYYY-MM``) changed since the month's last
    fill, written in the transaction of the change (``aggregates.summaries_mark_changed``) and
    removed by the fill that covered it. No business (``business_id`` empty): a change whose
    businesses, or the cells they were in, are unknown, which only the whole month covers."""

    key = models.CharField(max_length=7, db_index=True)
    business_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.key} {self.business_id or '*'}"


class ReportSchedule(models.Model):
    """When the city's monthly report is built and who receives it: one row (pk 1), edited by
    staff and officials on the report files page. The daily job (recovery.tasks) builds the
    latest closed month's report on or after ``day_of_month``; the e-mail goes to
    ``recipients`` (none chosen: every official with an e-mail address), with the PDF attached,
    and the Excel too when it is at most ``excel_attach_max_kb``."""

    day_of_month = models.PositiveSmallIntegerField(
        _("tanggal pembuatan"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "Tanggal 1–28. Laporan sebuah bulan dibuat pada atau sesudah tanggal ini, setelah batas pelaporannya "
            "lewat. Tanggal 1: segera setelah batas pelaporan lewat."
        ),
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("penerima e-mail"),
        help_text=_("Tidak ada yang dipilih: semua pejabat kota yang punya alamat e-mail."),
    )
    excel_attach_max_kb = models.PositiveIntegerField(
        _("batas lampiran Excel (KB)"),
        default=2048,
        validators=[MaxValueValidator(20_480)],
        help_text=_("Berkas Excel yang lebih besar tidak dilampirkan; tautannya tetap ada di e-mail."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )

    class Meta:
        verbose_name = _("jadwal laporan bulanan")
        verbose_name_plural = _("jadwal laporan bulanan")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="report_schedule_single_row")]

    def __str__(self):
        return str(self._meta.verbose_name)
