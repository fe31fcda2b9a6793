"""The showcase's owner URLs (see showcase/urls.py): /etalase/kelola/..."""

from django.urls import path

from . import views_owner

urlpatterns = [
    path("kelola/", views_owner.owner_home, name="owner-home"),
]
