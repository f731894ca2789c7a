"""Resume PDFs: A4, Chinese-style or English-style layout, rendered by WeasyPrint with an embedded CJK font.

It renders like portal.pdf.render_pdf (same static-only URL fetcher) and adds one thing that helper
cannot do: the resume's photo, handed to WeasyPrint from memory under a private URL, so the photo
never has to be written to disk or served from a public address.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

from portal import pdf as core_pdf
from portal.resumes import sections as S
from portal.resumes.documents import view_of

PHOTO_URL = "medpath-photo:resume"


def _fetcher(resources: dict[str, tuple[bytes, str]]):
    from weasyprint.urls import URLFetcherResponse

    base = core_pdf._static_fetcher(Path(current_app.static_folder))

    class WithResources(type(base)):
        def fetch(self, url, headers=None):
            if url in resources:
                data, mime = resources[url]
                return URLFetcherResponse(url, data, {"Content-Type": mime})
            return super().fetch(url, headers)  # static files only; everything else is refused

    return WithResources()


def render(doc: dict, *, template: str | None = None, photo=None) -> bytes:
    """PDF bytes of a resume document (documents.document_of or a version's content)."""
    from weasyprint import HTML

    template = template if template in S.TEMPLATES else doc.get("template", "chinese")
    if template not in S.TEMPLATES:
        template = "chinese"
    view = view_of(doc)
    lang = view.language
    html = render_template(
        f"pdf/resume_{template}.html",
        view=view,
        lang=lang,
        headings={key: section.doc.get(lang, section.doc["en"]) for key, section in S.SECTIONS.items()},
        list_sections=S.LIST_SECTIONS,
        photo_url=PHOTO_URL if photo is not None else None,
        resume_word=S.word("resume", lang),
    )
    resources = {PHOTO_URL: (photo.data, photo.mime)} if photo is not None else {}
    return HTML(string=html, url_fetcher=_fetcher(resources), base_url=core_pdf.STATIC_SCHEME).write_pdf()
