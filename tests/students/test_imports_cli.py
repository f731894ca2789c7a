"""The `ledger` commands: imports from files with clear messages, and a non-zero status when nothing is imported."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditLog
from portal.extensions import db
from portal.students.models import ImportBatch, ListMatch, SpendingRecord, Student
from tests.fixtures import import_files as files


@pytest.fixture
def write(tmp_path):
    def make(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return make


def ledger(runner, *args):
    return runner.invoke(args=["ledger", *args, "--lang", "en"])


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_roster_and_again(app, runner, write):
    path = write("2027届名单.xlsx", files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(5)))
    first = ledger(runner, "import-roster", path)
    assert first.exit_code == 0, first.output
    assert "Imported 2027届名单.xlsx: 5 created, 0 updated, 0 unchanged." in first.output
    again = ledger(runner, "import-roster", path)
    assert again.exit_code == 0 and "0 created, 0 updated, 5 unchanged" in again.output
    assert count(app, Student) == 5
    with app.app_context():
        batches = db.session.scalars(select(ImportBatch)).all()
        assert [b.via for b in batches] == ["cli", "cli"] and batches[0].imported_by_id is None
        detail = db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "import.roster"))
        assert "via=cli" in detail and "os_user=" in detail and "2027届名单.xlsx" in detail


def test_a_dry_run_writes_nothing(app, runner, write):
    path = write("roster.csv", files.csv_file(files.ROSTER_HEADERS_EN, files.roster(3), encoding="gbk"))
    result = ledger(runner, "import-roster", "--dry-run", path)
    assert result.exit_code == 0 and "Dry run" in result.output and "3 created" in result.output
    assert count(app, Student) == 0 and count(app, ImportBatch) == 0


def test_errors_are_listed_by_row_and_nothing_is_imported(app, runner, write):
    rows = files.roster(3)
    rows[1][5] = "大专"
    rows[2][0] = rows[0][0]
    result = ledger(runner, "import-roster", write("roster.xlsx", files.xlsx(files.ROSTER_HEADERS_ZH, rows)))
    assert result.exit_code == 1
    assert "row 3 · 学历层次" in result.output and "row 4 · Student number" in result.output
    assert "nothing was imported" in result.output
    assert count(app, Student) == 0


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7", files.csv_file(["姓名"], [["x"]]),
                                  files.csv_file(files.ROSTER_HEADERS_ZH, [])])
def test_unusable_files_exit_non_zero_with_a_message(app, runner, write, data):
    result = ledger(runner, "import-roster", write("x.xlsx", data))
    assert result.exit_code == 1 and "Nothing was imported." in result.output


def test_a_missing_file_is_a_usage_error(runner):
    assert ledger(runner, "import-roster", "/nonexistent/roster.xlsx").exit_code == 2


def test_import_list_by_category_name_or_code(app, runner, write, make_student):
    make_student(student_no="2026900001", display_name="张三")
    path = write("低保名单.csv", files.csv_file(["学号", "姓名"], [["2026900001", "张三"], ["2026900002", "李四"]]))
    result = runner.invoke(args=["ledger", "import-list", "--category", "低保", path, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "1 flagged for follow-up" in result.output and "1 matching nobody" in result.output
    assert "row 3" in result.output
    with app.app_context():
        match = db.session.scalar(select(ListMatch))
        assert (match.category, match.list_name) == ("low_income_guarantee", "低保名单")
    assert ledger(runner, "import-list", "--category", "nonsense", path).exit_code == 2


def test_a_list_that_matches_nobody_imports_nothing(app, runner, write):
    path = write("list.csv", files.csv_file(["学号", "姓名"], [["2026900009", "无名"]]))
    result = ledger(runner, "import-list", "--category", "disabled", path)
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    assert count(app, ImportBatch) == 0


def test_import_spending(app, runner, write, make_student):
    make_student(student_no="2026900001")
    rows = [["2026900001", m, "600", 70] for m in ("2026-03", "2026-04", "2026-05")]
    path = write("card.xlsx", files.xlsx(["学号", "月份", "食堂消费金额", "就餐次数"], rows))
    result = ledger(runner, "import-spending", path)
    assert result.exit_code == 0 and "3 months added" in result.output and "1 new hidden-hardship signals" in result.output
    assert count(app, SpendingRecord) == 3
    strangers = write("other.csv", files.csv_file(["学号", "月份", "食堂消费金额", "就餐次数"], [["2099000001", "2026-03", "1", 1]]))
    result = ledger(runner, "import-spending", strangers)
    assert result.exit_code == 1 and "not in the portal" in result.output


def test_refresh_signals(runner):
    result = runner.invoke(args=["ledger", "refresh-signals"])
    assert result.exit_code == 0 and "0 new signals" in result.output
