"""The showcase's interest URLs (see showcase/urls.py): counted redirects and inquiries under
minat/, which robots.txt keeps crawlers out of."""

from django.urls import path

from . import views_interest

urlpatterns = [
    path("minat/wa/<slug:profile>/", views_interest.go_whatsapp, name="go-whatsapp"),
    path("minat/wa/<slug:profile>/<slug:product>/", views_interest.go_whatsapp, name="go-whatsapp"),
    path("minat/toko/<int:pk>/", views_interest.go_store, name="go-store"),
    path("minat/tanya/<slug:profile>/", views_interest.inquiry, name="inquiry"),
    path("minat/saya/", views_interest.owner_interest, name="interest-mine"),
    path("minat/tanya/<slug:profile>/terkirim/", views_interest.inquiry_sent, name="inquiry-sent"),
]
