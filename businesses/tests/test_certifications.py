import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from businesses.models import Certification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def post(client, business, document, number="P-IRT No. 2010137601234-26"):
    return client.post(
        reverse("businesses:certification-add", args=[business.pk]),
        {"kind": "pirt", "number": number, "issued_on": "2024-03-01", "valid_until": "2029-03-01", "document": document},
    )


def test_owner_adds_a_certification_with_a_scan_and_downloads_it(client, pending_business):
    client.force_login(pending_business.owner.user)
    response = post(client, pending_business, SimpleUploadedFile("pirt saya.pdf", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    certification = Certification.objects.get()
    assert certification.number == "201013760123426"
    assert "pirt saya" not in certification.document.name  # stored under a random name
    download = client.get(reverse("businesses:certification-document", args=[certification.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("name", "content", "extension"), [("pirt.pdf", PDF, ".pdf"), ("foto.jpeg", JPEG, ".jpeg"), ("FOTO.JPG", JPEG, ".jpg")]
)
def test_the_download_is_named_after_the_certificate_with_the_scans_extension(client, pending_business, name, content, extension):
    client.force_login(pending_business.owner.user)
    assert post(client, pending_business, SimpleUploadedFile(name, content)).status_code == 302
    certification = Certification.objects.get()
    download = client.get(reverse("businesses:certification-document", args=[certification.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="pirt-201013760123426{extension}"'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", PNG, "PDF, JPG atau PNG"),
        ("scan.exe", PDF, "PDF, JPG atau PNG"),
        ("scan.png", b"MZ\x90\x00 not a png", "PDF, JPG atau PNG"),
    ],
)
def test_uploads_are_checked_by_content_not_only_by_name(client, pending_business, name, content, message):
    client.force_login(pending_business.owner.user)
    response = post(client, pending_business, SimpleUploadedFile(name, content))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Certification.objects.exists()


def test_uploads_are_size_limited(client, pending_business, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    client.force_login(pending_business.owner.user)
    response = post(client, pending_business, SimpleUploadedFile("scan.pdf", PDF + b"0" * 2048))
    assert "terlalu besar" in response.content.decode()
    assert not Certification.objects.exists()


def test_bad_certificate_number_and_dates_are_explained(client, pending_business):
    client.force_login(pending_business.owner.user)
    response = client.post(
        reverse("businesses:certification-add", args=[pending_business.pk]),
        {"kind": "pirt", "number": "123", "issued_on": "2024-03-01", "valid_until": "2020-01-01"},
    )
    body = response.content.decode()
    assert "15 angka" in body
    response = client.post(
        reverse("businesses:certification-add", args=[pending_business.pk]),
        {"kind": "halal", "number": "ID13110000123450123", "issued_on": "2024-03-01", "valid_until": "2020-01-01"},
    )
    assert "sesudah tanggal terbit" in response.content.decode()
    assert not Certification.objects.exists()


def test_media_files_are_not_served_publicly(client, pending_business):
    client.force_login(pending_business.owner.user)
    post(client, pending_business, SimpleUploadedFile("scan.pdf", PDF))
    name = Certification.objects.get().document.name
    client.logout()
    assert client.get(f"/private-media/{name}").status_code == 404
