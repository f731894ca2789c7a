"""Importing destinations from Excel: checked row by row, previewed, then written whole or not at all;
spreadsheets the portal writes never run formulas."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditLog
from portal.extensions import db
from portal.spreadsheets import neutralise
from portal.outcomes.models import Destination, DestinationImport
from tests.fixtures import import_files as files
from tests.outcomes.helpers import destination

EN = {"Accept-Language": "en"}
HEADERS = ["学号", "毕业去向", "单位名称", "单位性质", "医院等级", "省份", "基层", "落实日期"]


def _xlsx(rows, headers=HEADERS) -> bytes:
    return files.xlsx(headers, rows)


def _upload(client, data: bytes, name="去向.xlsx", verified=True):
    form = {"file": (io.BytesIO(data), name)}
    if verified:
        form["verified"] = "y"
    return client.post("/outcomes/destinations/import", data=form, content_type="multipart/form-data", headers=EN)


def test_a_good_file_is_previewed_then_applied(app, client_as, make_student):
    a, b, c = (make_student(graduation_year=2026, student_no=no) for no in ("2021010001", "2021010002", "2021010003"))
    old = destination(app, a, "awaiting", decided_on=None)
    admin = client_as("admin")
    response = _upload(admin, _xlsx([
        ["2021010001", "11", "遵义市第一人民医院", "医疗卫生单位", "三级甲等", "贵州", "否", datetime(2026, 5, 20)],
        ["2021010002", "规培", "四川省人民医院", "", "三级甲等", "四川", "", "2026-07-15"],
        [2021010003, "境内升学", "重庆医科大学", "", "", "重庆", "", "2026/04/02"],
    ]))
    assert response.status_code == 302
    preview = admin.get(response.location, headers=EN).get_data(as_text=True)
    assert "3 rows read; 3 ready, 0 with errors." in preview
    with app.app_context():
        assert db.session.scalar(select(func.count(Destination.id))) == 1  # nothing written yet
        record_id = db.session.scalar(select(DestinationImport.id))
    assert admin.post(f"/outcomes/destinations/import/{record_id}/apply").status_code == 302
    with app.app_context():
        rows = {d.student_id: d for d in db.session.scalars(select(Destination).where(Destination.is_current == True))}  # noqa: E712
        assert rows[a.id].category == "labour_contract" and rows[a.id].hospital_level == "3a" and rows[a.id].verified
        assert rows[b.id].category == "residency" and rows[b.id].post_type == "residency"
        assert rows[c.id].decided_on == date(2026, 4, 2) and rows[c.id].source == "import"
        assert db.session.get(Destination, old).is_current is False
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "destinations.imported"))
    again = admin.post(f"/outcomes/destinations/import/{record_id}/apply", headers=EN)
    assert again.status_code == 409


def test_a_file_with_any_wrong_row_writes_nothing(app, client_as, make_student):
    make_student(student_no="2021010001")
    make_student(student_no="2021010002")
    admin = client_as("admin")
    response = _upload(admin, _xlsx([
        ["2021010001", "10", "某医院", "", "", "贵州", "", "2026-05-01"],
        ["2099999999", "10", "某医院", "", "", "贵州", "", "2026-05-01"],
        ["2021010002", "宇航员", "", "", "", "", "", ""],
        ["2021010001", "70", "", "", "", "", "", ""],
        ["2021010002", "10", "某医院", "", "", "贵州", "也许", "2026-05-01"],
    ]))
    preview = admin.get(response.location, headers=EN).get_data(as_text=True)
    assert "No student has the number 2099999999." in preview
    assert "Unknown destination 宇航员" in preview
    assert "This student is also on row 2." in preview
    assert "Write 是 or 否 (yes or no)." in preview
    with app.app_context():
        record_id = db.session.scalar(select(DestinationImport.id))
    refused = admin.post(f"/outcomes/destinations/import/{record_id}/apply", headers=EN)
    assert refused.status_code == 400 and "nothing is imported while any row is wrong" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Destination.id))) == 0


def test_a_file_that_is_not_a_workbook_is_refused(app, client_as):
    admin = client_as("admin")
    fake = _upload(admin, b"student_no,category\n1,10\n", name="fake.xlsx")
    assert fake.status_code == 400 and "This is not an Excel workbook" in fake.get_data(as_text=True)
    no_columns = _upload(admin, _xlsx([["x"]], headers=["姓名"]))
    assert no_columns.status_code == 400 and "missing" in no_columns.get_data(as_text=True)
    wrong_type = _upload(admin, b"PK\x03\x04rest", name="a.csv")
    assert wrong_type.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(DestinationImport.id))) == 0


def test_spreadsheets_never_run_formulas(app, client_as):
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"):
        assert neutralise(text).startswith("'")
    assert neutralise("遵义市第一人民医院") == "遵义市第一人民医院" and neutralise(12) == 12
    data = client_as("admin").get("/outcomes/destinations/import/template.xlsx").data
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 2
    codes = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "10" in codes and "85" in codes and "规培" in codes
