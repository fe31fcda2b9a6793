from django.urls import path

from . import webhooks

app_name = "notifications"

urlpatterns = [
    path("whatsapp/meta/", webhooks.meta_webhook, name="whatsapp-meta"),
    path("whatsapp/fonnte/<str:secret>/", webhooks.fonnte_webhook, name="whatsapp-fonnte"),
]
