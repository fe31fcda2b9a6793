"""Store links and the WhatsApp order link.

``store_link_validate`` accepts a link only when it is https, on a host of the chosen kind (a
"Tokopedia" button never leads anywhere but Tokopedia), with no user name or password in it, and
returns it normalised (lower-case host, no default port, no fragment, no utm_* tracking). A
"website" is any public https host: not an IP address, not a local name, not the portal itself.

``whatsapp_url`` builds the ``wa.me`` link of the "Pesan lewat WhatsApp" button with a prefilled
Indonesian message; ``whatsapp_order_text`` writes that message.
"""

import ipaddress
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .models import StoreKind

# Each kind's domains; a subdomain of one (www., m., shop., vt.) is accepted too.
STORE_HOSTS: dict[str, tuple[str, ...]] = {
    StoreKind.TOKOPEDIA: ("tokopedia.com", "tokopedia.link"),
    StoreKind.SHOPEE: ("shopee.co.id", "shp.ee"),
    StoreKind.BUKALAPAK: ("bukalapak.com",),
    StoreKind.LAZADA: ("lazada.co.id",),
    StoreKind.TIKTOK: ("tiktok.com",),
    StoreKind.BLIBLI: ("blibli.com",),
    StoreKind.INSTAGRAM: ("instagram.com",),
    StoreKind.FACEBOOK: ("facebook.com", "fb.com", "fb.me"),
}

MAX_LENGTH = 500
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home", ".arpa", ".test", ".invalid", ".example")
# "javascript:", "http://", "data:"... but not "tokopedia.com:443/..." (a host and its port).
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _own_hosts() -> set[str]:
    hosts = {(urlsplit(settings.SITE_URL).hostname or "").lower()}
    hosts.update(h.lower().lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*",))
    return hosts - {""}


def _is_public_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return False
    if "." not in host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return False
    labels = host.split(".")
    if not all(_HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return False
    return not any(host == own or host.endswith("." + own) for own in _own_hosts())


def store_link_validate(kind: str, url: str) -> str:
    """Return ``url`` normalised if it is an https link on a host of ``kind``; else raise
    ``ValidationError`` with an Indonesian message. A link typed without ``https://`` gets it."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Isi alamat tautan toko."), code="required")
    if len(url) > MAX_LENGTH:
        raise ValidationError(_("Alamat tautan terlalu panjang (paling banyak %(max)d huruf).") % {"max": MAX_LENGTH})
    if _SCHEME.match(url) and not url.lower().startswith("https://"):
        raise ValidationError(_("Gunakan alamat yang aman, diawali https://."), code="not_https")
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(
            _("Alamat tautan tidak dapat dibaca. Salin alamatnya dari aplikasi toko."), code="invalid"
        ) from None
    if parts.scheme.lower() != "https":
        raise ValidationError(_("Gunakan alamat yang aman, diawali https://."), code="not_https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError(_("Alamat tautan tidak boleh memuat nama pengguna atau kata sandi."), code="userinfo")
    if port not in (None, 443):
        raise ValidationError(_("Alamat tautan tidak boleh memakai port khusus."), code="port")
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError(_("Nama situs pada tautan tidak sah."), code="invalid") from None
    if kind == StoreKind.WEBSITE:
        if not _is_public_host(host):
            raise ValidationError(_("Alamat situs web harus alamat umum di internet (bukan alamat IP atau lokal)."), code="host")
    elif kind in STORE_HOSTS:
        if not _host_matches(host, STORE_HOSTS[kind]):
            raise ValidationError(
                _("Tautan ini bukan alamat %(store)s. Salin alamat toko dari aplikasi %(store)s.")
                % {"store": StoreKind(kind).label},
                code="host",
            )
    else:
        raise ValidationError(_("Pilih jenis toko dari daftar."), code="kind")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")])
    normalised = urlunsplit(("https", host, parts.path or "/", query, ""))
    try:
        URLValidator(schemes=["https"])(normalised)
    except ValidationError:
        raise ValidationError(
            _("Alamat tautan tidak dapat dibaca. Salin alamatnya dari aplikasi toko."), code="invalid"
        ) from None
    if len(normalised) > MAX_LENGTH:
        raise ValidationError(_("Alamat tautan terlalu panjang (paling banyak %(max)d huruf).") % {"max": MAX_LENGTH})
    return normalised


def whatsapp_number(phone: str) -> str:
    """The number as wa.me wants it: digits only, country code 62 first (08... becomes 628...)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("62") or not 10 <= len(digits) <= 15:
        raise ValueError("not an Indonesian phone number")
    return digits


def whatsapp_order_text(*, business_name: str, page_url: str, product_name: str | None = None) -> str:
    """The prefilled message. Always Indonesian: it is the owner who reads it, whatever language
    the buyer browses in."""
    if product_name:
        return f"Halo {business_name}, saya ingin memesan {product_name} yang saya lihat di Etalase IKM Payakumbuh: {page_url}"
    return f"Halo {business_name}, saya ingin bertanya tentang produk Anda di Etalase IKM Payakumbuh: {page_url}"


def whatsapp_url(phone: str, text: str) -> str:
    """``https://wa.me/62…?text=…``: opens a chat with ``phone`` with ``text`` typed in."""
    return f"https://wa.me/{whatsapp_number(phone)}?text={quote(text, safe='')}"
