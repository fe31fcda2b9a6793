"""Buyer interest: the counted redirects to WhatsApp and the stores, the buyer's inquiry form, and
the owner's own counts.

The redirects forward only to targets stored on a public profile (its order number, its store
links): never to an address taken from the request, so they cannot be used as an open redirect.
They answer ``no-store`` and ``noindex`` so that neither a cache nor a search engine keeps them,
and the pages link to them with ``rel="nofollow"``.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from accounts.decorators import role_required
from accounts.roles import Role

from . import figures, inquiries, links, selectors
from .forms_interest import InquiryForm
from .interest import interest_record
from .models import InterestKind, Product, Profile, StoreLink


def _no_trace(response):
    """Neither a cache nor a search engine keeps a counted redirect."""
    patch_cache_control(response, no_store=True, no_cache=True, max_age=0, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _public_page_url(profile: Profile, product: Product | None) -> str:
    """The public page a buyer saw, as a full address under SITE_URL (never the request's Host)."""
    for name, args in (
        ("showcase:product", [profile.slug, product.slug] if product else None),
        ("showcase:profile", [profile.slug]),
        ("showcase:inquiry", [profile.slug]),
    ):
        if args is None:
            continue
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:  # the public pages (h7) are wired separately
            continue
        return settings.SITE_URL.rstrip("/") + path
    return settings.SITE_URL.rstrip("/") + "/etalase/"


def _profile_public(slug: str | None = None, *, profile_id: int | None = None) -> Profile:
    """A public profile (the one visibility rule, showcase.selectors) by slug or id, else 404."""
    lookup = {"slug": slug} if profile_id is None else {"pk": profile_id}
    profile = selectors.profiles_public().filter(**lookup).first()
    if profile is None:
        raise Http404
    return profile


def _product_public(profile: Profile, slug: str | None = None, *, product_id: int | None = None) -> Product:
    """A public product of ``profile`` by slug or id, else 404 (its photos are not needed here)."""
    lookup = {"slug": slug} if product_id is None else {"pk": product_id}
    product = selectors.products_public().prefetch_related(None).filter(profile=profile, **lookup).first()
    if product is None:
        raise Http404
    return product


@require_GET
def go_whatsapp(request, profile: str, product: str | None = None):
    """Count a click on "Pesan lewat WhatsApp", then forward to the profile's own order number."""
    shown = _profile_public(profile)
    if not shown.order_phone:
        raise Http404
    item = _product_public(shown, product) if product else None
    interest_record(request, kind=InterestKind.WHATSAPP, profile_id=shown.pk, product_id=item.pk if item else None)
    text = links.whatsapp_order_text(
        business_name=shown.business.name, page_url=_public_page_url(shown, item), product_name=item.name if item else None
    )
    target = links.whatsapp_url(shown.order_phone, text)
    return _no_trace(HttpResponseRedirect(target))


@require_GET
def go_store(request, pk: int):
    """Count a click on a store button, then forward to that link's stored address."""
    link = get_object_or_404(StoreLink.objects.only("id", "url", "profile_id", "product_id"), pk=pk)
    shown = _profile_public(profile_id=link.profile_id)
    if link.product_id is not None:
        _product_public(shown, product_id=link.product_id)
    if not link.url.lower().startswith(("https://", "http://")):
        raise Http404
    interest_record(request, kind=InterestKind.STORE, profile_id=shown.pk, product_id=link.product_id)
    return _no_trace(HttpResponseRedirect(link.url))


def _inquiry_limited(request) -> bool:
    return is_ratelimited(
        request,
        group="showcase-inquiry",
        key="ip",
        rate=settings.RATELIMIT_SHOWCASE_INQUIRY,
        method="POST",
        increment=True,
    )


@require_http_methods(["GET", "POST"])
def inquiry(request, profile: str):
    """The buyer's short inquiry to a business (about one product when ``?produk=`` names one).

    Works without JavaScript; CSRF-protected (this page is never in the public cache). Spam is
    kept out by a hidden field people leave empty, a signed time refusing forms sent within
    seconds of being shown or after a day, and a limit per address.
    """
    shown = _profile_public(profile)
    # ?produk= names one of the business's public products; anything else (an old link, a made-up
    # value) leaves the inquiry about the business itself rather than failing.
    product_slug = request.POST.get("produk") or request.GET.get("produk") or ""
    item = None
    if re.fullmatch(r"[-a-zA-Z0-9_]{1,140}", product_slug):
        item = selectors.products_public().prefetch_related(None).filter(profile=shown, slug=product_slug).first()
    if request.method == "POST":
        form = InquiryForm(request.POST, profile_id=shown.pk)
        if _inquiry_limited(request):
            form.add_error(None, _("Terlalu banyak pertanyaan dari alamat ini dalam satu jam. Coba lagi nanti."))
        elif form.is_valid():
            if form.is_bait():  # a robot filled the hidden field: thank it, keep nothing
                return redirect("showcase:inquiry-sent", profile=shown.slug)
            try:
                inquiries.inquiry_submit(profile=shown, product=item, **form.inquiry_fields())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                interest_record(request, kind=InterestKind.INQUIRY, profile_id=shown.pk, product_id=item.pk if item else None)
                return redirect("showcase:inquiry-sent", profile=shown.slug)
    else:
        form = InquiryForm(profile_id=shown.pk)
    response = render(
        request,
        "showcase/interest/inquiry_form.html",
        {"profile": shown, "product": item, "form": form, "retention_days": settings.INQUIRY_RETENTION_DAYS},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def inquiry_sent(request, profile: str):
    shown = _profile_public(profile)
    response = render(request, "showcase/interest/inquiry_sent.html", {"profile": shown})
    response["X-Robots-Tag"] = "noindex"
    return response


@role_required(Role.OWNER)
@require_GET
def owner_interest(request):
    """The owner's own buyer interest, per month and product, for their businesses only."""
    return render(request, "showcase/interest/interest_mine.html", figures.owner_interest(user=request.user))
