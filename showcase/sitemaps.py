"""sitemap.xml (Django's sitemaps framework) and robots.txt: what search engines may read.

Every public business, product, category and sentra, in both languages (``?hl=id`` and
``?hl=en`` with ``xhtml:link`` alternates between them, as on the pages themselves: see
showcase/seo.py), and the public training sessions. Items come from the same selectors as the
pages, so a business that withdraws its consent leaves the sitemap on the next request. URLs
are on ``SITE_URL``, like the pages' canonical links, whatever host the crawler asked.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from . import selectors, seo


class _OnSiteUrl(Sitemap):
    """URLs on SITE_URL (scheme and host), not on the host of the request."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class _ShowcaseSitemap(_OnSiteUrl):
    """An entry per language (``?hl=``), each naming the other as its alternate."""

    i18n = True
    alternates = True

    def location(self, item):
        return f"{self.path(item)}?{seo.LANGUAGE_PARAM}={(get_language() or settings.LANGUAGE_CODE)[:2]}"

    def path(self, item) -> str:
        raise NotImplementedError

    def get_latest_lastmod(self):
        """For the index: one MAX() query, not a walk over every item (Django's default)."""
        if not hasattr(self, "lastmod"):
            return None
        return self.items().order_by().aggregate(latest=Max("updated_at"))["latest"]


class ProfileSitemap(_ShowcaseSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return selectors.profiles_public().select_related(None).only("slug", "updated_at").order_by("pk")

    def path(self, item) -> str:
        return reverse("showcase:profile", args=[item.slug])

    def lastmod(self, item):
        return item.updated_at


class ProductSitemap(_ShowcaseSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return (
            selectors.products_public()
            .select_related(None)
            .select_related("profile")
            .prefetch_related(None)
            .only("slug", "updated_at", "profile__slug")
            .order_by("pk")
        )

    def path(self, item) -> str:
        return reverse("showcase:product", args=[item.profile.slug, item.slug])

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(_ShowcaseSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return selectors.categories_all()

    def path(self, item) -> str:
        return reverse("showcase:category", args=[item.slug])


class SentraSitemap(CategorySitemap):
    def items(self):
        return selectors.sentra_all().select_related(None)

    def path(self, item) -> str:
        return reverse("showcase:sentra", args=[item.slug])


class PagesSitemap(_ShowcaseSitemap):
    priority = 0.9
    changefreq = "daily"

    def items(self):
        return ["showcase:home", "showcase:search"]

    def path(self, item) -> str:
        return reverse(item)


class TrainingSitemap(_OnSiteUrl):
    """The portal's home, the training catalogue and every public training session."""

    changefreq = "daily"

    def items(self):
        from trainings.models import TrainingSession
        from trainings.selectors import PUBLIC_STATUSES

        sessions = TrainingSession.objects.filter(status__in=PUBLIC_STATUSES).only("pk").order_by("pk")
        return ["home", "trainings:catalogue", *sessions]

    def location(self, item):
        if isinstance(item, str):
            return reverse(item)
        return reverse("trainings:session-detail", args=[item.pk])


SITEMAPS = {
    "etalase": PagesSitemap,
    "usaha": ProfileSitemap,
    "produk": ProductSitemap,
    "kategori": CategorySitemap,
    "sentra": SentraSitemap,
    "pelatihan": TrainingSitemap,
}

# Sign-in, the registry, recovery reports, the owners' showcase pages and the counted redirects
# are nobody's search result; the language switch and the inquiry form neither.
ROBOTS_DISALLOW = (
    "/admin/",
    "/akun/",
    "/usaha/",
    "/pemulihan/",
    "/etalase/kelola/",
    "/etalase/minat/",
    "/etalase/laporkan/",
    "/bahasa/",
)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
        "",
        f"Sitemap: {seo.absolute('/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def sitemap_section(request, section: str):
    """One section of the sitemap; a page number (``?p=``) that is not one of its pages gives its
    first page, as an unknown query parameter gives the page itself elsewhere in the portal."""
    from django.contrib.sitemaps.views import sitemap

    try:
        return sitemap(request, sitemaps=SITEMAPS, section=section)
    except Http404:
        if "p" not in request.GET or section not in SITEMAPS:
            raise
    request.GET = request.GET.copy()
    del request.GET["p"]
    return sitemap(request, sitemaps=SITEMAPS, section=section)
