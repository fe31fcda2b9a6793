"""Helpers the registry's tests share, and other apps' tests that import or sign up businesses
(a test module imports no other test module): rows and files as staff fill them in, the admin's
import pages pressed as staff press them, and the owner's sign-up form filled in."""

import csv
import io

import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook

from businesses.models import Kbli, Kelurahan, Marketplace
from businesses.resources import COLUMNS, IMPORT_COLUMNS, BusinessResource
from spreadsheets.models import ImportStatus

IMPORT_URL = "admin:businesses_business_import"
CONFIRM_URL = "admin:businesses_business_import_job_confirm"
EXPORT_URL = "admin:businesses_business_export"
TEMPLATE_URL = "admin:businesses_business_import_template"


def nik(n: int) -> str:
    """A plausible NIK: 1376 01, day 01-28, month 01-12, year, serial from 0001."""
    return f"137601{n % 28 + 1:02d}{n % 12 + 1:02d}85{n % 9999 + 1:04d}"


_WORDS = ("Rendang", "Galamai", "Batiah", "Tenun", "Bordir", "Sulaman", "Kipang", "Rajutan", "Dodol", "Keripik",
          "Ani", "Rosna", "Yusnidar", "Fauzan", "Darmawel", "Elvi", "Syafrizal", "Nurhayati", "Zulkifli", "Hendri")  # fmt: skip


def business_name(n: int) -> str:
    """Names that differ as real ones do, so duplicate flagging finds nothing by accident."""
    first, second, third = _WORDS[n % 10], _WORDS[10 + n // 10 % 10], _WORDS[n // 100 % 20]
    return f"{first} {second} {third} {n:x}"


KELURAHAN_CODES = ("13.76.01.1002", "13.76.01.1003", "13.76.02.1002", "13.76.03.1001", "13.76.05.1001")


def row(n: int = 1, **changes) -> dict:
    values = {
        "nib": f"{8120000000000 + n}", "nama_usaha": business_name(n), "produk": "Galamai, kipang",
        "kbli": "10796", "kode_kelurahan": KELURAHAN_CODES[n % len(KELURAHAN_CODES)], "alamat": f"Jl. Ahmad Yani No. {n}",
        "tahun_berdiri": 2011, "tk_laki_laki": 1, "tk_perempuan": 4, "investasi": "Rp 35.000.000",
        "omzet_2019": "12.500.000", "toko": "ya", "marketplace": "ya", "nama_marketplace": "Tokopedia, shopee",
        "media_sosial": "tidak", "whatsapp": "y", "website": "", "pasar_kota": "ya", "pasar_provinsi": "x",
        "pasar_luar_provinsi": "", "ekspor": "tidak", "nama_pemilik": f"Pemilik {n}", "nik_pemilik": nik(n),
        "whatsapp_pemilik": f"0813-{n:04d}-{n:04d}", "email_pemilik": "",
    }  # fmt: skip
    values.update(changes)
    return values


def dataset(rows: list[dict], headers=IMPORT_COLUMNS) -> tablib.Dataset:
    return tablib.Dataset(*[[r.get(h, "") for h in headers] for r in rows], headers=list(headers))


def xlsx(rows: list[dict], headers=IMPORT_COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for r in rows:
        sheet.append([r.get(h, "") for h in headers])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def csv_bytes(rows: list[dict], *, delimiter=",", encoding="utf-8", headers=IMPORT_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def run_import(rows_or_dataset, *, dry_run=False, user=None):
    data = rows_or_dataset if isinstance(rows_or_dataset, tablib.Dataset) else dataset(rows_or_dataset)
    return BusinessResource(user=user).import_data(data, dry_run=dry_run)


def upload(client, content: bytes, name="usaha.xlsx", url=IMPORT_URL):
    """Upload as staff do: the preview job runs (eagerly) once the upload commits; returns the
    page the browser lands on (the upload form again, or the job's page)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse(url), {"import_file": SimpleUploadedFile(name, content)})
    return client.get(response["Location"]) if response.status_code == 302 else response


def confirm(client, preview_response, url=CONFIRM_URL):
    """Press "Konfirmasi impor" on the job's page: the import job runs once the click commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse(url, args=[preview_response.context["job"].pk]))
    return client.get(response["Location"]) if response.status_code == 302 else response


def ready(response) -> bool:
    """Whether the page is a preview waiting for confirmation."""
    job = (response.context or {}).get("job")
    return job is not None and job.status == ImportStatus.READY


def form_errors(response) -> str:
    """The reasons a file was refused: by the upload form, else by the preview or import job."""
    if "form" in (response.context or {}) and "job" not in response.context:
        return " ".join(response.context["form"].errors.get("import_file", []))
    return " ".join(response.context["summary"].get("messages", []))


def export(client, file_format: int) -> bytes:
    fields = {f"businessresource_{c}": "on" for c in COLUMNS}
    response = client.post(reverse(EXPORT_URL), {"format": str(file_format), "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content


# --- Sign-up ---------------------------------------------------------------------------------


def signup_data(**overrides):
    kelurahan = Kelurahan.objects.get(code="13.76.02.1002")
    data = {
        "full_name": "Yusnimar",
        "nik": "1376025505800001",
        "phone": "0812-6600-1234",
        "email": "yus@contoh.id",
        "password1": "galamai-manih-2026",
        "password2": "galamai-manih-2026",
        "consent": "on",
        "usaha-nib": "9120 0000 11111",
        "usaha-name": "Rendang Uni Yus",
        "usaha-products": "Rendang daging",
        "usaha-kbli": Kbli.objects.get(code="10750").pk,
        "usaha-kelurahan": kelurahan.pk,
        "usaha-address": "Jl. Soekarno-Hatta No. 5",
        "usaha-year_founded": "2009",
        "usaha-workers_male": "1",
        "usaha-workers_female": "4",
        "usaha-investment": "Rp 85.000.000",
        "usaha-turnover_2019": "32.000.000",
        "usaha-sells_in_shop": "on",
        "usaha-sells_on_marketplace": "on",
        "usaha-marketplaces": [Marketplace.objects.get(name="Shopee").pk],
        "usaha-reaches_city": "on",
        "usaha-reaches_other_provinces": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
