"""The showcase's public URLs (see showcase/urls.py). A profile's slug sits right under /etalase/,
after the owner's (kelola/) and interest (minat/) URLs and the fixed words below: a profile slug
must not be one of RESERVED_SLUGS."""

from django.urls import path

from . import views_public

# Words under /etalase/ that are not business pages (for the slug maker: h6's services).
RESERVED_SLUGS = frozenset({"cari", "kategori", "sentra", "kelola", "minat", "laporkan", "foto"})

urlpatterns = [
    path("", views_public.home, name="home"),
    path("cari/", views_public.search, name="search"),
    path("kategori/<slug:slug>/", views_public.category, name="category"),
    path("sentra/<slug:slug>/", views_public.sentra, name="sentra"),
    path("foto/<int:product_id>/<str:name>.webp", views_public.photo, name="photo"),
    path("laporkan/<slug:profile_slug>/<slug:slug>/", views_public.report, name="report"),
    path("<slug:slug>/", views_public.profile, name="profile"),
    path("<slug:profile_slug>/<slug:slug>/", views_public.product, name="product"),
]
