from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import TemplateView

from payakumbuh_ikm import health, language, personal_data
from payakumbuh_ikm.public_cache import public_page
from showcase.sitemaps import SITEMAPS, robots_txt, sitemap_section
from trainings import views_certificates

# A database outage raised outside a view still answers with the friendly 503 page.
handler500 = "payakumbuh_ikm.middleware.server_error"

urlpatterns = [
    path("", public_page(TemplateView.as_view(template_name="home.html")), name="home"),
    # For search engines: what to read (every public showcase page, every public session) and what not.
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", public_page(sitemap_section, query=("p",)), name="sitemap-section"),
    path("favicon.ico", lambda request: redirect(static("favicon.ico"), permanent=True)),
    # The language menu's links (no form, so no CSRF token in the public pages: they can be cached).
    path("bahasa/<str:code>/", language.language_switch, name="language-switch"),
    # Django's POST switch, kept for old bookmarks and forms (and the registration-rush bench's floor).
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the accounts app's own URLs: it gathers from every app.
    path("akun/data-saya/", personal_data.my_data, name="my-data"),
    path("akun/data-saya/pdf/", personal_data.my_data_pdf, name="my-data-pdf"),
    # The owner's rights over their data (UU 27/2022): consent, deletion request.
    path("akun/privasi/", personal_data.my_privacy, name="my-privacy"),
    path("akun/privasi/tarik-persetujuan/", personal_data.consent_withdraw, name="consent-withdraw"),
    path("akun/privasi/beri-persetujuan/", personal_data.consent_give, name="consent-give"),
    path("akun/privasi/hapus/", personal_data.deletion_request, name="deletion-request"),
    path("akun/", include("accounts.urls")),
    path("usaha/", include("businesses.urls")),
    path("pelatihan/", include("trainings.urls")),
    # Printed on certificates and in their QR codes: short, outside /pelatihan/, never to change.
    path("sertifikat/<str:code>/", views_certificates.verify, name="certificate-verify"),
    path("pemulihan/", include("recovery.urls")),
    # Etalase IKM: the public showcase of verified IKM and their products, for buyers.
    path("etalase/", include("showcase.urls")),
    # Help, contact, privacy notice, terms (linked from every footer).
    path("info/", include("pages.urls")),
    # WhatsApp providers' delivery status callbacks (signed, CSRF-exempt).
    path("notifikasi/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    # For the uptime monitor: JSON, 200 when the database, cache, broker, worker and beat are fine.
    path("sehat/", health.health, name="health"),
]
