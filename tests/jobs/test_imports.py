"""Importing postings from Excel: checked upload, preview with each row's errors, all or nothing; safe exports."""
from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.clock import local_today
from portal.extensions import db
from portal.jobs.models import JobPosting, PostingImport
from tests.fixtures import import_files as files
from tests.jobs.conftest import EN

HEADER = ["岗位名称", "用人单位", "单位性质", "医院等级", "基层单位类型", "省份", "城市", "岗位类型", "专业要求", "最低学历",
          "月薪下限", "月薪上限", "截止日期", "岗位描述"]


def workbook(*rows, header=HEADER) -> bytes:
    return files.xlsx(header, rows)


def good_row(title="全科医生", **changes):
    row = dict(title=title, employer="石桥镇卫生院", nature="医疗卫生事业单位", level="", grassroots="乡镇卫生院",
               province="贵州省", city="威宁县", post_type="编制", majors="临床医学、中西医临床医学", degree="本科",
               low=3800, high=5200, deadline=local_today() + timedelta(days=30), description="<p>基层岗位</p>")
    row.update(changes)
    return list(row.values())


def upload(client, content, filename="postings.xlsx"):
    return client.post("/jobs/manage/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=EN)


def postings(app):
    with app.app_context():
        return db.session.scalar(select(func.count(JobPosting.id)))


def test_preview_then_confirm_imports_every_row(app, client_as):
    client = client_as("admin")
    response = upload(client, workbook(good_row(), good_row("公卫医师", majors="预防医学", deadline="2099/3/1")))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 postings are ready to import" in body
    assert postings(app) == 0
    with app.app_context():
        import_id = db.session.scalar(select(PostingImport.id))
    response = client.post(f"/jobs/manage/import/{import_id}/confirm")
    assert response.status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(JobPosting).order_by(JobPosting.id)).all()
        assert [p.title for p in rows] == ["全科医生", "公卫医师"]
        assert rows[0].grassroots and rows[0].province == "贵州" and rows[0].post_type == "establishment"
        assert rows[1].deadline == date(2099, 3, 1) and rows[0].status == "draft"
    again = client.post(f"/jobs/manage/import/{import_id}/confirm", headers=EN)
    assert again.status_code == 303 and postings(app) == 2
    assert "already been imported" in client.get("/jobs/manage/import", headers=EN).get_data(as_text=True)


def test_bad_rows_are_listed_and_nothing_is_imported(app, client_as, make_posting):
    make_posting(title="已有岗位", employer="石桥镇卫生院", province="贵州", deadline=local_today() + timedelta(days=30),
                 grassroots_type="township_health_center", hospital_level="")
    client = client_as("admin")
    content = workbook(
        good_row(),
        good_row("薪资倒挂", low=9000, high=3000),
        good_row("过期", deadline=local_today() - timedelta(days=1)),
        good_row("脚本", description="<script>alert(1)</script>"),
        good_row("火星", province="火星"),
        good_row(),
        good_row("已有岗位"),
    )
    response = upload(client, content)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "6 rows have errors" in body
    assert "is below the lowest" in body and "has already passed" in body and "scripts" in body
    assert "Choose a province." in body and "The same posting as row 2" in body and "already in the portal" in body
    assert "<script>alert(1)</script>" not in body
    assert "confirm-import" not in body
    with app.app_context():
        assert db.session.scalar(select(func.count(PostingImport.id))) == 0
    assert postings(app) == 1


def test_files_that_are_not_workbooks_are_refused(app, client_as):
    client = client_as("admin")
    for content, name in ((b"title,employer\n", "postings.csv"), (b"%PDF-1.4 fake", "postings.xlsx"),
                          (b"PK\x03\x04garbage", "postings.xlsx"), (b"", "empty.xlsx")):
        response = upload(client, content, name)
        assert response.status_code == 400, name
        body = response.get_data(as_text=True)
        assert "not an Excel workbook" in body or "cannot be read" in body or "empty" in body or "required" in body
    response = upload(client, workbook(["名称", "单位"], header=["名称", "单位"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Required columns are missing" in body and "岗位名称 (Title)" in body
    assert postings(app) == 0


def test_only_the_uploader_confirms_an_import(app, client_as, make_user, login):
    client = client_as("admin")
    upload(client, workbook(good_row()))
    with app.app_context():
        import_id = db.session.scalar(select(PostingImport.id))
    other_admin = login(app.test_client(), make_user("admin"))
    assert other_admin.post(f"/jobs/manage/import/{import_id}/confirm").status_code == 404
    assert client_as("mentor").post(f"/jobs/manage/import/{import_id}/confirm").status_code == 403
    assert postings(app) == 0


def test_template_reimports_and_exports_cannot_run_formulas(app, client_as, make_posting):
    client = client_as("admin")
    template = client.get("/jobs/manage/template.xlsx")
    assert template.status_code == 200 and template.headers["Content-Type"].startswith("application/vnd.openxml")
    assert upload(client, template.data).status_code == 200
    make_posting(title="=HYPERLINK(\"http://evil\",\"点我\")", employer="+SUM(A1)", city="@cmd")
    export = client.get("/jobs/manage/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "'=HYPERLINK(\"http://evil\",\"点我\")" and values[1] == "'+SUM(A1)" and values[7] == "'@cmd"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
