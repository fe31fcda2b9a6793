from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation

from payakumbuh_ikm.templatetags.portal import rupiah, url_replace


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (1250000, "Rp 1.250.000", "Rp 1,250,000"),
        (Decimal("1250000.4"), "Rp 1.250.000", "Rp 1,250,000"),
        (-5000, "-Rp 5.000", "-Rp 5,000"),
        (0, "Rp 0", "Rp 0"),
        (None, "—", "—"),
    ],
)
def test_rupiah_is_formatted_the_way_each_language_writes_it(value, indonesian, english):
    with translation.override("id"):
        assert rupiah(value) == indonesian
    with translation.override("en"):
        assert rupiah(value) == english


def test_url_replace_keeps_the_other_filters():
    request = RequestFactory().get("/usaha/", {"kecamatan": "2", "page": "1"})
    assert url_replace(request, "page", 3) == "kecamatan=2&page=3"
