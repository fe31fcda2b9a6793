from django.http import Http404

from .models import Page, PageSlug


def page_get(*, slug: str) -> Page:
    """The information page ``slug``; 404 for any other name (or one deleted in the database)."""
    if slug not in PageSlug.values:
        raise Http404
    page = Page.objects.filter(slug=slug).first()
    if page is None:
        raise Http404
    return page
