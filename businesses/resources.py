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
import csv
import io
import itertools
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult

from accounts.identifiers import email_normalize
from accounts.phone import phone_normalize
from safetext import cells

from .crypto import nik_digest
from .models import Business, BusinessStatus, Kbli, Kelurahan, Marketplace, Owner
from .nik_access import nik_full_allowed
from .services import businesses_flag_duplicates
from .validators import digits_only, nik_mask, validate_nik

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


def sheet_row(data_row_number: int) -> int:
    """import-export counts data rows from 1; in the spreadsheet the header is row 1."""
    return data_row_number + 1


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is for staff, in Indonesian."""


# --- Reading cells -------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _text(value) -> str:
    """A cell as trimmed text: Excel gives numbers (2010.0) where people typed codes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", " ").strip()
    # Undo our own export escaping ('=...), so an exported file imports back unchanged.
    return cells.unescape(text)


def _code(value) -> str:
    """NIB, NIK: digits without the spaces, dots and dashes people type between groups."""
    return digits_only(_text(value))


_ID_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")  # 1.250.000 or 1.250.000,50
_EN_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # 1,250,000 or 1,250,000.50
_PLAIN = re.compile(r"\d+([.,]\d+)?")  # 1250000 or 1250000,5
_MAX_INT = 9_000_000_000_000_000_000  # BigIntegerField holds up to 9.2e18


def parse_integer(value) -> int | None:
    """Whole number (Rupiah, years, workers) from what Indonesian spreadsheets hold.

    Thousands may be grouped with dots (Indonesian) or commas; "Rp" and a trailing ",-" are
    dropped; decimals are rounded. Empty gives None; anything else raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        # ValueError, not TypeError: import-export reports only ValueErrors against the cell.
        raise ValueError(_("Isian ini harus angka, bukan ya/tidak."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(_("Isian ini harus angka."))
    else:
        text = _text(value)
        if not text:
            return None
        compact = re.sub(r"^rp\.?", "", text.replace(" ", ""), flags=re.IGNORECASE)
        compact = re.sub(r",-+$", "", compact)
        negative = compact.startswith("-")
        compact = compact.lstrip("-")
        if _ID_THOUSANDS.fullmatch(compact):
            compact = compact.replace(".", "").replace(",", ".")
        elif _EN_THOUSANDS.fullmatch(compact):
            compact = compact.replace(",", "")
        elif _PLAIN.fullmatch(compact):
            compact = compact.replace(",", ".")
        else:
            raise ValueError(_("“%(value)s” bukan angka. Tulis angka saja, mis. 1.250.000 atau Rp 1.250.000.") % {"value": text})
        try:
            number = Decimal(compact) * (-1 if negative else 1)
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” bukan angka.") % {"value": text}) from error
    result = int(number.to_integral_value(rounding=ROUND_HALF_UP))
    if abs(result) > _MAX_INT:
        raise ValueError(_("Angka ini terlalu besar."))
    return result


_TRUE = {"ya", "y", "iya", "yes", "true", "benar", "1", "x", "v", "✓", "✔"}
_FALSE = {"tidak", "tdk", "n", "no", "false", "salah", "0", "", "-", "tidak ada", "belum", "belum ada"}


def parse_boolean(value) -> bool | None:
    """True/False for ya/tidak and friends; None when the cell means neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _SPACES.sub(" ", _text(value).lower())
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _normalise_name(value: str) -> str:
    return _SPACES.sub(" ", value).strip().casefold()


# --- Widgets: one per kind of column ----------------------------------------------------------


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CodeWidget(TextWidget):
    """NIB; the model's validator explains a wrong one."""

    def clean(self, value, row=None, **kwargs):
        return _code(value)


class IntegerWidget(widgets.Widget):
    """Whole numbers, written natively (not "1.250.000" text) so both Excel and scripts read them."""

    def __init__(self, blank=None):
        super().__init__(coerce_to_string=False)
        self.blank = blank

    def clean(self, value, row=None, **kwargs):
        number = parse_integer(value)
        return self.blank if number is None else number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        result = parse_boolean(value)
        if result is None:
            raise ValueError(
                _("“%(value)s” bukan ya/tidak. Isi ya atau tidak (boleh juga y/n, 1/0, x, atau kosong untuk tidak).")
                % {"value": _text(value)}
            )
        return result

    def render(self, value, obj=None, **kwargs):
        return _("ya") if value else _("tidak")


class _LookupWidget(widgets.Widget):
    """Reference data read once per resource instance (so once per import), not once per row."""

    def __deepcopy__(self, memo):
        # Resource.__init__ deep-copies its fields; the copy starts with an empty cache.
        clone = copy.copy(self)
        clone._cache = None
        return clone

    _cache = None

    def _lookups(self):
        if self._cache is None:
            self._cache = self.load()
        return self._cache

    def load(self):
        raise NotImplementedError


class KbliWidget(_LookupWidget):
    def load(self):
        return {k.code: k for k in Kbli.objects.filter(version=kbli_version())}

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            raise ValueError(_("Wajib diisi: kode KBLI %(version)s lima angka, mis. 10750.") % {"version": kbli_version()})
        match = re.match(r"\d{5}(?!\d)", text)
        kbli = self._lookups().get(match.group(0)) if match else None
        if kbli is None:
            raise ValueError(
                _("Kode KBLI “%(value)s” tidak ada dalam daftar KBLI %(version)s portal. Lihat daftar di lembar Petunjuk.")
                % {"value": text, "version": kbli_version()}
            )
        return kbli

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


_KELURAHAN_DIGITS = re.compile(r"\d{10}")


class KelurahanWidget(_LookupWidget):
    """Kemendagri code (13.76.01.1002, with or without dots) or the kelurahan's name."""

    def load(self):
        rows = list(Kelurahan.objects.all())
        return {r.code: r for r in rows}, {_normalise_name(r.name): r for r in rows}

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            raise ValueError(_("Wajib diisi: kode kelurahan (mis. 13.76.01.1002) atau nama kelurahan."))
        by_code, by_name = self._lookups()
        digits = re.sub(r"[\s.]", "", text)
        if _KELURAHAN_DIGITS.fullmatch(digits):
            found = by_code.get(f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}")
        else:
            found = by_name.get(_normalise_name(text))
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


class MarketplacesWidget(widgets.ManyToManyWidget, _LookupWidget):
    """Comma-separated marketplace names, matched without regard to case."""

    def __init__(self):
        super().__init__(model=Marketplace, field="name", separator=",")

    def load(self):
        return {_normalise_name(m.name): m for m in Marketplace.objects.all()}

    def clean(self, value, row=None, **kwargs):
        known = self._lookups()
        chosen, unknown = [], []
        for name in re.split(r"[,;/\n]+", _text(value)):
            if not name.strip():
                continue
            found = known.get(_normalise_name(name))
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
        text = _text(value)
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
            instance.sells_on_social_media, instance.social_media = True, _text(value)
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


PREVIEW_ROWS = 200  # rows shown on the preview page (templates/admin/businesses/business/import.html)


class PreviewDiff(resources.Diff):
    """import-export's diff, computed only for the rows the preview page shows: for 10,000
    rows it would read every field twice and build 250,000 HTML cells nobody sees."""

    def __init__(self, resource, instance, new):
        self.shown = resource.take_diff_slot()
        if self.shown:
            super().__init__(resource, instance, new)
        else:
            self.left, self.right, self.new = [], [], new

    def compare_with(self, resource, instance):
        if self.shown:
            super().compare_with(resource, instance)

    def as_html(self):
        return super().as_html() if self.shown else []


class BusinessLoader(ModelInstanceLoader):
    """Every business the file names, fetched in one query instead of one per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        nibs = {_code(v) for v in dataset["nib"]} if dataset is not None and "nib" in (dataset.headers or ()) else set()
        nibs.discard("")
        # A NUL cannot be sent to PostgreSQL and no stored NIB holds one: such a row is refused
        # by its own validation, not looked up.
        nibs = {nib for nib in nibs if "\x00" not in nib}
        queryset = Business.objects.select_related("owner", "kbli", "kelurahan").filter(nib__in=nibs)
        self.by_nib = {b.nib: b for b in queryset}

    def get_instance(self, row):
        # pop: a NIB written twice is found once; the second row is refused as a duplicate.
        return self.by_nib.pop(_code(row.get("nib")), None)


class BusinessResource(resources.ModelResource):
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
        # Rows per query when exporting (one query for businesses, one for their marketplaces).
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        """``user`` decides whether NIKs are shown in full (export and import preview)."""
        super().__init__(**kwargs)
        self.full_nik = nik_full_allowed(user)
        self.fields["nik_pemilik"].widget = NikWidget(masked=not self.full_nik)
        self._reset_import_state()

    # --- Whole-file checks ---

    @classmethod
    def dataset_problem(cls, dataset) -> str | None:
        """Why this dataset cannot be imported at all (headers, no rows), or None.

        Normalises the headers in place ("Nama Usaha" -> nama_usaha).
        """
        if not dataset.headers:
            return _("Berkas kosong: tidak ada judul kolom. Pakai templat impor dari halaman ini.")
        headers = [normalise_header(h) for h in dataset.headers]
        dataset.headers = headers
        missing = [c for c in IMPORT_COLUMNS if c not in headers]
        if missing:
            known = set(COLUMNS)
            unknown = [h for h in headers if h and h not in known]
            message = _("Kolom berikut tidak ada di baris judul: %(missing)s.") % {"missing": ", ".join(missing)}
            if unknown:
                message += " " + _("Kolom yang tidak dikenal: %(unknown)s.") % {"unknown": ", ".join(unknown)}
            return message + " " + _("Baris pertama harus berisi nama kolom seperti di templat impor.")
        doubled = sorted({h for h in headers if h and headers.count(h) > 1})
        if doubled:
            return _("Kolom ini muncul lebih dari sekali: %(columns)s.") % {"columns": ", ".join(doubled)}
        if not len(dataset):
            return _("Berkas hanya berisi judul kolom, tanpa baris data.")
        return None

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """As import-export's, but a file with wrong headers stops before its rows are read,
        and one invalid row rolls the whole import back (never a partial import)."""
        problem = self.dataset_problem(dataset)
        if problem:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            self.handle_import_error(result, ImportFileError(problem), raise_errors)
            return result
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def _reset_import_state(self):
        self._owners: dict[str, Owner] = {}
        self._nib_rows: dict[str, int] = {}
        self._row_owner: Owner | None = None
        self._row_is_new = False
        self._diffs_left = PREVIEW_ROWS

    def before_import(self, dataset, **kwargs):
        self._reset_import_state()
        niks = {_code(v) for v in dataset["nik_pemilik"]} - {""}
        self._owners = {o.nik: o for o in Owner.objects.filter(nik_hash__in=[nik_digest(n) for n in niks])}

    # --- Rows ---

    def import_row(self, row, instance_loader, **kwargs):
        nib = _code(row.get("nib"))
        if nib == EXAMPLE_NIB or not any(_text(v) for v in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        self._row_owner = None

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

        Not saved here: saving waits until the business itself is valid (before_save_instance).
        Blank name/WhatsApp/email keep what a known owner already has.
        """
        raw_nik = row.get("nik_pemilik")
        nik = _code(raw_nik)
        owner_errors = {}
        if isinstance(raw_nik, int | float) and len(nik) == 16 and nik.endswith("0"):
            # Excel keeps 15 significant digits: a NIK typed into a number cell loses its last digit.
            owner_errors["nik_pemilik"] = [
                _(
                    "NIK tersimpan sebagai angka, sehingga Excel mengubah angka terakhirnya menjadi 0. "
                    "Format kolom nik_pemilik sebagai Teks, lalu ketik ulang NIK-nya."
                )
            ]
        elif "*" in _text(raw_nik):
            current = business.owner if business.pk and business.owner_id else None
            if current is not None and nik_mask(current.nik) == _text(raw_nik):
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
        name = _SPACES.sub(" ", _text(row.get("nama_pemilik")))
        phone = _text(row.get("whatsapp_pemilik"))
        email = _text(row.get("email_pemilik"))
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
        exclude = ["user", *[f for f, c in OWNER_COLUMNS.items() if c in owner_errors]]
        try:
            owner.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                owner_errors.setdefault(OWNER_COLUMNS.get(field, field), []).extend(messages)
        if owner_errors:
            errors.update(owner_errors)
            return None
        owner._import_dirty = owner.pk is None or (owner.name, owner.phone, owner.email) != before
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
            raise ValidationError(self._errors_by_column(errors))

    def _errors_by_column(self, errors: dict) -> dict:
        columns = {f.attribute: name for name, f in self.fields.items()} | EXTRA_ERROR_COLUMNS
        by_column = {}
        for key, messages in errors.items():
            column = key if key == NON_FIELD_ERRORS else columns.get(key, key)
            by_column.setdefault(column, []).extend(messages)
        return by_column

    def before_save_instance(self, instance, row, **kwargs):
        owner = self._row_owner
        if owner is not None:
            if owner._import_dirty:
                owner.save()
            instance.owner = owner

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        new = [r.object_id for r in result.rows if r.import_type == RowResult.IMPORT_TYPE_NEW]
        businesses_flag_duplicates(business_ids=new)

    def after_import_row(self, row, row_result, **kwargs):
        # Only now, with the row saved, may later rows reuse this owner.
        if self._row_owner is not None and row_result.is_valid():
            self._row_owner._import_dirty = False
            self._owners[self._row_owner.nik] = self._row_owner

    def save_m2m(self, instance, row, **kwargs):
        # A new business without marketplaces has nothing to write; set([]) would still query.
        if self._row_is_new and not self.fields["nama_marketplace"].clean(row):
            return
        super().save_m2m(instance, row, **kwargs)

    def get_import_fields(self):
        return [f for f in super().get_import_fields() if not f.readonly]

    @classmethod
    def get_diff_class(cls):
        return PreviewDiff

    def take_diff_slot(self) -> bool:
        """The admin preview shows PREVIEW_ROWS rows; diffs of the others are never seen."""
        self._diffs_left -= 1
        return self._diffs_left >= 0

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
    name = re.sub(r"[^0-9a-z]+", "_", _text(header).lstrip("\ufeff").lower()).strip("_")
    return HEADER_ALIASES.get(name, name)


def result_messages(result) -> list[str]:
    """Every problem of an import result as one Indonesian line naming the row and column."""
    lines = [str(error.error) for error in result.base_errors]
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            for message in messages:
                if column == NON_FIELD_ERRORS:
                    lines.append(_("Baris %(row)s: %(message)s") % {"row": sheet_row(invalid.number), "message": message})
                else:
                    lines.append(
                        _("Baris %(row)s, kolom %(column)s: %(message)s")
                        % {"row": sheet_row(invalid.number), "column": column, "message": message}
                    )
    for error_row in result.error_rows:
        for error in error_row.errors:
            lines.append(_("Baris %(row)s: %(message)s") % {"row": sheet_row(error_row.number), "message": error.error})
    return lines


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


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _(
            "Berkas ini bukan lembar kerja yang bisa dibaca. Unggah berkas Excel (.xlsx) atau CSV; "
            "paling mudah, isi templat impor dari halaman ini."
        )
    )


# What an upload may hold, checked before any parser sees it. A real office workbook of
# IMPORT_MAX_ROWS rows unpacks to a few tens of MB and compresses 5-20 times; a zip bomb
# declares parts of gigabytes or ratios in the thousands. Python's zipfile never inflates a
# part beyond the size its header declares (it stops there and fails the CRC), so checking the
# declared sizes bounds what openpyxl can be made to read.
IMPORT_MAX_ROWS = getattr(settings, "IMPORT_MAX_ROWS", 20_000)
XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MAX_PARTS = 1000


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("Berkas berisi lebih dari %(max)s baris data. Bagi menjadi beberapa berkas, masing-masing paling banyak %(max)s baris.")
        % {"max": f"{IMPORT_MAX_ROWS:,}".replace(",", ".")}
    )


def _broken_xlsx() -> ImportFileError:
    return ImportFileError(
        _(
            "Berkas .xlsx ini rusak atau bukan buku kerja Excel. Buka di Excel, lalu Simpan Sebagai "
            "“Buku Kerja Excel (.xlsx)”, atau pakai templat impor."
        )
    )


def check_xlsx_archive(data: bytes) -> None:
    """Refuses, before openpyxl opens it, a zip that is not a workbook or unpacks to too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise _broken_xlsx() from error
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") and n.endswith(".xml") for n in names):
            raise _broken_xlsx()
        if any(part.flag_bits & 0x1 for part in parts):
            raise _password_protected()
        unpacked = sum(part.file_size for part in parts)
        bomb = len(parts) > XLSX_MAX_PARTS or unpacked > XLSX_MAX_UNPACKED_BYTES
        bomb = bomb or any(
            part.file_size > 1024 * 1024 and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1) for part in parts
        )
        if bomb:
            raise ImportFileError(
                _(
                    "Isi berkas .xlsx ini jauh lebih besar daripada berkasnya (%(unpacked)s setelah dibuka). "
                    "Berkas seperti ini tidak dibuka. Salin datanya ke templat impor, lalu unggah templat itu."
                )
                % {"unpacked": filesizeformat(unpacked)}
            )


def _password_protected() -> ImportFileError:
    return ImportFileError(
        _("Berkas ini dilindungi kata sandi. Buka di Excel, hapus kata sandinya (Info > Lindungi Buku Kerja), lalu simpan ulang.")
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text whose byte-order mark was lost: every other byte of plain text is zero."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    if not any(sample[1::2]) and all(sample[0::2]):
        return "utf-16-le"
    if not any(sample[0::2]) and all(sample[1::2]):
        return "utf-16-be"
    return None


def detect_format(data: bytes) -> type[base_formats.Format]:
    """XLSXFormat or CSVFormat from the file's content (its name may lie), or ImportFileError."""
    if not data:
        raise ImportFileError(_("Berkas kosong."))
    if data.startswith(b"PK\x03\x04"):
        if b"opendocument" in data[:200]:
            raise ImportFileError(_("Berkas OpenDocument (.ods) tidak didukung. Simpan ulang sebagai Excel (.xlsx) atau CSV."))
        return XLSXFormat
    if data.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        raise _password_protected()  # an encrypted .xlsx is stored in the old compound-file box
    if data.startswith(b"MZ"):
        raise ImportFileError(_("Berkas ini program (.exe), bukan lembar kerja. Unggah berkas Excel (.xlsx) atau CSV."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Format .xls (Excel 97–2003) tidak didukung. Buka berkas di Excel, lalu Simpan Sebagai “Buku Kerja Excel (.xlsx)”.")
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):  # Excel's "Teks Unicode"
        return CSVFormat
    if b"\x00" in data[:8192]:
        raise _not_a_spreadsheet()
    return CSVFormat


def _drop_trailing_blank(rows: list[list]) -> list[list]:
    while rows and not any(_text(v) for v in rows[-1]):
        rows.pop()
    return rows


def _refuse_formulas(rows: list[list]) -> None:
    """A CSV keeps what was typed, not what a formula computed: "=SUM(H2:I2)" would be saved as
    text and run when the file is next opened in Excel. Our own export escapes such text ('=)."""
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, str) and len(value.strip()) > 1 and value.lstrip().startswith("="):
                header = _text(rows[0][column]) if number > 1 and column < len(rows[0]) else ""
                raise ImportFileError(
                    _(
                        "Baris %(row)s kolom %(column)s berisi rumus (%(value)s), bukan nilai. Ganti rumus dengan "
                        "hasilnya (Salin, lalu Tempel Khusus > Nilai), lalu simpan ulang."
                    )
                    % {"row": number, "column": header or column + 1, "value": value.strip()[:40]}
                )


def _dataset(rows: list[list]) -> tablib.Dataset:
    rows = _drop_trailing_blank(rows)
    if len(rows) > IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()
    if not rows:
        raise ImportFileError(_("Berkas kosong: tidak ada judul kolom maupun data."))
    headers = [_text(h) for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > width and any(_text(v) for v in row[width:]):
            raise ImportFileError(
                _(
                    "Baris %(row)s berisi %(cells)s isian, padahal judul kolomnya hanya %(width)s. Mungkin ada "
                    "tanda pemisah (koma atau titik koma) di dalam isian yang tidak diberi tanda kutip."
                )
                % {"row": number, "cells": len(row), "width": width}
            )
        dataset.append(list(row[:width]) + [""] * (width - len(row)))
    return dataset


class XLSXFormat(base_formats.XLSX):
    """Reads the data sheet whatever sheet was active; writes text cells as text, never formulas."""

    def create_dataset(self, in_stream):

        if isinstance(in_stream, str):
            raise _not_a_spreadsheet()
        if not in_stream.startswith(b"PK\x03\x04"):
            detect_format(in_stream)  # raises the precise reason (old .xls, not a spreadsheet)
            raise _not_a_spreadsheet()
        check_xlsx_archive(in_stream)
        rows = self._read_rows(in_stream, data_only=True)
        if self._has_formulas(in_stream):
            self._refuse_formulas_without_value(in_stream, rows)
        return _dataset(rows)

    @staticmethod
    def _read_rows(data: bytes, *, data_only: bool, cells: bool = False) -> list[list]:
        """The data sheet's rows: values (a formula's as Excel last computed it), or the cells."""
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        except Exception as error:  # a zip that is not a workbook fails in many ways, XML bombs too
            raise _broken_xlsx() from error
        try:
            sheets = [s for s in book.worksheets if getattr(s, "iter_rows", None)]
            if not sheets:
                raise _not_a_spreadsheet()
            sheet = next((s for s in sheets if s.title == DATA_SHEET), sheets[0])
            # The read-only reader stops at the size the sheet declares (<dimension>), which tools
            # other than Excel often write wrong: rows past it would be dropped without a word.
            sheet.reset_dimensions()
            rows, blank_run = [], 0
            for row in sheet.iter_rows(values_only=not cells):
                values = [c.value for c in row] if cells else row
                rows.append(list(row))
                blank_run = 0 if any(v not in (None, "") for v in values) else blank_run + 1
                if blank_run > 1000:  # a sheet formatted down to row 1,048,576 holds no more data
                    break
                if len(rows) > IMPORT_MAX_ROWS + 1 + 1000:  # stop reading: memory stays bounded
                    raise _too_many_rows()
        except ImportFileError:
            raise
        except Exception as error:
            raise ImportFileError(_("Isi berkas .xlsx ini tidak dapat dibaca. Simpan ulang sebagai .xlsx.")) from error
        finally:
            book.close()
        return rows

    @staticmethod
    def _has_formulas(data: bytes) -> bool:
        """Whether any worksheet stores a formula (an <f> element), read in chunks."""
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as part:
                    tail = b""
                    for chunk in iter(lambda part=part: part.read(1024 * 1024), b""):
                        if re.search(rb"<(\w+:)?f[ >/]", tail + chunk):
                            return True
                        tail = chunk[-16:]
        return False

    def _refuse_formulas_without_value(self, data: bytes, rows: list[list]) -> None:
        """A formula that Excel never computed (a file written by a script) has no value to
        import: the cell would look blank. Such a file is refused, naming the first cell."""
        for row_values, row_cells in zip(rows, self._read_rows(data, data_only=False, cells=True), strict=False):
            for value, cell in itertools.zip_longest(row_values, row_cells):
                if cell is not None and getattr(cell, "data_type", None) == "f" and value is None:
                    raise ImportFileError(
                        _(
                            "Sel %(cell)s berisi rumus (%(formula)s) yang belum pernah dihitung, jadi tidak ada "
                            "nilainya. Buka berkas di Excel lalu simpan ulang, atau ganti rumus dengan nilainya."
                        )
                        % {"cell": cell.coordinate, "formula": str(cell.value)[:40]}
                    )

    def export_data(self, dataset, **kwargs):
        from openpyxl.styles import Font

        book = cells.Workbook(write_only=True)
        sheet = book.create_sheet(DATA_SHEET)
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        sheet.append([cells.styled(sheet, title, font=bold) for title in dataset.headers or ()])
        for row in dataset:
            sheet.append(row)
        return book.to_bytes()


class CSVFormat(base_formats.CSV):
    """CSV as Indonesian offices make it: UTF-8 (with or without BOM), Windows-1252 or UTF-16,
    separated by commas, semicolons (Excel with Indonesian regional settings) or tabs."""

    def is_binary(self):
        # Bytes all the way: import-export would otherwise decode with one fixed encoding
        # before we can try the others.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = in_stream if isinstance(in_stream, str) else self.decode(in_stream)
        text = text.lstrip("\ufeff")
        first_line = next((line for line in io.StringIO(text) if line.strip()), "")
        delimiter = max((";", ",", "\t"), key=first_line.count) if first_line else ","
        try:
            # Counted first without keeping anything, so that neither 50,000 rows nor millions of
            # blank lines (a few MB of newlines) are ever held in memory as lists.
            last_filled = 0
            for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
                if any(cell.strip() for cell in row):
                    last_filled = number
                    if number > IMPORT_MAX_ROWS + 1001:
                        raise _too_many_rows()
            rows = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), last_filled))
        except csv.Error as error:
            raise ImportFileError(_("Berkas CSV ini tidak dapat dibaca: %(error)s") % {"error": error}) from error
        _refuse_formulas(rows)
        return _dataset(rows)

    @staticmethod
    def decode(data: bytes) -> str:
        if data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("Berkas ini berkas Excel (.xlsx), bukan CSV."))
        try:
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return data.decode("utf-16")
            if encoding := _utf16_without_bom(data):
                return data.decode(encoding)
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("Berkas teks Unicode (UTF-16) ini terpotong atau rusak. Simpan ulang sebagai CSV UTF-8 dari Excel.")
            ) from error
        detect_format(data)  # refuses binary files with a clear reason
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")  # never fails; the rare bytes cp1252 leaves undefined

    def export_data(self, dataset, **kwargs):
        return cells.csv_bytes([dataset.headers or (), *dataset])


IMPORT_FORMATS = [XLSXFormat, CSVFormat]
EXPORT_FORMATS = [XLSXFormat, CSVFormat]
