"""The showcase's owner URLs (see showcase/urls.py)."""

urlpatterns = []
