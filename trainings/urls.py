from django.urls import path

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("saya/", views.mine, name="mine"),
    path("kalender.ics", views.feed, name="feed"),
    path("<int:pk>/", views.session_detail, name="session-detail"),
    path("<int:pk>/daftar/", views.register, name="register"),
    path("<int:pk>/kalender.ics", views.session_ics, name="session-ics"),
    path("pendaftaran/<int:pk>/batal/", views.cancel, name="cancel"),
]
