"""PDFs render Chinese with an embedded CJK font and fetch nothing but our static files."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from portal.pdf import render_pdf

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@needs_poppler
def test_chinese_text_is_rendered_with_an_embedded_cjk_font(app, tmp_path):
    with app.test_request_context():
        pdf = render_pdf("pdf/_sample.html", title="简历 王小明", body="临床医学 本科", image="medpath-static:/css/pdf.css")
    path = tmp_path / "sample.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "王小明" in text and "临床医学" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "WenQuanYi" in line or "Micro" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def test_local_files_and_outside_urls_are_not_fetched(app):
    from pathlib import Path

    from portal.pdf import FetchRefused, _static_fetcher

    fetcher = _static_fetcher(Path(app.static_folder))
    for url in ("file:///etc/passwd", "https://example.org/x.png", "medpath-static:/../portal/config.py"):
        with pytest.raises(FetchRefused):
            fetcher(url)
    response = fetcher("medpath-static:/css/pdf.css")
    assert response.headers["Content-Type"] == "text/css" and b"@page" in response.read()
    response.close()
