"""Monthly reports imported from a spreadsheet by Disnakerin staff (django-import-export 4.x),
the way the registry's business import works (``businesses.resources``): Indonesian column
names, cells read generously, one bad row and nothing is saved, and every refusal names the row
and the column.

One row is one business's report for one month, matched by NIB and month (``bulan``): an
existing report of that month is replaced and put up for review again, as when staff correct it
on the portal's form; an approved (locked) report is never overwritten. The model's hard checks
apply (required figures unless "no activity", ranges, no future month, from January 2020). The
soft warning on unusual turnover does not: staff import figures they have already checked.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from import_export import widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader

from businesses.models import Business, BusinessStatus
from safetext import cells
from spreadsheets import formats
from spreadsheets.parsing import code as code_text
from spreadsheets.parsing import sheet_row
from spreadsheets.parsing import text as cell_text
from spreadsheets.resources import StrictImportResource
from spreadsheets.widgets import IntegerWidget, TextWidget, YesNoWidget

from .models import (
    ACTIVITY_REQUIRED,
    FIRST_PERIOD,
    MonthlyReport,
    OperatingStatus,
    RawMaterialAccess,
    ReportStatus,
    current_period,
)
from .services import figures_changed, month_label

COLUMNS = (
    "nib", "bulan", "tidak_ada_kegiatan", "omzet", "tk_laki_laki", "tk_perempuan", "volume_produksi",
    "satuan_produksi", "porsi_online", "status_operasi", "bahan_baku", "toko", "marketplace", "media_sosial",
    "whatsapp", "pasar_kota", "pasar_provinsi", "pasar_luar_provinsi", "ekspor",
)  # fmt: skip
EXAMPLE_NIB = "0000000000000"
DATA_SHEET = "Data Laporan"
HELP_SHEET = "Petunjuk"
IMPORT_PERMISSION = "recovery.change_monthlyreport"

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "jan"), ("februari", "feb"), ("maret", "mar"), ("april", "apr"), ("mei", "may"),
            ("juni", "jun"), ("juli", "jul"), ("agustus", "agu", "agt", "aug"), ("september", "sep"),
            ("oktober", "okt", "oct"), ("november", "nov"), ("desember", "des", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip


def parse_month(value) -> date | None:
    """The first day of the month a cell names: 2026-10, 10/2026, Oktober 2026, or a date cell.
    Empty gives None; anything else raises ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = cell_text(value).lower().replace(".", "-").replace("/", "-").replace(" ", "-")
    parts = [p for p in text.split("-") if p]
    try:
        if len(parts) >= 2 and parts[0].isdigit() and len(parts[0]) == 4:  # 2026-10(-01)
            return date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) == 4:  # 10-2026, Oktober 2026
            month = int(parts[0]) if parts[0].isdigit() else MONTHS[parts[0]]
            return date(int(parts[1]), month, 1)
    except (KeyError, ValueError, OverflowError):  # OverflowError: a year past C's int (2147483648-01)
        pass
    raise ValueError(
        _("“%(value)s” bukan bulan. Tulis tahun-bulan, mis. 2026-10, atau Oktober 2026.") % {"value": cell_text(value)}
    )


def _report_key(row) -> tuple[str, date | None]:
    try:
        period = parse_month(row.get("bulan"))
    except ValueError:
        period = None
    return code_text(row.get("nib")), period


# --- Widgets ----------------------------------------------------------------------------------


class MonthWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        period = parse_month(value)
        if period is None:
            raise ValueError(_("Wajib diisi: bulan laporan, mis. 2026-10."))
        return period

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:%Y-%m}"


class BusinessByNibWidget(widgets.Widget):
    """The verified business with this NIB; the resource loads those of the file in one query."""

    def __init__(self):
        super().__init__()
        self.by_nib: dict[str, Business] = {}

    def clean(self, value, row=None, **kwargs):
        nib = code_text(value)
        if not nib:
            raise ValueError(_("Wajib diisi: NIB usaha, 13 angka."))
        business = self.by_nib.get(nib)
        if business is None:
            raise ValueError(_("NIB %(nib)s tidak terdaftar di portal.") % {"nib": nib})
        if business.status != BusinessStatus.VERIFIED:
            raise ValueError(
                _("Usaha %(name)s (NIB %(nib)s) belum terverifikasi; laporan bulanan dapat dikirim setelah verifikasi.")
                % {"name": business.name, "nib": nib}
            )
        return business

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.nib


class DecimalWidget(widgets.Widget):
    """Production volume: 1250, 1.250,5 (Indonesian) or 1250.5; empty is none."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        text = cell_text(value).replace(" ", "")
        if not text:
            return None
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            return Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” bukan angka, mis. 1250 atau 12,5.") % {"value": cell_text(value)}) from error


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value or its label, whatever the case ("Tutup sementara")."""

    def __init__(self, choices, help_text):
        super().__init__()
        self.lookup = {}
        for stored, label in choices:
            for key in (stored, str(label), stored.replace("_", " ")):
                self.lookup[" ".join(key.lower().split())] = stored
        self.help_text = help_text

    def clean(self, value, row=None, **kwargs):
        text = " ".join(cell_text(value).lower().replace("_", " ").split())
        if not text:
            return ""
        if text not in self.lookup:
            raise ValueError(
                _("“%(value)s” tidak dikenal. Pilihan: %(choices)s.") % {"value": cell_text(value), "choices": self.help_text}
            )
        return self.lookup[text]

    def render(self, value, obj=None, **kwargs):
        return value or ""


def _choices_text(choices) -> str:
    return ", ".join(stored for stored, _label in choices)


class BlankYesNoWidget(YesNoWidget):
    """Yes/no where an empty cell means no."""

    def clean(self, value, row=None, **kwargs):
        if cell_text(value) == "":
            return False
        return super().clean(value, row=row, **kwargs)


def _column(attribute, widget, column_name=None):
    return Field(attribute=attribute, widget=widget, column_name=column_name)


class MonthlyReportLoader(ModelInstanceLoader):
    """The file's existing reports, fetched in one query and found by (NIB, month)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        keys = set()
        if dataset is not None and {"nib", "bulan"} <= set(dataset.headers or ()):
            keys = {_report_key(row) for row in dataset.dict}
        # A NUL cannot be sent to PostgreSQL and no stored NIB holds one: such a row is refused by
        # its own validation, not looked up.
        nibs = {nib for nib, period in keys if nib and period and "\x00" not in nib}
        periods = {period for nib, period in keys if nib and period}
        reports = MonthlyReport.objects.select_related("business").filter(business__nib__in=nibs, period__in=periods)
        self.by_key = {(r.business.nib, r.period): r for r in reports}

    def get_instance(self, row):
        # pop: a report named twice is found once; the second row is refused as a duplicate.
        return self.by_key.pop(_report_key(row), None)


class MonthlyReportResource(StrictImportResource):
    import_columns = COLUMNS
    known_columns = COLUMNS
    example_value = EXAMPLE_NIB
    data_sheet = DATA_SHEET
    preview_columns = ("nib", "bulan", "tidak_ada_kegiatan", "omzet", "status_operasi")

    nib = _column("business", BusinessByNibWidget(), "nib")
    bulan = _column("period", MonthWidget(), "bulan")
    tidak_ada_kegiatan = _column("no_activity", BlankYesNoWidget())
    omzet = _column("turnover", IntegerWidget())
    tk_laki_laki = _column("workers_male", IntegerWidget())
    tk_perempuan = _column("workers_female", IntegerWidget())
    volume_produksi = _column("production_volume", DecimalWidget())
    satuan_produksi = _column("production_unit", TextWidget())
    porsi_online = _column("online_share", IntegerWidget())
    status_operasi = _column("operating_status", ChoiceWidget(OperatingStatus.choices, _choices_text(OperatingStatus.choices)))
    bahan_baku = _column("raw_materials", ChoiceWidget(RawMaterialAccess.choices, _choices_text(RawMaterialAccess.choices)))
    toko = _column("channel_shop", BlankYesNoWidget())
    marketplace = _column("channel_marketplace", BlankYesNoWidget())
    media_sosial = _column("channel_social_media", BlankYesNoWidget())
    whatsapp = _column("channel_whatsapp", BlankYesNoWidget())
    pasar_kota = _column("market_city", BlankYesNoWidget())
    pasar_provinsi = _column("market_province", BlankYesNoWidget())
    pasar_luar_provinsi = _column("market_other_provinces", BlankYesNoWidget())
    ekspor = _column("market_export", BlankYesNoWidget())

    class Meta:
        model = MonthlyReport
        name = "Laporan bulanan"
        fields = COLUMNS
        import_order = COLUMNS
        import_id_fields = ("nib", "bulan")
        instance_loader_class = MonthlyReportLoader
        clean_model_instances = True
        skip_diff = True

    def __init__(self, user=None, **kwargs):
        """``user`` is recorded as the sender of every imported report."""
        super().__init__(**kwargs)
        self.user = user
        self._seen: dict[tuple, int] = {}

    def before_import(self, dataset, **kwargs):
        self._seen = {}
        self._periods = set()
        self._businesses = set()
        nibs = {code_text(v) for v in dataset["nib"]} - {""}
        self.fields["nib"].widget.by_nib = {b.nib: b for b in Business.objects.filter(nib__in=nibs)}

    # --- Rows ---

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        if instance.pk and instance.is_locked:
            errors["period"] = [
                _("Laporan %(month)s untuk NIB %(nib)s sudah disetujui dan dikunci; tidak dapat ditimpa lewat impor.")
                % {"month": month_label(instance.period), "nib": instance.business.nib}
            ]
            raise ValidationError(errors)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        key = _report_key(row)
        if key[0] and key[1]:
            number = kwargs.get("row_number")
            first = self._seen.setdefault(key, number)
            if first != number:
                errors.setdefault("period", []).append(
                    _("Laporan NIB %(nib)s bulan %(month)s sudah ada di baris %(row)s berkas ini.")
                    % {"nib": key[0], "month": f"{key[1]:%Y-%m}", "row": sheet_row(first)}
                )
        if instance.no_activity:
            # "Nothing happened" carries no figures, as on the portal's form.
            for field in ACTIVITY_REQUIRED:
                setattr(instance, field, "" if field in ("operating_status", "raw_materials") else None)
            instance.production_volume = None
        if instance.period and "period" not in errors:
            if instance.period < FIRST_PERIOD:
                errors["period"] = [_("Laporan paling awal untuk Januari 2020.")]
            elif instance.period > current_period():
                errors["period"] = [_("Bulan laporan tidak boleh di masa depan.")]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if "business" in errors:
            # Without a business the other checks (unique per month) cannot run meaningfully.
            errors.setdefault("period", [])
        try:
            instance.full_clean(
                exclude=[*errors, "submitted_by", "reviewed_by", "status"],
                validate_unique=False,
                validate_constraints="business" not in errors and "period" not in errors,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        errors = {k: v for k, v in errors.items() if v}
        if errors:
            raise ValidationError(self.errors_by_column(errors))

    def before_save_instance(self, instance, row, **kwargs):
        # As when staff send the portal's form for an owner: up for review again.
        instance.status = ReportStatus.SUBMITTED
        instance.return_note = ""
        instance.submitted_by = self.user if getattr(self.user, "pk", None) else None
        instance.submitted_at = timezone.now()
        instance.reviewed_by, instance.reviewed_at = None, None
        self._periods.add(instance.period)
        self._businesses.add(instance.business_id)

    def after_import(self, dataset, result, **kwargs):
        # Inside the import's transaction: a preview (rolled back) or a refused file marks nothing
        # and queues nothing; a confirmed import refreshes its months' dashboard figures at once
        # instead of waiting for the beat's sweep to notice them in the history.
        super().after_import(dataset, result, **kwargs)
        if self._periods and not result.has_errors() and not result.has_validation_errors():
            figures_changed(periods=sorted(self._periods), business_ids=sorted(self._businesses))


# --- The import template ------------------------------------------------------------------

COLUMN_HELP = {
    "nib": ("wajib", _l("NIB usaha yang sudah terverifikasi di portal, 13 angka.")),
    "bulan": ("wajib", _l("Bulan laporan, tahun-bulan, mis. 2026-10 (boleh juga Oktober 2026). Mulai 2020-01, bukan bulan depan.")),
    "tidak_ada_kegiatan": ("", _l("ya bila bulan ini tidak ada kegiatan sama sekali; kolom angka lalu boleh kosong. Kosong = tidak.")),
    "omzet": ("wajib*", _l("Omzet bulan itu dalam Rupiah, mis. 12.500.000.")),
    "tk_laki_laki": ("wajib*", _l("Jumlah tenaga kerja laki-laki bulan itu.")),
    "tk_perempuan": ("wajib*", _l("Jumlah tenaga kerja perempuan bulan itu.")),
    "volume_produksi": ("", _l("Volume produksi, mis. 1250 atau 12,5. Boleh kosong.")),
    "satuan_produksi": ("", _l("Satuan volume produksi, mis. kg, buah, kodi.")),
    "porsi_online": ("wajib*", _l("Porsi penjualan online dalam persen, 0 sampai 100.")),
    "status_operasi": ("wajib*", _l("Salah satu: {operating}.")),
    "bahan_baku": ("wajib*", _l("Salah satu: {raw}.")),
    "toko": ("", _l("Berjualan di toko/kios: ya atau tidak (kosong = tidak).")),
    "marketplace": ("", _l("Berjualan di marketplace: ya atau tidak (kosong = tidak).")),
    "media_sosial": ("", _l("Berjualan lewat media sosial: ya atau tidak (kosong = tidak).")),
    "whatsapp": ("", _l("Berjualan lewat WhatsApp: ya atau tidak (kosong = tidak).")),
    "pasar_kota": ("", _l("Pembeli di dalam Kota Payakumbuh: ya atau tidak (kosong = tidak).")),
    "pasar_provinsi": ("", _l("Pembeli di dalam Provinsi Sumatera Barat: ya atau tidak (kosong = tidak).")),
    "pasar_luar_provinsi": ("", _l("Pembeli di provinsi lain: ya atau tidak (kosong = tidak).")),
    "ekspor": ("", _l("Menjual ke luar negeri: ya atau tidak (kosong = tidak).")),
}  # fmt: skip
EXAMPLE_ROW = {
    "nib": EXAMPLE_NIB, "bulan": "2026-10", "tidak_ada_kegiatan": "tidak", "omzet": 12_500_000, "tk_laki_laki": 2,
    "tk_perempuan": 3, "volume_produksi": 400, "satuan_produksi": "kg", "porsi_online": 30,
    "status_operasi": "normal", "bahan_baku": "normal", "toko": "ya", "marketplace": "ya", "media_sosial": "tidak",
    "whatsapp": "ya", "pasar_kota": "ya", "pasar_provinsi": "ya", "pasar_luar_provinsi": "tidak", "ekspor": "tidak",
}  # fmt: skip


def import_template_xlsx() -> bytes:
    """An empty import workbook: the data sheet (header and one example row that the import
    skips) and a "Petunjuk" sheet explaining each column."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = cells.Workbook()
    data = book.active
    data.title = DATA_SHEET
    data.append(list(COLUMNS))
    data.append([EXAMPLE_ROW[c] for c in COLUMNS])
    data.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        data[f"{letter}1"].font = Font(bold=True)
        data.column_dimensions[letter].width = max(12, len(column) + 2)
        if column in ("nib", "bulan"):
            # As numbers or dates, Excel would drop a NIB's leading zeros or reformat the month.
            data[f"{letter}2"].number_format = "@"
    for column, choices in (("status_operasi", OperatingStatus.choices), ("bahan_baku", RawMaterialAccess.choices)):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        validation = DataValidation(type="list", formula1=f'"{_choices_text(choices)}"', allow_blank=True)
        validation.add(f"{letter}3:{letter}5000")
        data.add_data_validation(validation)

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append([_("Petunjuk pengisian templat impor laporan bulanan")])
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.append(
        [
            _(
                "Isi satu laporan (satu usaha, satu bulan) per baris di lembar “%(sheet)s”, mulai baris 3. Baris 2 "
                "adalah contoh (NIB %(nib)s) dan selalu dilewati. Laporan yang sudah ada untuk NIB dan bulan yang "
                "sama diganti dan diperiksa ulang; laporan yang sudah disetujui tidak dapat ditimpa. Satu baris yang "
                "salah membatalkan seluruh impor. *wajib kecuali tidak_ada_kegiatan = ya."
            )
            % {"sheet": DATA_SHEET, "nib": EXAMPLE_NIB}
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("kolom"), _("wajib?"), _("penjelasan")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = Font(bold=True)
    operating = ", ".join(f"{stored} ({label})" for stored, label in OperatingStatus.choices)
    raw = ", ".join(f"{stored} ({label})" for stored, label in RawMaterialAccess.choices)
    for column in COLUMNS:
        required, text = COLUMN_HELP[column]
        help_sheet.append([column, required, str(text).format(operating=operating, raw=raw)])
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 100
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return book.to_bytes()


class XLSXFormat(formats.XLSXFormat):
    data_sheet = DATA_SHEET


IMPORT_FORMATS = [XLSXFormat, formats.CSVFormat]
