"""The portal's URLs and a trivial Django view, for the benches only (see bench_settings)."""

from django.http import HttpResponse
from django.urls import path

from payakumbuh_ikm.urls import handler500
from payakumbuh_ikm.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def trivial(request):
    """The floor: the same gunicorn, middleware and settings, no template and no query."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *portal_urlpatterns]
