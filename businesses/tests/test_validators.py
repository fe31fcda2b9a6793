import pytest
from django.core.exceptions import ValidationError

from accounts.phone import phone_normalize
from businesses.models import SizeClass, size_class_of
from businesses.validators import certificate_number_normalize, nik_mask, validate_nib, validate_nik


@pytest.mark.parametrize("raw", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456 7890", "812 3456 7890"])
def test_phone_is_normalised_to_plus_62(raw):
    assert phone_normalize(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "0751-123456", "12345", "0812", "08123456789012345", "nomor saya"])
def test_phone_that_cannot_be_a_mobile_number_is_refused_in_indonesian(raw):
    with pytest.raises(ValidationError, match="Nomor WhatsApp tidak valid"):
        phone_normalize(raw)


# Named cases throughout: default ids would print the NIKs in verbose test reports (make nik-scan).
@pytest.mark.parametrize(
    "nik", ["1376011505800001", "1376055512990123", "3171017101000001"], ids=["payakumbuh", "woman-1999", "jakarta-2000"]
)
def test_plausible_nik_passes(nik):
    validate_nik(nik)


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("137601150580000", "16 angka"),
        ("13760115058000a1", "16 angka"),
        ("1376013213800001", "bulan lahir"),
        ("1376013505800001", "tanggal lahir"),
        ("1376017205800001", "tanggal lahir"),
        ("1376010005800001", "tanggal lahir"),
        ("1376011505800000", "periksa kembali"),
    ],
    ids=["15-digits", "a-letter", "month-13", "day-35", "woman-day-32", "day-00", "serial-0000"],
)
def test_implausible_nik_is_refused_with_the_reason(nik, message):
    with pytest.raises(ValidationError, match=message):
        validate_nik(nik)


def test_nib_is_thirteen_digits():
    validate_nib("9120001234567")
    for bad in ("912000123456", "91200012345678", "912000123456x"):
        with pytest.raises(ValidationError, match="13 angka"):
            validate_nib(bad)


def test_nik_mask_keeps_region_and_last_two_digits():
    assert nik_mask("1376011505800001") == "1376**********01"
    assert nik_mask("") == ""


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("pirt", "P-IRT No. 2010137601234-26", "201013760123426"),
        ("halal", "ID13110000123450123", "ID13110000123450123"),
        ("bpom_md", "MD 123456789012", "MD123456789012"),
        ("merek", "IDM000123456", "IDM000123456"),
    ],
)
def test_certificate_numbers_are_normalised(kind, raw, stored):
    assert certificate_number_normalize(kind, raw) == stored


def test_malformed_pirt_number_names_the_format():
    with pytest.raises(ValidationError, match="15 angka"):
        certificate_number_normalize("pirt", "12345")


@pytest.mark.parametrize(
    ("workers", "investment", "expected"),
    [
        (5, 50_000_000, SizeClass.SMALL),
        (19, 999_999_999, SizeClass.SMALL),
        (19, 1_000_000_000, SizeClass.MEDIUM),
        (20, 100_000_000, SizeClass.MEDIUM),
        (250, 15_000_000_000, SizeClass.MEDIUM),
        (250, 15_000_000_001, SizeClass.LARGE),
    ],
)
def test_size_class_follows_permenperin_64_2016(workers, investment, expected):
    assert size_class_of(workers, investment) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("men", "women", "investment"),
    [(2, 3, 50_000_000), (10, 9, 999_999_999), (10, 9, 1_000_000_000), (10, 10, 5_000_000_000), (100, 100, 20_000_000_000)],
)
def test_size_class_in_the_database_matches_the_python_rule(reference, men, women, investment):
    from businesses.tests.factories import BusinessFactory

    business = BusinessFactory(workers_male=men, workers_female=women, investment=investment)
    business.refresh_from_db()
    assert business.size_class == size_class_of(men + women, investment)
