"""The import pages: upload, preview kept on the server, confirm or discard, templates and problem reports."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditLog
from portal.extensions import db
from portal.students.models import ImportBatch, ListMatch, Student
from tests.fixtures import import_files as files

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def staging(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_STAGING_DIR", str(tmp_path / "staged"))


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def upload(client, kind: str, data: bytes, filename: str = "roster.xlsx", **fields):
    form = {f"{kind}-file": (io.BytesIO(data), filename), **{f"{kind}-{k}": v for k, v in fields.items()}}
    return client.post(f"/admin/imports/{kind}", data=form, content_type="multipart/form-data", headers=EN)


def students(app) -> int:
    """Students other than the fixtures' own."""
    with app.app_context():
        return db.session.scalar(select(func.count(Student.id)).where(Student.student_no.like("2026900%")))


def test_the_imports_page_offers_each_import_and_its_template(admin):
    page = admin.get("/admin/imports/", headers=EN).get_data(as_text=True)
    for kind in ("roster", "list", "spending"):
        assert f'action="/admin/imports/{kind}"' in page and f"/admin/imports/{kind}/template.xlsx" in page
    assert "reset their password" in page and "/follow-up/spending" in page and "/follow-up/lists" in page


def test_the_roster_template_has_the_chinese_header_row_and_text_columns(admin):
    response = admin.get("/admin/imports/roster/template.xlsx", headers=EN)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == ["学号", "姓名", "性别", "学院", "专业", "学历层次", "毕业年份", "班级", "生源地",
                                          "城乡", "手机", "邮箱"]
    assert sheet["A2"].number_format == "@" and sheet["K2"].number_format == "@" and sheet["B2"].number_format != "@"
    assert len(workbook.worksheets) == 2  # the notes on each column


def test_upload_preview_and_confirm_a_roster(app, admin, users):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(3)))
    assert response.status_code == 303 and "/admin/imports/preview/" in response.location
    preview = admin.get(response.location, headers=EN)
    body = preview.get_data(as_text=True)
    assert "3 created, 0 updated, 0 unchanged" in body and "passed every check" in body
    assert "New student and account" in body
    assert students(app) == 0  # nothing written before confirmation
    token = response.location.rsplit("/", 1)[1]
    done = admin.post(f"/admin/imports/preview/{token}/confirm", headers=EN, follow_redirects=True)
    assert "Imported roster.xlsx: 3 created, 0 updated, 0 unchanged." in done.get_data(as_text=True)
    assert students(app) == 3
    with app.app_context():
        batch = db.session.scalar(select(ImportBatch))
        assert (batch.kind, batch.filename, batch.imported_by_id, batch.via) == ("roster", "roster.xlsx", users["admin"].id, "web")
        actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
        assert "import.previewed" in actions and "import.roster" in actions
    # the preview is gone once used
    assert admin.post(f"/admin/imports/preview/{token}/confirm").status_code == 404
    history = admin.get("/admin/imports/", headers=EN).get_data(as_text=True)
    assert "roster.xlsx" in history and "3 created" in history


def test_a_preview_is_private_to_the_administrator_who_uploaded_it(app, admin, make_user, login):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(1)))
    other = login(app.test_client(), make_user("admin"))
    assert other.get(response.location).status_code == 404
    token = response.location.rsplit("/", 1)[1]
    assert other.post(f"/admin/imports/preview/{token}/confirm").status_code == 404
    assert students(app) == 0


def test_discarding_a_preview_imports_nothing(app, admin):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(2)))
    token = response.location.rsplit("/", 1)[1]
    assert admin.post(f"/admin/imports/preview/{token}/cancel").status_code == 303
    assert admin.get(response.location).status_code == 404 and students(app) == 0


def test_a_file_with_errors_shows_each_problem_and_cannot_be_confirmed(app, admin):
    rows = files.roster(3)
    rows[2][6] = "1990"
    response = upload(admin, "roster", files.csv_file(files.ROSTER_HEADERS_ZH, rows, encoding="gbk"), "roster.csv")
    page = admin.get(response.location, headers=EN).get_data(as_text=True)
    assert "1 error: nothing will be imported" in page and "毕业年份" in page and "1990" in page
    assert 'data-testid="confirm-import"' not in page
    token = response.location.rsplit("/", 1)[1]
    refused = admin.post(f"/admin/imports/preview/{token}/confirm", headers=EN)
    assert refused.status_code == 400 and students(app) == 0


def test_the_problem_report_is_a_formula_safe_csv(admin):
    rows = files.roster(2)
    rows[0][10] = "=cmd|' /C calc'!A0"
    data = files.csv_file(files.ROSTER_HEADERS_ZH + ["=HYPERLINK(\"x\")"], [r + ["1"] for r in rows])
    response = upload(admin, "roster", data, "roster.csv")
    report = admin.get(response.location + "/problems.csv", headers=EN)
    assert report.status_code == 200 and report.mimetype == "text/csv"
    text = report.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text
    assert "not a phone number" in text


def test_the_database_changing_after_the_preview_is_caught_at_confirmation(app, admin, make_user):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(2)))
    make_user("mentor", username="2026900002")  # someone takes the username meanwhile
    token = response.location.rsplit("/", 1)[1]
    refused = admin.post(f"/admin/imports/preview/{token}/confirm", headers=EN)
    assert refused.status_code == 409 and "already used by another account" in refused.get_data(as_text=True)
    assert students(app) == 0


@pytest.mark.parametrize("data, filename, words", [
    (b"%PDF-1.4 not a sheet", "roster.xlsx", "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "roster.xls", "97"),
    (files.csv_file(["学号", "姓名"], [["1", "x"]]), "roster.csv", "学院 (college)"),
])
def test_unusable_files_are_refused_on_the_imports_page(app, admin, data, filename, words):
    response = upload(admin, "roster", data, filename)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and words in body and 'data-testid="file-error"' in body
    with app.app_context():
        refused = db.session.scalar(select(AuditLog).where(AuditLog.action == "import.refused"))
        assert filename in refused.detail


def test_an_upload_without_a_file_is_refused(admin):
    response = admin.post("/admin/imports/spending", data={}, headers=EN)
    assert response.status_code == 400 and "Choose a file" in response.get_data(as_text=True)


def test_a_certification_list_through_the_web(app, admin, make_student):
    make_student(student_no="2026900001", display_name="张三")
    data = files.xlsx(["学号", "姓名"], [["2026900001", "张三"], ["2026900099", "无名"]])
    response = upload(admin, "list", data, "低保名单.xlsx", category="low_income_guarantee", list_name="")
    page = admin.get(response.location, headers=EN).get_data(as_text=True)
    assert "1 flagged for follow-up" in page and "1 matching nobody" in page and "无名" in page
    assert "Flagged for a discreet check" in page
    token = response.location.rsplit("/", 1)[1]
    admin.post(f"/admin/imports/preview/{token}/confirm")
    with app.app_context():
        match = db.session.scalar(select(ListMatch))
        assert match.list_name == "低保名单" and match.category == "low_income_guarantee"


def test_a_list_matching_nobody_has_nothing_to_import(app, admin):
    data = files.xlsx(["学号", "姓名"], [["2026900099", "无名"]])
    response = upload(admin, "list", data, "list.xlsx", category="disabled")
    page = admin.get(response.location, headers=EN).get_data(as_text=True)
    assert "nothing to import" in page
    token = response.location.rsplit("/", 1)[1]
    assert admin.post(f"/admin/imports/preview/{token}/confirm").status_code == 400


def test_imports_pages_are_for_administrators_only(client_as):
    for role in ("student", "mentor", "alumni"):
        client = client_as(role)
        assert client.get("/admin/imports/").status_code == 403
        assert upload(client, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(1))).status_code == 403


def test_the_preview_in_chinese(admin):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(1)))
    page = admin.get(response.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "确认导入" in page  # needs the merged catalogue


@pytest.mark.real_commits
def test_confirming_twice_at_once_imports_once(app, client_as, make_user, login):
    import threading

    admin_user = make_user("admin")
    first, second = login(app.test_client(), admin_user), login(app.test_client(), admin_user)
    response = upload(first, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(300)))
    token = response.location.rsplit("/", 1)[1]
    barrier = threading.Barrier(2)
    statuses = []

    def confirm(client):
        barrier.wait()
        statuses.append(client.post(f"/admin/imports/preview/{token}/confirm").status_code)

    threads = [threading.Thread(target=confirm, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 404]
    assert students(app) == 300
    with app.app_context():
        assert db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_a_refused_confirmation_can_be_retried(app, admin, make_user):
    response = upload(admin, "roster", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(2)))
    token = response.location.rsplit("/", 1)[1]
    blocker = make_user("mentor", username="2026900002")
    assert admin.post(f"/admin/imports/preview/{token}/confirm").status_code == 409
    with app.app_context():
        db.session.delete(db.session.get(type(blocker), blocker.id))
        db.session.commit()
    assert admin.post(f"/admin/imports/preview/{token}/confirm").status_code == 303
    assert students(app) == 2
