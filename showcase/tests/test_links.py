"""Store links lead only to the store named on the button; the WhatsApp link opens the right chat."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from showcase.links import store_link_validate, whatsapp_order_text, whatsapp_url


@pytest.mark.parametrize(
    ("kind", "url", "expected"),
    [
        ("tokopedia", "https://www.tokopedia.com/rendanguni/rendang-1kg", "https://www.tokopedia.com/rendanguni/rendang-1kg"),
        ("tokopedia", "tokopedia.link/AbCd", "https://tokopedia.link/AbCd"),
        ("shopee", "https://SHOPEE.co.id/rendang.uni?utm_source=ig&sp=1#top", "https://shopee.co.id/rendang.uni?sp=1"),
        ("shopee", "https://shp.ee/x1y2", "https://shp.ee/x1y2"),
        ("bukalapak", "https://www.bukalapak.com/u/rendanguni", "https://www.bukalapak.com/u/rendanguni"),
        ("lazada", "https://www.lazada.co.id/shop/rendang-uni/", "https://www.lazada.co.id/shop/rendang-uni/"),
        ("tiktok", "https://www.tiktok.com/@rendanguni", "https://www.tiktok.com/@rendanguni"),
        ("tiktok", "https://vt.tiktok.com/ZSabc/", "https://vt.tiktok.com/ZSabc/"),
        ("tiktok", "https://shop.tiktok.com/view/product/1729", "https://shop.tiktok.com/view/product/1729"),
        (
            "blibli",
            "https://www.blibli.com/merchant/rendang-uni/REN-60001",
            "https://www.blibli.com/merchant/rendang-uni/REN-60001",
        ),
        ("instagram", "instagram.com/rendanguni", "https://instagram.com/rendanguni"),
        ("facebook", "https://fb.me/rendanguni", "https://fb.me/rendanguni"),
        ("facebook", "https://m.facebook.com/rendanguni", "https://m.facebook.com/rendanguni"),
        ("website", "https://rendanguni.id", "https://rendanguni.id/"),
        ("website", "https://www.rendanguni.co.id:443/toko", "https://www.rendanguni.co.id/toko"),
    ],
)
def test_a_link_on_its_stores_host_is_accepted_and_normalised(kind, url, expected):
    assert store_link_validate(kind, url) == expected


@pytest.mark.parametrize(
    ("kind", "url", "code"),
    [
        ("tokopedia", "https://tokopedia.com.evil.example/rendang", "host"),
        ("tokopedia", "https://evil.example/?next=tokopedia.com", "host"),
        ("tokopedia", "https://nottokopedia.com/rendang", "host"),
        ("shopee", "https://www.tokopedia.com/rendanguni", "host"),
        ("tokopedia", "http://www.tokopedia.com/rendanguni", "not_https"),
        ("tokopedia", "javascript:alert(1)//tokopedia.com", "not_https"),
        ("tokopedia", "https://www.tokopedia.com@evil.example/", "userinfo"),
        ("tokopedia", "https://user:pass@www.tokopedia.com/", "userinfo"),
        ("tokopedia", "https://www.tokopedia.com:8443/", "port"),
        ("tokopedia", "", "required"),
        ("website", "https://127.0.0.1/", "host"),
        ("website", "https://[::1]/", "host"),
        ("website", "https://10.0.0.8/admin", "host"),
        ("website", "https://localhost/", "host"),
        ("website", "https://printer.local/", "host"),
        ("website", "https://intranet/", "host"),
        ("website", "https://127.1/", "host"),
        ("website", "https://2130706433/", "host"),
        ("website", "ftp://rendanguni.id/", "not_https"),
        ("gojek", "https://gojek.com/", "kind"),
    ],
)
def test_a_link_elsewhere_is_refused_with_a_reason(kind, url, code):
    with pytest.raises(ValidationError) as caught:
        store_link_validate(kind, url)
    assert caught.value.code == code
    assert caught.value.messages[0]  # an Indonesian sentence for the form


def test_the_portals_own_host_is_not_a_website(settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id"
    settings.ALLOWED_HOSTS = ["ikm.payakumbuhkota.go.id"]
    with pytest.raises(ValidationError):
        store_link_validate("website", "https://ikm.payakumbuhkota.go.id/etalase/")
    assert store_link_validate("website", "https://payakumbuhkota.go.id/") == "https://payakumbuhkota.go.id/"


def test_the_message_says_tokopedia_when_the_link_is_not():
    with pytest.raises(ValidationError) as caught:
        store_link_validate("tokopedia", "https://shopee.co.id/x")
    assert caught.value.messages[0] == "Tautan ini bukan alamat Tokopedia. Salin alamat toko dari aplikasi Tokopedia."


@pytest.mark.parametrize("phone", ["+6281266000001", "081266000001", "0812-6600-0001", "6281266000001"])
def test_whatsapp_url_opens_a_chat_with_the_number_and_the_message(phone):
    text = whatsapp_order_text(
        business_name="Rendang Uni Sri", product_name="Rendang Daging 500 g", page_url="https://ikm.example.id/etalase/u/r/"
    )
    url = whatsapp_url(phone, text)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281266000001")
    message = parse_qs(parts.query)["text"][0]
    assert message == (
        "Halo Rendang Uni Sri, saya ingin memesan Rendang Daging 500 g yang saya lihat di "
        "Etalase IKM Payakumbuh: https://ikm.example.id/etalase/u/r/"
    )


def test_whatsapp_text_without_a_product_asks_about_the_business():
    text = whatsapp_order_text(business_name="Galamai Amak", page_url="https://ikm.example.id/etalase/galamai-amak/")
    assert text.startswith("Halo Galamai Amak, saya ingin bertanya") and text.endswith("/etalase/galamai-amak/")


@pytest.mark.parametrize("phone", ["", "12345", "+6012345678901", "not a number"])
def test_whatsapp_url_refuses_a_number_that_is_not_indonesian(phone):
    with pytest.raises(ValueError):
        whatsapp_url(phone, "Halo")
