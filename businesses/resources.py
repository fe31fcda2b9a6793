"""Business import and export for Disnakerin staff (django-import-export 4.x).

One spreadsheet row is one business and its owner. Columns have Indonesian names (COLUMNS);
a business is matched by its NIB, its owner by NIK. Staff fill sheets by hand in Excel, so
every cell is read generously (1.250.000, Rp 1.250.000, 1250000.0; ya/tidak/x/1/0; kelurahan
by code or name) and every refusal says, in Indonesian, which row and column to fix.

An import is all or nothing: one bad row and nothing is saved (``import_data`` forces the
rollback on validation errors, on top of IMPORT_EXPORT_USE_TRANSACTIONS).

File formats are our own subclasses of import-export's XLSX and CSV, because the stock ones
cannot read what Indonesian offices produce (semicolon CSV in Windows-1252) and their formula
escaping is weak: every exported cell goes through ``safetext.cells``, as every other file the
portal writes.
"""

import copy
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from import_export import widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader

from accounts.identifiers import email_normalize
from accounts.phone import phone_normalize
from safetext import cells
from spreadsheets import formats
from spreadsheets.formats import IMPORT_MAX_ROWS, ImportFileError, check_xlsx_archive, detect_format  # noqa: F401 - re-exported
from spreadsheets.parsing import (  # noqa: F401 - re-exported for the bench and the tests
    SPACES,
    code,
    normalise_name,
    parse_boolean,
    parse_integer,
    sheet_row,
)
from spreadsheets.parsing import (
    normalise_header as formats_normalise_header,
)
from spreadsheets.parsing import text as cell_text
from spreadsheets.resources import StrictImportResource, result_messages  # noqa: F401 - re-exported
from spreadsheets.widgets import CodeWidget, IntegerWidget, LookupWidget, TextWidget, YesNoWidget

from .crypto import nik_digest
from .models import Business, BusinessStatus, Kbli, Kelurahan, Marketplace, Owner
from .nik_access import nik_full_allowed
from .services import ImportedBusiness, businesses_import_save
from .validators import nik_mask, validate_nik

COLUMNS = (
    "nib", "nama_usaha", "produk", "kbli", "kode_kelurahan", "alamat", "tahun_berdiri",
    "tk_laki_laki", "tk_perempuan", "investasi", "omzet_2019", "toko", "marketplace",
    "nama_marketplace", "media_sosial", "whatsapp", "website", "pasar_kota", "pasar_provinsi",
    "pasar_luar_provinsi", "ekspor", "nama_pemilik", "nik_pemilik", "whatsapp_pemilik",
    "email_pemilik", "status",
)  # fmt: skip
EXPORT_ONLY_COLUMNS = ("status",)
IMPORT_COLUMNS = tuple(c for c in COLUMNS if c not in EXPORT_ONLY_COLUMNS)
# Headers people write for the same column; matched after lower-casing and underscoring.
HEADER_ALIASES = {"kelurahan": "kode_kelurahan", "kode_kbli": "kbli"}
# The template's example row carries this NIB and is always skipped, so a forgotten example
# never becomes a business (OSS issues no NIB of all zeros).
EXAMPLE_NIB = "0000000000000"
DATA_SHEET = "Data Usaha"
HELP_SHEET = "Petunjuk"


def kbli_version() -> int:
    return getattr(settings, "KBLI_VERSION", 2020)


class KbliWidget(LookupWidget):
    def load(self):
        return {k.code: k for k in Kbli.objects.filter(version=kbli_version())}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Wajib diisi: kode KBLI %(version)s lima angka, mis. 10750.") % {"version": kbli_version()})
        match = re.match(r"\d{5}(?!\d)", text)
        kbli = self.lookups().get(match.group(0)) if match else None
        if kbli is None:
            raise ValueError(
                _("Kode KBLI “%(value)s” tidak ada dalam daftar KBLI %(version)s portal. Lihat daftar di lembar Petunjuk.")
                % {"value": text, "version": kbli_version()}
            )
        return kbli

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


_KELURAHAN_DIGITS = re.compile(r"\d{10}")


class KelurahanWidget(LookupWidget):
    """Kemendagri code (13.76.01.1002, with or without dots) or the kelurahan's name."""

    def load(self):
        rows = list(Kelurahan.objects.all())
        return {r.code: r for r in rows}, {normalise_name(r.name): r for r in rows}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Wajib diisi: kode kelurahan (mis. 13.76.01.1002) atau nama kelurahan."))
        by_code, by_name = self.lookups()
        digits = re.sub(r"[\s.]", "", text)
        if _KELURAHAN_DIGITS.fullmatch(digits):
            found = by_code.get(f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}")
        else:
            found = by_name.get(normalise_name(text))
        if found is None:
            raise ValueError(
                _(
                    "Kelurahan “%(value)s” tidak dikenal. Tulis kode Kemendagri (mis. 13.76.01.1002) atau nama "
                    "kelurahan di Kota Payakumbuh; daftarnya ada di lembar Petunjuk."
                )
                % {"value": text}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


class MarketplacesWidget(widgets.ManyToManyWidget, LookupWidget):
    """Comma-separated marketplace names, matched without regard to case."""

    def __init__(self):
        super().__init__(model=Marketplace, field="name", separator=",")

    def load(self):
        return {normalise_name(m.name): m for m in Marketplace.objects.all()}

    def clean(self, value, row=None, **kwargs):
        known = self.lookups()
        chosen, unknown = [], []
        for name in re.split(r"[,;/\n]+", cell_text(value)):
            if not name.strip():
                continue
            found = known.get(normalise_name(name))
            if found is None:
                unknown.append(name.strip())
            elif found not in chosen:
                chosen.append(found)
        if unknown:
            raise ValueError(
                _("Marketplace tidak dikenal: %(unknown)s. Pilihan: %(choices)s.")
                % {"unknown": ", ".join(unknown), "choices": ", ".join(sorted(m.name for m in known.values()))}
            )
        return chosen

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(sorted(m.name for m in value.all()))


class WebsiteWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text and "://" not in text:
            text = "https://" + text
        return text


class NikWidget(TextWidget):
    def __init__(self, masked=True):
        super().__init__()
        self.masked = masked

    def render(self, value, obj=None, **kwargs):
        return nik_mask(value) if self.masked else (value or "")


class StatusWidget(TextWidget):
    def render(self, value, obj=None, **kwargs):
        return str(BusinessStatus(value).label) if value else ""


# --- Columns that are not a single attribute -----------------------------------------------------


class OwnerColumn(Field):
    """An owner's detail: shown from ``business.owner``, read by the resource (owners are
    matched by NIK and shared between businesses, so a cell is not simply set)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        pass


class SocialMediaColumn(Field):
    """``media_sosial`` holds ya/tidak or the account itself (e.g. IG @rendang_uni_ani).

    An account means the business sells on social media; ``tidak`` clears the account.
    """

    def get_value(self, instance):
        return instance.social_media or instance.sells_on_social_media

    def save(self, instance, row, is_m2m=False, **kwargs):
        value = row.get(self.column_name)
        flag = parse_boolean(value)
        if flag is None:
            instance.sells_on_social_media, instance.social_media = True, cell_text(value)
        else:
            instance.sells_on_social_media = flag
            if not flag:
                instance.social_media = ""


class SocialMediaWidget(YesNoWidget):
    def render(self, value, obj=None, **kwargs):
        return value if isinstance(value, str) else super().render(value)


SKIP_FULL_CLEAN = ("owner", "kbli", "kelurahan", "status", "rejection_reason", "status_changed_by")
# Model errors are keyed by attribute; staff see the column they have to fix.
EXTRA_ERROR_COLUMNS = {"sells_on_social_media": "media_sosial", "owner": "nik_pemilik"}
OWNER_COLUMNS = {"name": "nama_pemilik", "nik": "nik_pemilik", "phone": "whatsapp_pemilik", "email": "email_pemilik"}


def _column(attribute, widget, column_class=Field, **kwargs):
    return column_class(attribute=attribute, widget=widget, **kwargs)


class BusinessLoader(ModelInstanceLoader):
    """Every business the file names, fetched in one query instead of one per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        nibs = {code(v) for v in dataset["nib"]} if dataset is not None and "nib" in (dataset.headers or ()) else set()
        nibs.discard("")
        # A NUL cannot be sent to PostgreSQL and no stored NIB holds one: such a row is refused
        # by its own validation, not looked up.
        nibs = {nib for nib in nibs if "\x00" not in nib}
        queryset = Business.objects.select_related("owner", "kbli", "kelurahan").filter(nib__in=nibs)
        self.by_nib = {b.nib: b for b in queryset}

    def get_instance(self, row):
        # pop: a NIB written twice is found once; the second row is refused as a duplicate.
        return self.by_nib.pop(code(row.get("nib")), None)


class BusinessResource(StrictImportResource):
    """Rows are validated one by one in Python (reference tables, existing businesses and
    owners each read in one query per import); nothing is written until every row is valid,
    then owners, businesses, marketplaces and their history are written in bulk by
    ``businesses.services.businesses_import_save``.
    A preview (dry run) writes nothing at all."""

    import_columns = IMPORT_COLUMNS
    known_columns = COLUMNS
    header_aliases = HEADER_ALIASES
    example_value = EXAMPLE_NIB
    data_sheet = DATA_SHEET
    preview_columns = ("nib", "nama_usaha", "kbli", "kode_kelurahan", "nama_pemilik", "nik_pemilik")
    extra_error_columns = EXTRA_ERROR_COLUMNS

    nib = _column("nib", CodeWidget())
    nama_usaha = _column("name", TextWidget())
    produk = _column("products", TextWidget())
    kbli = _column("kbli", KbliWidget())
    kode_kelurahan = _column("kelurahan", KelurahanWidget())
    alamat = _column("address", TextWidget())
    tahun_berdiri = _column("year_founded", IntegerWidget())
    tk_laki_laki = _column("workers_male", IntegerWidget(blank=0))
    tk_perempuan = _column("workers_female", IntegerWidget(blank=0))
    investasi = _column("investment", IntegerWidget())
    omzet_2019 = _column("turnover_2019", IntegerWidget())
    toko = _column("sells_in_shop", YesNoWidget())
    marketplace = _column("sells_on_marketplace", YesNoWidget())
    nama_marketplace = _column("marketplaces", MarketplacesWidget())
    media_sosial = _column("social_media", SocialMediaWidget(), SocialMediaColumn)
    whatsapp = _column("sells_on_whatsapp", YesNoWidget())
    website = _column("website", WebsiteWidget())
    pasar_kota = _column("reaches_city", YesNoWidget())
    pasar_provinsi = _column("reaches_province", YesNoWidget())
    pasar_luar_provinsi = _column("reaches_other_provinces", YesNoWidget())
    ekspor = _column("reaches_export", YesNoWidget())
    nama_pemilik = _column("owner__name", TextWidget(), OwnerColumn)
    nik_pemilik = _column("owner__nik", NikWidget(), OwnerColumn)
    whatsapp_pemilik = _column("owner__phone", TextWidget(), OwnerColumn)
    email_pemilik = _column("owner__email", TextWidget(), OwnerColumn)
    status = _column("status", StatusWidget(), readonly=True)

    class Meta:
        model = Business
        name = "Usaha IKM"
        fields = COLUMNS
        import_order = IMPORT_COLUMNS
        export_order = COLUMNS
        import_id_fields = ("nib",)
        instance_loader_class = BusinessLoader
        clean_model_instances = True
        # Rows are kept and written together by persist(), not saved one by one (which also
        # drops import-export's savepoint per row); no diff is built, the preview shows cells.
        use_bulk = True
        batch_size = None
        skip_diff = True
        # Rows per query when exporting (one query for businesses, one for their marketplaces).
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        """``user`` decides whether NIKs are shown in full (export) and is recorded as the
        author of the history an import writes."""
        super().__init__(**kwargs)
        self.user = user if getattr(user, "pk", None) else None
        self.full_nik = nik_full_allowed(user)
        self.fields["nik_pemilik"].widget = NikWidget(masked=not self.full_nik)
        # The preview page never shows a NIK in full, whoever looks.
        self.masked_columns = {"nik_pemilik": nik_mask}
        self._reset_import_state()

    def _reset_import_state(self):
        self._owners: dict[str, Owner] = {}
        self._nib_rows: dict[str, int] = {}
        self._row_owner: Owner | None = None
        self._row_owner_changed = False
        self._row_is_new = False
        self._row_pending: dict | None = None
        self._pending: list[dict] = []

    def before_import(self, dataset, **kwargs):
        self._reset_import_state()
        niks = {code(v) for v in dataset["nik_pemilik"]} - {""}
        niks = {n for n in niks if "\x00" not in n}
        self._owners = {o.nik: o for o in Owner.objects.filter(nik_hash__in=[nik_digest(n) for n in niks])}

    # --- Rows ---

    def before_import_row(self, row, **kwargs):
        self._row_owner = None
        self._row_owner_changed = False
        self._row_pending = None

    def after_init_instance(self, instance, new, row, **kwargs):
        self._row_is_new = new

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # Many-to-many cells are applied after saving; check them now so the row is refused
        # with its column named instead of failing halfway.
        try:
            self.fields["nama_marketplace"].clean(row)
        except ValueError as error:
            errors["marketplaces"] = [str(error)]

        row_number = kwargs.get("row_number")
        if instance.nib:
            first = self._nib_rows.setdefault(instance.nib, row_number)
            if first != row_number:
                errors.setdefault("nib", []).append(
                    _("NIB %(nib)s sudah ada di baris %(row)s berkas ini; satu usaha cukup satu baris.")
                    % {"nib": instance.nib, "row": sheet_row(first)}
                )
        owner = self._owner_from_row(instance, row, errors)
        if owner is not None:
            instance.owner = owner
            self._row_owner = owner
        if errors:
            raise ValidationError(errors)

    def _owner_from_row(self, business, row, errors) -> Owner | None:
        """The owner named by the row's NIK, new or known, with the row's details applied.

        Not saved here: owners are written with the businesses once every row is valid.
        Blank name/WhatsApp/email keep what a known owner already has.
        """
        raw_nik = row.get("nik_pemilik")
        nik = code(raw_nik)
        owner_errors = {}
        if isinstance(raw_nik, int | float) and len(nik) == 16 and nik.endswith("0"):
            # Excel keeps 15 significant digits: a NIK typed into a number cell loses its last digit.
            owner_errors["nik_pemilik"] = [
                _(
                    "NIK tersimpan sebagai angka, sehingga Excel mengubah angka terakhirnya menjadi 0. "
                    "Format kolom nik_pemilik sebagai Teks, lalu ketik ulang NIK-nya."
                )
            ]
        elif "*" in cell_text(raw_nik):
            current = business.owner if business.pk and business.owner_id else None
            if current is not None and nik_mask(current.nik) == cell_text(raw_nik):
                nik = current.nik  # the masked NIK of an export: keep the business's owner
            else:
                owner_errors["nik_pemilik"] = [
                    _(
                        "NIK tersamar (dengan *) hanya dapat dipakai untuk usaha yang sudah terdaftar "
                        "dengan pemilik yang sama. Isi NIK lengkap 16 angka."
                    )
                ]
        elif not nik:
            owner_errors["nik_pemilik"] = [_("Wajib diisi: NIK pemilik 16 angka.")]
        else:
            try:
                validate_nik(nik)
            except ValidationError as error:
                owner_errors["nik_pemilik"] = error.messages
        if owner_errors:
            errors.update(owner_errors)
            return None

        known = self._owners.get(nik)
        if known is None and business.pk and business.owner_id and business.owner.nik == nik:
            known = business.owner
        owner = copy.copy(known) if known is not None else Owner(nik=nik)
        before = (owner.name, owner.phone, owner.email)
        name = SPACES.sub(" ", cell_text(row.get("nama_pemilik")))
        phone = cell_text(row.get("whatsapp_pemilik"))
        email = cell_text(row.get("email_pemilik"))
        if name:
            owner.name = name
        elif known is None:
            owner_errors["nama_pemilik"] = [_("Wajib diisi untuk pemilik baru.")]
        if phone:
            try:
                owner.phone = phone_normalize(phone)
            except ValidationError as error:
                owner_errors["whatsapp_pemilik"] = error.messages
        elif known is None:
            owner_errors["whatsapp_pemilik"] = [_("Wajib diisi untuk pemilik baru.")]
        if email:
            try:
                owner.email = email_normalize(email)
            except ValidationError as error:
                owner_errors["email_pemilik"] = error.messages
        exclude = ["user", "nik_hash", *[f for f, c in OWNER_COLUMNS.items() if c in owner_errors]]
        try:
            # Fields only: Owner.clean() would ask the database, once per row, whether another
            # owner has this NIK; every owner with a NIK of the file was read in before_import,
            # so one that is not among them has a NIK no one else has.
            owner.clean_fields(exclude=exclude)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                owner_errors.setdefault(OWNER_COLUMNS.get(field, field), []).extend(messages)
        if owner_errors:
            errors.update(owner_errors)
            return None
        self._row_owner_changed = owner.pk is None or (owner.name, owner.phone, owner.email) != before
        return owner

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            try:
                # Skipped, because checking them again costs a query or 1 ms per row for nothing:
                # the owner (may be new, so no pk yet; validated in _owner_from_row), KBLI and
                # kelurahan (just read from the database), NIB uniqueness (the loader looked every
                # NIB up; the unique index backs it), and the status fields and their check
                # constraint, which an import never sets.
                instance.full_clean(exclude=[*errors, *SKIP_FULL_CLEAN], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(self.errors_by_column(errors))

    def save_instance(self, instance, is_create, row, **kwargs):
        # Kept for persist(): nothing is written while rows are still being checked.
        self._row_pending = {
            "business": instance,
            "new": is_create,
            "owner": self._row_owner,
            "owner_changed": self._row_owner_changed,
            "marketplaces": None,
        }

    def save_m2m(self, instance, row, **kwargs):
        if self._row_pending is not None:
            self._row_pending["marketplaces"] = self.fields["nama_marketplace"].clean(row)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        # Only now, with the row valid, may later rows reuse this owner.
        if self._row_owner is not None and row_result.is_valid():
            self._owners[self._row_owner.nik] = self._row_owner
        if self._row_pending is not None and row_result.is_valid():
            self._row_pending["result"] = row_result
            self._pending.append(self._row_pending)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        self.persist()

    def persist(self) -> list[int]:
        """Write every checked row through the service; returns the new businesses' ids."""
        fields = sorted({f.attribute for f in self.get_import_fields() if "__" not in f.attribute} - {"marketplaces"})
        rows = [
            ImportedBusiness(
                business=p["business"],
                is_new=p["new"],
                owner=p["owner"],
                owner_changed=p["owner_changed"],
                marketplaces=p["marketplaces"] or (),
            )
            for p in self._pending
        ]
        new = businesses_import_save(rows=rows, fields=[*fields, "sells_on_social_media"], actor=self.user)
        for pending in self._pending:
            pending["result"].object_id = pending["business"].pk
        return new

    # --- Export ---

    def get_queryset(self):
        return self.filter_export(Business.objects.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("owner", "kbli", "kelurahan__kecamatan").prefetch_related("marketplaces")

    def iter_queryset(self, queryset):
        # Unlike import-export's Paginator (a COUNT, then OFFSET pages that slow down as they
        # go), iterator() streams in chunks and still prefetches the marketplaces per chunk.
        if hasattr(queryset, "iterator"):
            yield from queryset.iterator(chunk_size=self.get_chunk_size())
        else:
            yield from queryset


def normalise_header(header) -> str:
    return formats_normalise_header(header, HEADER_ALIASES)


# --- The import template ------------------------------------------------------------------

COLUMN_HELP = {
    "nib": ("wajib", _l("Nomor Induk Berusaha dari OSS, 13 angka. Usaha dengan NIB yang sudah terdaftar diperbarui, tidak digandakan.")),
    "nama_usaha": ("wajib", _l("Nama usaha.")),
    "produk": ("wajib", _l("Produk yang dibuat, mis. rendang daging, rendang telur.")),
    "kbli": ("wajib", _l("Kode KBLI lima angka; daftar kode yang dikenal portal ada di bawah.")),
    "kode_kelurahan": ("wajib", _l("Kode Kemendagri kelurahan (mis. 13.76.01.1002) atau nama kelurahan; daftar ada di bawah.")),
    "alamat": ("wajib", _l("Alamat tempat usaha.")),
    "tahun_berdiri": ("wajib", _l("Tahun usaha berdiri, mis. 2015.")),
    "tk_laki_laki": ("", _l("Jumlah tenaga kerja laki-laki. Kosong = 0.")),
    "tk_perempuan": ("", _l("Jumlah tenaga kerja perempuan. Kosong = 0.")),
    "investasi": ("wajib", _l("Nilai investasi tanpa tanah dan bangunan, dalam Rupiah, mis. 25.000.000 atau Rp 25.000.000.")),
    "omzet_2019": ("wajib", _l("Omzet per bulan sebelum pandemi (2019), dalam Rupiah.")),
    "toko": ("", _l("Berjualan di toko/kios: ya atau tidak (kosong = tidak).")),
    "marketplace": ("", _l("Berjualan di marketplace: ya atau tidak (kosong = tidak).")),
    "nama_marketplace": ("", _l("Nama marketplace dipisah koma, mis. Tokopedia, Shopee. Pilihan: {marketplaces}.")),
    "media_sosial": ("", _l("Berjualan lewat media sosial: ya atau tidak, atau tulis akunnya (mis. IG @rendang_uni), yang berarti ya.")),
    "whatsapp": ("", _l("Berjualan lewat WhatsApp: ya atau tidak (kosong = tidak).")),
    "website": ("", _l("Situs web sendiri, mis. rendanguni.id. Boleh kosong.")),
    "pasar_kota": ("", _l("Pembeli di dalam Kota Payakumbuh: ya atau tidak (kosong = tidak).")),
    "pasar_provinsi": ("", _l("Pembeli di dalam Provinsi Sumatera Barat: ya atau tidak (kosong = tidak).")),
    "pasar_luar_provinsi": ("", _l("Pembeli di provinsi lain: ya atau tidak (kosong = tidak).")),
    "ekspor": ("", _l("Menjual ke luar negeri: ya atau tidak (kosong = tidak).")),
    "nama_pemilik": ("wajib*", _l("Nama pemilik sesuai KTP.")),
    "nik_pemilik": ("wajib", _l("NIK pemilik, 16 angka, diketik sebagai teks. Pemilik dicari dengan NIK: pemilik yang sudah "
                    "terdaftar dipakai lagi dan datanya diperbarui. NIK tersamar dari berkas ekspor (1376**********01) "
                    "boleh dibiarkan untuk usaha yang sudah terdaftar.")),
    "whatsapp_pemilik": ("wajib*", _l("Nomor WhatsApp pemilik, mis. 0812-3456-7890.")),
    "email_pemilik": ("", _l("Email pemilik. Boleh kosong.")),
    "status": ("", _l("Hanya ada di berkas ekspor dan diabaikan saat impor: usaha baru selalu Menunggu verifikasi.")),
}  # fmt: skip
EXAMPLE_ROW = {
    "nib": EXAMPLE_NIB, "nama_usaha": "CONTOH: Rendang Uni Ani (baris ini selalu dilewati)",
    "produk": "Rendang daging, rendang telur", "kbli": "10750", "kode_kelurahan": "13.76.01.1002",
    "alamat": "Jl. Soekarno Hatta No. 1", "tahun_berdiri": 2012, "tk_laki_laki": 2, "tk_perempuan": 3,
    "investasi": 25_000_000, "omzet_2019": 15_000_000, "toko": "ya", "marketplace": "ya",
    "nama_marketplace": "Tokopedia, Shopee", "media_sosial": "IG @rendang_uni_ani", "whatsapp": "ya",
    "website": "", "pasar_kota": "ya", "pasar_provinsi": "ya", "pasar_luar_provinsi": "tidak", "ekspor": "tidak",
    "nama_pemilik": "Ani Suryani", "nik_pemilik": "1376014508800001", "whatsapp_pemilik": "0812-3456-7890",
    "email_pemilik": "ani@contoh.id",
}  # fmt: skip
_TEXT_COLUMNS = ("nib", "kbli", "kode_kelurahan", "nik_pemilik", "whatsapp_pemilik")
_YES_NO_COLUMNS = ("toko", "marketplace", "whatsapp", "pasar_kota", "pasar_provinsi", "pasar_luar_provinsi", "ekspor")


def import_template_xlsx() -> bytes:
    """An empty import workbook: the data sheet (header, one example row that the import skips)
    and a "Petunjuk" sheet explaining each column and listing the valid KBLI and kelurahan codes."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    kblis = list(Kbli.objects.filter(version=kbli_version()).order_by("code"))
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    marketplaces = ", ".join(Marketplace.objects.order_by("name").values_list("name", flat=True))
    bold = Font(bold=True)

    book = cells.Workbook()
    data = book.active
    data.title = DATA_SHEET
    data.append(list(IMPORT_COLUMNS))
    data.append([EXAMPLE_ROW[c] for c in IMPORT_COLUMNS])
    data.freeze_panes = "A2"
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        data[f"{letter}1"].font = bold
        data.column_dimensions[letter].width = max(12, min(40, len(str(EXAMPLE_ROW[column])) + 2))
        if column in _TEXT_COLUMNS:
            # Typed as numbers, Excel would drop the 16th digit of a NIK and leading zeros.
            data.column_dimensions[letter].number_format = "@"
            data[f"{letter}2"].number_format = "@"

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append([_("Petunjuk pengisian templat impor usaha IKM")])
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.append(
        [
            _(
                "Isi satu usaha per baris di lembar “%(sheet)s”, mulai baris 3. Baris 2 adalah contoh (NIB %(nib)s) "
                "dan selalu dilewati. Satu baris yang salah membatalkan seluruh impor: perbaiki baris yang disebut, "
                "lalu unggah lagi. *wajib untuk pemilik baru; untuk pemilik yang sudah terdaftar, kosong = tidak diubah."
            )
            % {"sheet": DATA_SHEET, "nib": EXAMPLE_NIB}
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("kolom"), _("wajib?"), _("penjelasan")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = bold
    for column in COLUMNS:
        required, text = COLUMN_HELP[column]
        help_sheet.append([column, required, str(text).format(marketplaces=marketplaces)])
    help_sheet.append([])
    help_sheet.append([_("Daftar kode KBLI %(version)s") % {"version": kbli_version()}])
    help_sheet.cell(help_sheet.max_row, 1).font = bold
    kbli_first = help_sheet.max_row + 1
    for kbli in kblis:
        help_sheet.append([kbli.code, kbli.title, kbli.products])
    kbli_last = help_sheet.max_row
    help_sheet.append([])
    help_sheet.append([_("Daftar kelurahan (kode Kemendagri, nama, kecamatan)")])
    help_sheet.cell(help_sheet.max_row, 1).font = bold
    kelurahan_first = help_sheet.max_row + 1
    for row in kelurahan:
        help_sheet.append([row.code, row.name, row.kecamatan.name])
    kelurahan_last = help_sheet.max_row
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["B"].width = 45
    help_sheet.column_dimensions["C"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    # Drop-down lists; other values stay allowed (x, 1/0, kelurahan names) and are checked on import.
    def dropdown(column, formula):
        letter = get_column_letter(IMPORT_COLUMNS.index(column) + 1)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        validation.add(f"{letter}3:{letter}5000")
        data.add_data_validation(validation)

    for column in _YES_NO_COLUMNS:
        dropdown(column, '"ya,tidak"')
    if kblis:
        dropdown("kbli", f"'{HELP_SHEET}'!$A${kbli_first}:$A${kbli_last}")
    if kelurahan:
        dropdown("kode_kelurahan", f"'{HELP_SHEET}'!$A${kelurahan_first}:$A${kelurahan_last}")

    return book.to_bytes()


# --- File formats ---------------------------------------------------------------------------


class XLSXFormat(formats.XLSXFormat):
    data_sheet = DATA_SHEET


class CSVFormat(formats.CSVFormat):
    pass


IMPORT_FORMATS = [XLSXFormat, CSVFormat]
EXPORT_FORMATS = [XLSXFormat, CSVFormat]
