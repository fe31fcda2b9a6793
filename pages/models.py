from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .markup import render

FORMAT_HELP = _(
    "Teks biasa, tanpa HTML. Baris kosong: paragraf baru. '## Judul' untuk subjudul, '- ' untuk daftar, "
    "'**tebal**', '[teks tautan](https://...)' (juga mailto:, tel:, dan alamat portal yang diawali /)."
)


class PageSlug(models.TextChoices):
    HELP = "bantuan", _("Bantuan dan tanya jawab")
    CONTACT = "kontak", _("Kontak Disnakerin")
    PRIVACY = "privasi", _("Pemberitahuan privasi")
    TERMS = "ketentuan", _("Syarat dan ketentuan")


class Page(models.Model):
    """One information page (help, contact, privacy notice, terms), in Indonesian and English.
    The four pages are created by a data migration with a default text; staff edit them."""

    slug = models.SlugField(_("halaman"), max_length=20, unique=True, choices=PageSlug.choices, editable=False)
    title_id = models.CharField(_("judul (Indonesia)"), max_length=120)
    title_en = models.CharField(_("judul (Inggris)"), max_length=120, blank=True, help_text=_("Kosong: judul Indonesia."))
    body_id = models.TextField(_("isi (Indonesia)"), help_text=FORMAT_HELP)
    body_en = models.TextField(_("isi (Inggris)"), blank=True, help_text=_("Kosong: isi Indonesia dipakai."))
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("halaman informasi")
        verbose_name_plural = _("halaman informasi")

    def __str__(self):
        return self.title_id

    def title_in(self, language: str) -> str:
        return self.title_en if language.startswith("en") and self.title_en else self.title_id

    def body_in(self, language: str):
        """The body in ``language`` as safe HTML (``markup.render``: nothing typed is raw HTML)."""
        return render(self.body_en if language.startswith("en") and self.body_en else self.body_id)
