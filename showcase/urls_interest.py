"""The showcase's interest URLs (see showcase/urls.py)."""

urlpatterns = []
