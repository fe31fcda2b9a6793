"""A small, safe text format for the pages staff write in the admin: never raw HTML.

Everything typed is escaped first; then only these are given meaning:

- ``## Judul`` and ``### Subjudul`` lines: headings (the page's own title is its only h1, so a
  single ``#`` is read as ``##``)
- lines starting with ``- `` (or ``* ``): a bulleted list; ``1. ``: a numbered list
- ``**tebal**``: bold
- ``[teks](https://...)``: a link, only to http(s), ``mailto:``, ``tel:``, ``https://wa.me/`` or
  a path of the portal (``/...``); any other target stays plain text
- a blank line: a new paragraph; a single line break inside a paragraph: a line break

Hand-written rather than a Markdown library: the portal needs these few forms, and a full
Markdown parser passes raw HTML through unless sanitised afterwards (one more library)."""

import re
from html import escape, unescape

from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(.*)$")
_ALLOWED_TARGETS = ("https://", "http://", "mailto:", "tel:")


def _target_allowed(target: str) -> bool:
    return target.startswith(_ALLOWED_TARGETS) or (target.startswith("/") and not target.startswith("//"))


def _link(match: re.Match) -> str:
    text, target = match.group(1), match.group(2)
    if not _target_allowed(unescape(target)):
        return match.group(0)
    external = target.startswith(("https://", "http://"))
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{target}"{rel}>{text}</a>'


def _inline(text: str) -> str:
    """One line of text, escaped, with bold and links."""
    html = escape(text, quote=True)
    html = _LINK.sub(_link, html)
    return _BOLD.sub(r"<strong>\1</strong>", html)


def render(text: str) -> SafeString:
    """``text`` (the format above) as HTML: every character typed is escaped before any tag is
    added, so no tag, attribute or script typed in the admin reaches the page."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def close_paragraph():
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_tag
        if items:
            out.append(f"<{list_tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        if heading:
            close_paragraph()
            close_list()
            level = max(len(heading.group(1)), 2)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                close_list()
            list_tag = tag
            items.append(_inline((bullet or numbered).group(1)))
        else:
            close_list()
            paragraph.append(_inline(line))
    close_paragraph()
    close_list()
    return mark_safe("\n".join(out))  # nosec B308 B703  # every text above is escaped before tags are added
