"""The one sanitizer for user-written rich text, and its Jinja filter."""
from __future__ import annotations

import re

import bleach
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li",
        "blockquote", "code", "pre", "h3", "h4", "a", "span",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MAX_LENGTH = 50_000


def _link_attrs(attrs, new=False):
    attrs[(None, "rel")] = "noopener noreferrer nofollow"
    attrs[(None, "target")] = "_blank"
    return attrs


def _linkify(source):
    return bleach.linkifier.LinkifyFilter(source, callbacks=[_link_attrs], parse_email=False)


# links are made in the same pass as the cleaning (after it): one parse of the text instead of two
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_linkify],
)


def clean_html(text: str | None) -> str:
    """Sanitised HTML to store; scripts, handlers, styles and javascript: links are removed."""
    if not text:
        return ""
    return _cleaner.clean(text[:MAX_LENGTH])


def sanitize_html(text: str | None) -> Markup:
    """Jinja filter: rich text, cleaned again at display time in case the stored copy predates a rule.

    Cleaning a text costs bleach about a millisecond and a page may show a dozen, so each text's
    result is kept in the one cache for its default time (a rule changed by a release shows within it).
    """
    from hashlib import sha256

    from flask import has_app_context

    from portal.cache import cached

    if not text or not has_app_context():
        return Markup(clean_html(text))
    digest = sha256(text.encode()).hexdigest()
    return Markup(cached("sanitize_html", lambda: clean_html(text), tables=(), args=(digest,), per_viewer=False))


def plain_to_html(text: str) -> str:
    """Rich text to store from what a person typed as plain text: the text escaped, blank lines
    starting paragraphs, single newlines kept as line breaks."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if p.strip()]
    return clean_html(Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(p.split("\n"))) for p in paragraphs))
