"""Etalase IKM Payakumbuh: the public showcase of verified IKM, their products and store links.

A business appears in public only while all of these hold: it is verified and active in the
registry, and its owner has given the separate public-display consent (``Profile.consented_at``
set and ``withdrawn_at`` not after it). Registry consent (``Owner.consent_at``) does not imply
it. A product appears only when approved by staff (or at once for a trusted profile) and its
business appears. What may be shown is listed in ``Profile``'s docstring; the NIK, the owner's
private phone, the street address (unless chosen) and every recovery figure never are.

Buyer interest is counted per day, business, product and kind in ``InterestCount`` (no cookies,
no personal data: the visitor is never stored), and buyers' inquiries are kept in ``Inquiry``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.identifiers import PhoneNumberField
from businesses.models import Business, Kbli, Kecamatan, Kelurahan


class Category(models.Model):
    """A product category in plain words ("Makanan khas", "Tenun & songket"), grouping KBLI codes.

    Loaded from showcase/reference/categories.csv; a business's category comes from its KBLI code.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=80)
    name_en = models.CharField(_("nama (Inggris)"), max_length=80)
    description = models.TextField(_("keterangan"), blank=True)
    description_en = models.TextField(_("keterangan (Inggris)"), blank=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)
    kbli = models.ManyToManyField(Kbli, related_name="showcase_categories", verbose_name=_("KBLI"), blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("kategori etalase")
        verbose_name_plural = _("kategori etalase")

    def __str__(self):
        return self.name


class Sentra(models.Model):
    """A sentra IKM: a cluster of one industry in one place (e.g. the rendang centre)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="sentra", verbose_name=_("kecamatan"))
    # Where it is known to the kelurahan; ``place`` names the area in words (e.g. a jorong).
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="sentra", verbose_name=_("kelurahan"), null=True, blank=True
    )
    place = models.CharField(_("lokasi"), max_length=120, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="sentra", verbose_name=_("kategori"), null=True, blank=True
    )
    description = models.TextField(_("keterangan"), blank=True)
    description_en = models.TextField(_("keterangan (Inggris)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sentra IKM")
        verbose_name_plural = _("sentra IKM")

    def __str__(self):
        return self.name


class Profile(models.Model):
    """A business's public page, and the owner's public-display consent.

    Shown in public: the business's name, ``story``, kecamatan and kelurahan, sentra, category,
    the certifications it holds (kind only, never the document or number), its approved
    products, ``StoreLink``s, and a WhatsApp button to ``order_phone`` (the number the owner chose
    for orders; it may differ from the private number in the registry). The street address only
    when ``show_address``.
    """

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="public_profile", verbose_name=_("usaha"))
    slug = models.SlugField(_("alamat halaman"), max_length=120, unique=True)
    story = models.TextField(
        _("cerita usaha"), blank=True, max_length=2000, help_text=_("Sejarah, bahan, cara membuat: yang membuat pembeli percaya.")
    )
    sentra = models.ForeignKey(
        Sentra, on_delete=models.SET_NULL, null=True, blank=True, related_name="profiles", verbose_name=_("sentra")
    )
    order_phone = PhoneNumberField(
        _("nomor WhatsApp untuk pesanan"),
        max_length=16,
        blank=True,
        help_text=_("Ditampilkan kepada pembeli. Kosongkan bila tidak ingin menerima pesanan lewat WhatsApp."),
    )
    show_address = models.BooleanField(_("tampilkan alamat lengkap"), default=False)
    # The separate public-display consent (UU 27/2022): given and withdrawn with their times.
    consented_at = models.DateTimeField(_("setuju ditampilkan"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("persetujuan ditarik"), null=True, blank=True)
    # Staff mark an owner as trusted: their new and edited products are visible at once.
    trusted = models.BooleanField(_("tepercaya"), default=False)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["business__name"]
        verbose_name = _("profil etalase")
        verbose_name_plural = _("profil etalase")
        indexes = [models.Index(fields=["consented_at", "withdrawn_at"])]

    def __str__(self):
        return self.business.name

    @property
    def consent_active(self) -> bool:
        """The owner has agreed to public display and not withdrawn since."""
        return self.consented_at is not None and (self.withdrawn_at is None or self.withdrawn_at < self.consented_at)


class ProductStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan")
    APPROVED = "approved", _("Tampil")
    REFUSED = "refused", _("Ditolak")
    HIDDEN = "hidden", _("Disembunyikan pemilik")


class Product(models.Model):
    """A product on a business's public page. Prices in whole Rupiah."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="products", verbose_name=_("profil"))
    slug = models.SlugField(_("alamat halaman"), max_length=140)
    name = models.CharField(_("nama produk"), max_length=120)
    description = models.TextField(_("keterangan"), max_length=3000, blank=True)
    price_min = models.PositiveBigIntegerField(_("harga (Rp)"), help_text=_("Harga, atau harga terendah bila ada rentang."))
    price_max = models.PositiveBigIntegerField(
        _("harga tertinggi (Rp)"), null=True, blank=True, help_text=_("Isi bila harganya bervariasi.")
    )
    unit = models.CharField(_("satuan"), max_length=30, help_text=_("mis. kg, bungkus, helai, buah."))
    min_order = models.PositiveIntegerField(_("pesanan minimum"), default=1)
    shipping_note = models.CharField(
        _("catatan pengiriman"), max_length=200, blank=True, help_text=_("mis. tahan 2 minggu, dikirim ke seluruh Indonesia.")
    )
    status = models.CharField(_("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.PENDING)
    refusal_reason = models.TextField(_("alasan penolakan"), blank=True)
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
    )
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("produk")
        verbose_name_plural = _("produk")
        indexes = [models.Index(fields=["status", "-updated_at"])]
        constraints = [
            models.UniqueConstraint(fields=["profile", "slug"], name="product_profile_slug_unique"),
            models.CheckConstraint(
                condition=Q(price_max__isnull=True) | Q(price_max__gte=models.F("price_min")),
                name="product_price_range_ordered",
                violation_error_message=_("Harga tertinggi tidak boleh di bawah harga terendah."),
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="product_refusal_has_reason",
                violation_error_message=_("Produk yang ditolak harus punya alasan."),
            ),
            models.CheckConstraint(condition=Q(min_order__gte=1), name="product_min_order_positive"),
        ]

    def __str__(self):
        return self.name


def photo_upload_to(instance, filename):
    """Random names under the product: the owner's file name can hold personal data."""
    import uuid

    return f"etalase/{instance.product_id}/{uuid.uuid4().hex}.webp"


class ProductPhoto(models.Model):
    """A product photo, re-encoded server-side as WebP in three widths (EXIF and GPS gone).

    The owner's upload is never stored as sent: it is decoded, checked by content, rotated by its
    EXIF orientation, and written anew; ``width``/``height`` are the largest rendition's, for the
    page's width/height attributes (no layout shift).
    """

    MAX_PER_PRODUCT = 5
    WIDTHS = (320, 640, 1280)

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos", verbose_name=_("produk"))
    image_320 = models.FileField(_("foto 320 px"), upload_to=photo_upload_to, max_length=200)
    image_640 = models.FileField(_("foto 640 px"), upload_to=photo_upload_to, max_length=200)
    image_1280 = models.FileField(_("foto 1280 px"), upload_to=photo_upload_to, max_length=200)
    width = models.PositiveSmallIntegerField(_("lebar"))
    height = models.PositiveSmallIntegerField(_("tinggi"))
    alt = models.CharField(_("keterangan foto"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)
    created_at = models.DateTimeField(_("diunggah"), default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("foto produk")
        verbose_name_plural = _("foto produk")

    def __str__(self):
        return self.alt or str(self.product)


class StoreKind(models.TextChoices):
    """Where a buyer can order: marketplaces, social media, the owner's website.

    Each kind's accepted hosts are in showcase/links.py; a link to any other host is refused.
    """

    TOKOPEDIA = "tokopedia", "Tokopedia"
    SHOPEE = "shopee", "Shopee"
    BUKALAPAK = "bukalapak", "Bukalapak"
    LAZADA = "lazada", "Lazada"
    TIKTOK = "tiktok", "TikTok Shop"
    BLIBLI = "blibli", "Blibli"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    WEBSITE = "website", _("Situs web")


class StoreLink(models.Model):
    """A link to the business's store (``product`` empty) or to one product's listing."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="store_links", verbose_name=_("profil"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="store_links", verbose_name=_("produk")
    )
    kind = models.CharField(_("jenis"), max_length=12, choices=StoreKind.choices)
    url = models.URLField(_("alamat tautan"), max_length=500)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["position", "kind", "id"]
        verbose_name = _("tautan toko")
        verbose_name_plural = _("tautan toko")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind"], condition=Q(product__isnull=True), name="storelink_profile_kind_unique"
            ),
            models.UniqueConstraint(
                fields=["product", "kind"], condition=Q(product__isnull=False), name="storelink_product_kind_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.url}"


class ProductReportReason(models.TextChoices):
    WRONG = "wrong", _("Informasi salah atau menyesatkan")
    FORBIDDEN = "forbidden", _("Produk terlarang atau berbahaya")
    FRAUD = "fraud", _("Dugaan penipuan")
    OFFENSIVE = "offensive", _("Foto atau teks tidak pantas")
    OTHER = "other", _("Lainnya")


class ProductReport(models.Model):
    """A visitor's "laporkan" on a product, for staff to review. Nothing about the visitor is kept."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reports", verbose_name=_("produk"))
    reason = models.CharField(_("alasan"), max_length=10, choices=ProductReportReason.choices)
    message = models.TextField(_("keterangan"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("dilaporkan"), default=timezone.now)
    resolved_at = models.DateTimeField(_("ditangani"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditangani oleh"),
    )
    resolution = models.TextField(_("tindakan"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("laporan produk")
        verbose_name_plural = _("laporan produk")
        indexes = [models.Index(fields=["resolved_at", "-created_at"])]

    def __str__(self):
        return f"{self.product}: {self.get_reason_display()}"


class InterestKind(models.TextChoices):
    PROFILE_VIEW = "profile_view", _("Kunjungan halaman usaha")
    PRODUCT_VIEW = "product_view", _("Kunjungan halaman produk")
    WHATSAPP = "whatsapp", _("Klik WhatsApp")
    STORE = "store", _("Klik toko online")
    INQUIRY = "inquiry", _("Pertanyaan pembeli")


class InterestCount(models.Model):
    """How often buyers showed interest, per day, business, product (or none) and kind.

    Counted server-side (page views in the view, clicks through a redirect that records and
    forwards); bots and a repeated click from the same visitor within the day are not counted.
    No cookie is set and nothing about the visitor is stored here.
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="interest", verbose_name=_("profil"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="interest", verbose_name=_("produk")
    )
    kind = models.CharField(_("jenis"), max_length=14, choices=InterestKind.choices)
    day = models.DateField(_("tanggal"))
    count = models.PositiveIntegerField(_("jumlah"), default=0)

    class Meta:
        verbose_name = _("minat pembeli")
        verbose_name_plural = _("minat pembeli")
        indexes = [models.Index(fields=["day", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind", "day"], condition=Q(product__isnull=True), name="interest_profile_day_unique"
            ),
            models.UniqueConstraint(
                fields=["product", "kind", "day"], condition=Q(product__isnull=False), name="interest_product_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.profile} {self.kind} {self.day}: {self.count}"


class Inquiry(models.Model):
    """A buyer's short inquiry from the public page, forwarded to the owner (WhatsApp/email).

    The buyer's province is kept for the "minat pembeli" figures; name and message only as long
    as the owner needs them (``INQUIRY_RETENTION_DAYS``), then erased by the sweep.
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="inquiries", verbose_name=_("profil"))
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="inquiries", verbose_name=_("produk")
    )
    buyer_name = models.CharField(_("nama pembeli"), max_length=100)
    buyer_contact = models.CharField(
        _("WhatsApp atau email pembeli"), max_length=120, help_text=_("Agar pemilik dapat membalas.")
    )
    # Kemendagri province code ("13" is Sumatera Barat); see showcase/reference/provinces.csv.
    buyer_province = models.CharField(_("provinsi pembeli"), max_length=2)
    message = models.TextField(_("pesan"), max_length=1000)
    created_at = models.DateTimeField(_("dikirim"), default=timezone.now, db_index=True)
    forwarded_at = models.DateTimeField(_("diteruskan"), null=True, blank=True)
    erased_at = models.DateTimeField(_("data pembeli dihapus"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pertanyaan pembeli")
        verbose_name_plural = _("pertanyaan pembeli")

    def __str__(self):
        return f"{self.profile}: {self.created_at:%Y-%m-%d}"
