"""The showcase's public pages: for buyers, signed in or not, phone first, no JavaScript needed.

Each page is wrapped, from the outside in:
- ``require_GET``;
- ``interest_counted``: counts a business or product page view with
  ``showcase.interest.interest_record`` on every answer, also one served from the public cache
  (which does not call the view): the view names its target in a response header, which the
  cache stores with the page, and which is read and removed here before the answer leaves;
- ``language_from_query``: ``?hl=id`` / ``?hl=en`` force the language (the hreflang targets,
  showcase/seo.py), before the cache picks the key, which holds the language;
- ``public_page``: the whole page from the cache for anonymous visitors, versioned on every
  showcase change (payakumbuh_ikm/public_cache.py).
Everything public is read through showcase/selectors.py (the one visibility rule).
"""

import functools
import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from payakumbuh_ikm.public_cache import public_page

from . import public_links, selectors, seo, services
from .forms_public import ReportForm, SearchForm
from .interest import interest_record
from .models import InterestKind
from .search import Filters, products_search

PAGE_SIZE = 24
INTEREST_HEADER = "X-Showcase-Interest"
SEARCH_PARAMS = ("q", "kategori", "sentra", "kecamatan", "harga_min", "harga_max", "urut", "page")


def language_from_query(view):
    """``?hl=<code>`` (one of settings.LANGUAGES) shows the page in that language."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        code = request.GET.get(seo.LANGUAGE_PARAM)
        if code in dict(settings.LANGUAGES):
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return view(request, *args, **kwargs)

    return wrapped


def interest_counted(view):
    """Count the view the page names in its ``INTEREST_HEADER`` (kind:profile:product)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        target = response.headers.get(INTEREST_HEADER)
        if target is not None:
            del response[INTEREST_HEADER]
            kind, profile_id, product_id = target.split(":")
            interest_record(request, kind=kind, profile_id=int(profile_id), product_id=int(product_id) if product_id else None)
        return response

    return wrapped


def showcase_page(*, query: tuple[str, ...] = (), counted: bool = False):
    def decorate(view):
        wrapped = language_from_query(public_page(view, query=(*query, seo.LANGUAGE_PARAM)))
        if counted:
            wrapped = interest_counted(wrapped)
        return require_GET(wrapped)

    return decorate


def _seo(request, *, keep: tuple[str, ...] = ()) -> dict:
    urls = seo.language_urls(request, keep=keep)
    return {"language_urls": urls, "canonical_url": seo.canonical_url(request, urls), "og_locale": seo.og_locale()}


def _profile_path(profile) -> str:
    return reverse("showcase:profile", args=[profile.slug])


def _product_path(product) -> str:
    return reverse("showcase:product", args=[product.profile.slug, product.slug])


@showcase_page()
def home(request):
    """Search box, categories, sentra and the newest products."""
    context = {
        "form": SearchForm(),
        "categories": selectors.categories_all(),
        "sentra_list": selectors.sentra_all(),
        "products": selectors.products_latest(),
        **_seo(request),
    }
    return render(request, "showcase/public/home.html", context)


@showcase_page(query=SEARCH_PARAMS)
def search(request):
    """Products by words, filters and sort; the form works as a plain GET without JavaScript."""
    form = SearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else Filters()
    products = products_search(filters)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page_obj": page,
        "products": page.object_list,
        **_seo(request, keep=SEARCH_PARAMS),
    }
    return render(request, "showcase/public/search.html", context)


@showcase_page(query=("page",))
def category(request, slug: str):
    category = selectors.category_by_slug(slug=slug)
    if category is None:
        raise Http404
    profiles = selectors.profiles_in_category(category=category)
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"category": category, "page_obj": page, "profiles": page.object_list, **_seo(request, keep=("page",))}
    return render(request, "showcase/public/category.html", context)


@showcase_page(query=("page",))
def sentra(request, slug: str):
    sentra = selectors.sentra_by_slug(slug=slug)
    if sentra is None:
        raise Http404
    profiles = selectors.profiles_in_sentra(sentra=sentra)
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"sentra": sentra, "page_obj": page, "profiles": page.object_list, **_seo(request, keep=("page",))}
    return render(request, "showcase/public/sentra.html", context)


@showcase_page(counted=True)
def profile(request, slug: str):
    """A business's public page; 404 as soon as it is no longer public."""
    profile = selectors.profile_public(slug=slug)
    if profile is None:
        raise Http404
    page_url = seo.absolute(_profile_path(profile))
    for link in profile.links:
        link.href = public_links.store_href(link)
    context = {
        "profile": profile,
        "business": profile.business,
        "categories": profile.business.kbli.showcase_categories.all(),
        "certifications": _certification_kinds(profile.business),
        "products": profile.products_public,
        "whatsapp_href": public_links.whatsapp_href(profile=profile, product=None, page_url=page_url),
        "inquiry_href": public_links.inquiry_href(profile=profile),
        "og_image": _og_image(next((p.photos_ordered[0] for p in profile.products_public if p.photos_ordered), None)),
        "ld_json": seo.ld_json(
            seo.business_ld(profile, url=page_url, product_url=lambda product: seo.absolute(_product_path_of(profile, product)))
        ),
        **_seo(request),
    }
    response = render(request, "showcase/public/profile.html", context)
    response[INTEREST_HEADER] = f"{InterestKind.PROFILE_VIEW}:{profile.pk}:"
    return response


def _product_path_of(profile, product) -> str:
    return reverse("showcase:product", args=[profile.slug, product.slug])


def _certification_kinds(business) -> list[str]:
    """Each kind of valid certification once, in words (never the number or the document)."""
    seen = {}
    for certification in business.certifications_valid:
        seen.setdefault(certification.kind, certification.get_kind_display())
    return list(seen.values())


def _og_image(photo) -> dict | None:
    if photo is None:
        return None
    return {"url": seo.absolute(seo.photo_url(photo.image_1280)), "width": photo.width, "height": photo.height, "alt": photo.alt}


@showcase_page(counted=True)
def product(request, profile_slug: str, slug: str):
    """A product's public page; 404 as soon as it or its business is no longer public."""
    found = selectors.product_page(profile_slug=profile_slug, slug=slug)
    if found is None:
        raise Http404
    product, related = found
    profile = product.profile
    page_url = seo.absolute(_product_path(product))
    profile_url = seo.absolute(_profile_path(profile))
    # The product's own listing first; the business's store for each marketplace it has no listing on.
    links = list(product.links)
    kinds = {link.kind for link in links}
    links += [link for link in profile.links if link.kind not in kinds]
    for link in links:
        link.href = public_links.store_href(link)
    context = {
        "product": product,
        "profile": profile,
        "business": profile.business,
        "photos": product.photos_ordered,
        "categories": profile.business.kbli.showcase_categories.all(),
        "certifications": _certification_kinds(profile.business),
        "links": links,
        "related": related,
        "whatsapp_href": public_links.whatsapp_href(profile=profile, product=product, page_url=page_url),
        "inquiry_href": public_links.inquiry_href(profile=profile, product=product),
        "report_href": public_links.report_href(product=product),
        "og_image": _og_image(product.photos_ordered[0] if product.photos_ordered else None),
        "ld_json": seo.ld_json(seo.product_ld(product, url=page_url, profile_url=profile_url)),
        **_seo(request),
    }
    response = render(request, "showcase/public/product.html", context)
    response[INTEREST_HEADER] = f"{InterestKind.PRODUCT_VIEW}:{profile.pk}:{product.pk}"
    return response


PHOTO_MAX_AGE_SECONDS = 3600
PHOTO_NAME = re.compile(r"[0-9a-f]{32}")  # photo_upload_to's uuid4().hex


@require_GET
def photo(request, product_id: int, name: str):
    """A product photo rendition, while its product is public (MEDIA_URL is private: certificate
    scans). The file name is the random one photo_upload_to gave it; a browser may keep it an
    hour, so a product hidden now may still show from a visitor's own cache until then."""
    if not PHOTO_NAME.fullmatch(name) or not selectors.products_public().filter(pk=product_id).exists():
        raise Http404
    path = f"etalase/{product_id}/{name}.webp"
    if not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path), content_type="image/webp")
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE_SECONDS}"
    return response


def _report_too_many(request) -> bool:
    return is_ratelimited(
        request, group="showcase-report", key="ip", rate=settings.RATELIMIT_SHOWCASE_REPORT, method="POST", increment=True
    )


@require_http_methods(["GET", "POST"])
def report(request, profile_slug: str, slug: str):
    """The "laporkan" form of a public product (not cached: it carries a CSRF token)."""
    product = selectors.product_public(profile_slug=profile_slug, slug=slug)
    if product is None:
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _report_too_many(request):
            messages.error(request, _("Terlalu banyak laporan dari alamat ini. Coba lagi nanti."))
        else:
            try:
                services.product_report_create(
                    product=product, reason=form.cleaned_data["reason"], message=form.cleaned_data["message"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Terima kasih. Laporan Anda akan diperiksa petugas Disnakerin."))
                return redirect("showcase:product", profile_slug=profile_slug, slug=slug)
    return render(request, "showcase/public/report.html", {"form": form, "product": product, "profile": product.profile})
