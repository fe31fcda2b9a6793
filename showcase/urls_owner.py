"""The showcase's owner URLs (see showcase/urls.py): /etalase/kelola/..., and the public report form."""

from django.urls import path

from . import views_owner as views

urlpatterns = [
    path("kelola/", views.owner_home, name="owner-home"),
    path("kelola/foto/<int:pk>/<int:width>.webp", views.photo_file, name="owner-photo"),
    path("kelola/<int:business_pk>/", views.consent, name="owner-consent"),
    path("kelola/<int:business_pk>/setuju/", views.consent_give, name="owner-consent-give"),
    path("kelola/<int:business_pk>/tarik-persetujuan/", views.consent_withdraw, name="owner-consent-withdraw"),
    path("kelola/<int:business_pk>/profil/", views.profile_edit, name="owner-profile"),
    path("kelola/<int:business_pk>/produk/", views.product_list, name="owner-products"),
    path("kelola/<int:business_pk>/produk/tambah/", views.product_add, name="owner-product-add"),
    path("kelola/<int:business_pk>/produk/<int:pk>/", views.product_edit, name="owner-product-edit"),
    path("kelola/<int:business_pk>/produk/<int:pk>/hapus/", views.product_delete, name="owner-product-delete"),
    path("kelola/<int:business_pk>/produk/<int:pk>/<str:action>/", views.product_action, name="owner-product-action"),
    path("kelola/<int:business_pk>/foto/<int:pk>/hapus/", views.photo_remove, name="owner-photo-remove"),
    path("kelola/<int:business_pk>/foto/<int:pk>/utama/", views.photo_first, name="owner-photo-first"),
    path("kelola/<int:business_pk>/tautan/", views.links, name="owner-links"),
    path("kelola/<int:business_pk>/tautan/<int:pk>/hapus/", views.link_remove, name="owner-link-remove"),
]
