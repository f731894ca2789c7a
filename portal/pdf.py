"""PDF rendering with WeasyPrint from HTML templates; only our own static files may be fetched."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app, render_template


class FetchRefused(ValueError):
    pass


def _static_fetcher(static_root: Path):
    root = static_root.resolve()

    def fetch(url: str, *args, **kwargs):
        prefix = "medpath-static:/"
        if not url.startswith(prefix):
            raise FetchRefused(f"refused to fetch {url!r}")
        path = (root / url[len(prefix):].lstrip("/")).resolve()
        if root not in path.parents or not path.is_file():
            raise FetchRefused(f"refused to fetch {url!r}")
        mime, _ = mimetypes.guess_type(path.name)
        return {"string": path.read_bytes(), "mime_type": mime or "application/octet-stream"}

    return fetch


def render_pdf(template: str, **context) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes.

    Templates refer to static files as `medpath-static:/css/pdf.css`; nothing else is fetched,
    so user text can never make the renderer read local files or call outside servers.
    """
    from weasyprint import HTML  # imported lazily: it is slow to import and only PDFs need it

    html = render_template(template, **context)
    fetcher = _static_fetcher(Path(current_app.static_folder))
    return HTML(string=html, url_fetcher=fetcher, base_url="medpath-static:/").write_pdf()
