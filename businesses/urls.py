from django.urls import path

from . import views

app_name = "businesses"

urlpatterns = [
    path("daftar/", views.signup, name="signup"),
    path("saya/", views.owner_businesses, name="mine"),
    path("baru/", views.business_new, name="new"),
    path("", views.business_list, name="list"),
    path("ringkasan/", views.summary, name="summary"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ubah/", views.edit, name="edit"),
    path("<int:pk>/sertifikasi/tambah/", views.certification_add, name="certification-add"),
    path("sertifikasi/<int:pk>/dokumen/", views.certification_document, name="certification-document"),
]
