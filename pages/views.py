from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from payakumbuh_ikm.public_cache import public_page
from payakumbuh_ikm.shortcuts import or_404

from .selectors import page_get


@public_page
@require_GET
def page_detail(request, slug: str):
    """Help, contact, privacy notice or terms, in the visitor's language; the same for everyone,
    so served from the public page cache (a page edited in the admin changes its version)."""
    page = or_404(page_get(slug=slug))
    language = translation.get_language() or "id"
    return render(
        request,
        "pages/page_detail.html",
        {"page": page, "title": page.title_in(language), "body": page.body_in(language)},
    )
