"""PDF rendering with WeasyPrint from HTML templates; only our own static files may be fetched."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app, render_template

STATIC_SCHEME = "medpath-static:/"


class FetchRefused(ValueError):
    pass


def _resolve_static(static_root: Path, url: str) -> Path:
    """The file a `medpath-static:/…` URL names, refusing anything else (file:, http:, ../)."""
    root = static_root.resolve()
    if not url.startswith(STATIC_SCHEME):
        raise FetchRefused(f"refused to fetch {url!r}")
    path = (root / url[len(STATIC_SCHEME):].lstrip("/")).resolve()
    if root not in path.parents or not path.is_file():
        raise FetchRefused(f"refused to fetch {url!r}")
    return path


def _static_fetcher(static_root: Path):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = _resolve_static(static_root, url)
            mime, _ = mimetypes.guess_type(path.name)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"})

    return StaticOnlyFetcher()


def render_pdf(template: str, **context) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes.

    Templates refer to static files as `medpath-static:/css/pdf.css`; nothing else is fetched,
    so user text can never make the renderer read local files or call outside servers.
    """
    from weasyprint import (
        HTML,  # imported lazily: it is slow to import and only PDFs need it
    )

    html = render_template(template, **context)
    fetcher = _static_fetcher(Path(current_app.static_folder))
    return HTML(string=html, url_fetcher=fetcher, base_url=STATIC_SCHEME).write_pdf()
