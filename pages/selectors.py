from .models import Page, PageSlug


def page_get(*, slug: str) -> Page | None:
    """The information page ``slug``; None for any other name (or one deleted in the database)."""
    if slug not in PageSlug.values:
        return None
    return Page.objects.filter(slug=slug).first()
