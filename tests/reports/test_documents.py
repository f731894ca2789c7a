"""The cohort report as a PDF (Chinese and English, embedded CJK font, small groups suppressed) and
the workbook of the ledger and destinations (formula-safe, audited), from the web and the command line."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditLog
from portal.extensions import db
from tests.outcomes.helpers import destination, hardship

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def _class(app, make_student, n=12):
    students = [make_student(graduation_year=2026, college="临床医学院", major="临床医学") for _ in range(n)]
    students.append(make_student(graduation_year=2026, college="药学院", major="临床药学",
                                 display_name="=HYPERLINK(\"http://evil\")"))
    for i, s in enumerate(students):
        destination(app, s, ["agreement", "residency", "awaiting"][i % 3],
                    decided_on=None if i % 3 == 2 else date(2026, 5, 1 + i))
    for s in students[:6]:
        hardship(app, s)
    hardship(app, students[-1], "orphan")
    return students


def _text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_the_english_report_has_the_figures_and_suppresses_small_groups(app, client_as, make_student, tmp_path):
    _class(app, make_student)
    response = client_as("admin").get("/reports/cohort.pdf?year=2026&lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(tmp_path, response.data)
    assert "Employment outcomes of the class of 2026" in text
    assert "Destination rate by college" in text and "临床医学院" in text
    assert "<5" in text  # the college of pharmacy has one graduate
    assert "Orphan or without guardian" in text
    with app.app_context():
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "report.cohort_pdf")) == "lang=en"


@needs_poppler
def test_the_chinese_report_embeds_its_font(app, runner, make_student, tmp_path):
    _class(app, make_student)
    out = tmp_path / "cohort.pdf"
    result = runner.invoke(args=["report", "cohort", "--year", "2026", "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "临床医学院" in text and "2026" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)
    assert "2026届毕业生就业质量分析报告" in text
    assert "去向知晓率" in text and "NACE 职业结果率" in text
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "report.cohort_pdf"))


def test_the_workbook_lists_every_graduate_without_running_formulas(app, client_as, make_student):
    _class(app, make_student)
    response = client_as("admin").get("/reports/cohort.xlsx?year=2026&lang=en")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Graduates", "Destination records", "Destination codes"]
    rows = list(book["Graduates"].iter_rows(values_only=True))
    assert len(rows) == 14 and rows[0][0] == "Student number"
    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert all(not (isinstance(c, str) and c.startswith("=")) for r in rows for c in r)
    orphan = next(r for r in rows if r[1].startswith("'="))
    assert orphan[7] == "yes" and orphan[8] == "Orphan or without guardian"
    summary = [c for r in book["Summary"].iter_rows(values_only=True) for c in r if c]
    assert "<5" in summary
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "report.cohort_xlsx"))


def test_the_command_line_writes_the_workbook_and_refuses_bad_years(app, runner, make_student, tmp_path):
    _class(app, make_student, n=3)
    out = tmp_path / "cohort.xlsx"
    result = runner.invoke(args=["report", "cohort", "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert runner.invoke(args=["report", "cohort", "--year", "26", "--out", str(out)]).exit_code != 0


def test_report_settings_belong_to_the_office(app, client_as):
    admin = client_as("admin")
    page = admin.get("/reports/exports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Standardised residency training" in page
    assert re.search(r'<input checked[^>]*value="residency"', page) and not re.search(r'<input checked[^>]*value="awaiting"', page)
    saved = admin.post("/reports/exports", data={"placed_categories": ["agreement", "domestic_study"], "residency_code": "11",
                                                  "min_group_size": "10", "survey_batch": "10"})
    assert saved.status_code == 302
    from portal import settings

    with app.app_context():
        assert settings.get("outcomes.placed_categories") == ["agreement", "domestic_study"]
        assert settings.get("outcomes.min_group_size") == 10
    bad = admin.post("/reports/exports", data={"residency_code": "abc", "min_group_size": "1", "survey_batch": "5"})
    assert bad.status_code == 400
