"""The showcase's public URLs (see showcase/urls.py)."""

urlpatterns = []
