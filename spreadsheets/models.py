from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    BUSINESSES = "usaha", _("Usaha IKM")
    MONTHLY_REPORTS = "laporan", _("Laporan bulanan")


class ImportStatus(models.TextChoices):
    CHECKING = "memeriksa", _("Memeriksa berkas")
    READY = "siap", _("Siap diimpor")
    REFUSED = "ditolak", _("Perlu diperbaiki")
    APPLYING = "mengimpor", _("Mengimpor")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")


class ImportJob(models.Model):
    """One spreadsheet a member of staff uploaded: checked and previewed by a job, then, once
    confirmed, imported by another job, all or nothing. The file (it holds NIKs and phone
    numbers) is kept only until the import is done, refused or abandoned."""

    kind = models.CharField(_("jenis"), max_length=10, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    progress = models.PositiveSmallIntegerField(
        _("kemajuan (%)"), default=0, validators=[MaxValueValidator(100, _("Kemajuan paling tinggi 100%."))]
    )
    file = models.FileField(_("berkas"), upload_to="import-jobs/%Y/%m/", blank=True)
    file_name = models.CharField(_("nama berkas"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("diunggah oleh")
    )
    created_at = models.DateTimeField(_("diunggah"), default=timezone.now)
    started_at = models.DateTimeField(_("mulai diproses"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("dikonfirmasi"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)
    error = models.TextField(_("kesalahan teknis"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("impor lembar kerja")
        verbose_name_plural = _("impor lembar kerja")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="spreadsheets_importjob_progress_percent",
                violation_error_message=_("Kemajuan paling tinggi 100%."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.APPLYING)
