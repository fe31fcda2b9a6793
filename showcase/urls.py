"""The showcase under /etalase/: public pages, the owners' pages (kelola/) and the counted
redirects and inquiries (minat/), each in its own module, in one namespace."""

from . import urls_interest, urls_owner, urls_public

app_name = "showcase"

urlpatterns = [*urls_owner.urlpatterns, *urls_interest.urlpatterns, *urls_public.urlpatterns]
