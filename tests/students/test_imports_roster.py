"""Roster import: students and their accounts created or updated by student number, all or nothing."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.audit.models import AuditLog
from portal.extensions import db
from portal import imports
from portal.students import import_services
from portal.students.import_services import KINDS
from portal.students.models import ImportBatch, ProfileChange, Student
from tests.fixtures import import_files as files

ROSTER = KINDS["roster"]


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}), force_locale("en"):
        yield
        db.session.rollback()


def run(data: bytes, *, actor=None, commit=True):
    rows, plan = imports.preview(ROSTER, data)
    if commit and not plan.errors:
        import_services.commit(ROSTER, rows, options={}, actor=actor, filename="roster.xlsx", file_sha256=imports.sha256(data))
        db.session.commit()
    return plan


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_roster_creates_students_and_accounts_that_cannot_sign_in_yet(ctx):
    rows = files.roster(3)
    rows[0][2], rows[0][5], rows[0][8], rows[0][9] = "男", "硕士", "四川省", "农村"
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, rows))
    assert ROSTER.describe(plan.counts) == "3 created, 0 updated, 0 unchanged"
    student = db.session.scalar(select(Student).where(Student.student_no == "2026900001"))
    assert (student.gender, student.degree_level, student.home_province, student.origin) == ("male", "master", "四川", "rural")
    assert student.graduation_year == 2027 and student.college == rows[0][3] and student.phone == rows[0][10]
    user = student.user
    assert user.username == "2026900001" and user.role == "student" and user.display_name == rows[0][1]
    assert user.email == "s1@example.edu.cn" and user.must_change_password and user.active
    assert accounts.authenticate("2026900001", "") is None
    assert accounts.authenticate("2026900001", user.password_hash) is None
    assert ImportBatch.query.one().counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "import.roster")).count("created=3") == 1


def test_the_administrator_gives_a_new_student_a_first_password(ctx, make_user):
    run(files.csv_file(files.ROSTER_HEADERS_EN, files.roster(1)))
    admin = db.session.merge(make_user("admin"))
    user = accounts.get_user_by_username("2026900001")
    accounts.reset_password(user, "temporary-pass-1", actor=admin)
    db.session.commit()
    assert accounts.authenticate("2026900001", "temporary-pass-1") is not None
    assert user.must_change_password


def test_importing_the_same_file_again_changes_nothing(ctx):
    data = files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(4))
    run(data)
    before = db.session.execute(select(Student.id, Student.updated_at, User.password_hash).join(User)).all()
    plan = run(data)
    assert ROSTER.describe(plan.counts) == "0 created, 0 updated, 4 unchanged"
    assert db.session.execute(select(Student.id, Student.updated_at, User.password_hash).join(User)).all() == before
    assert count(ProfileChange) == 0 and count(User) == 4


def test_english_headers_and_values_in_another_order(ctx):
    headers = list(reversed(files.ROSTER_HEADERS_EN))
    row = list(reversed(files.roster_row(1, gender="female", degree="doctor", origin="urban", home_province="Guizhou")))
    plan = run(files.csv_file(headers, [row]))
    assert plan.counts["created"] == 1
    student = db.session.scalar(select(Student))
    assert (student.gender, student.degree_level, student.origin, student.home_province) == ("female", "doctor", "urban", "贵州")


def test_changes_update_the_student_and_are_kept_for_the_archive(ctx, make_user):
    run(files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(3)))
    admin = db.session.merge(make_user("admin"))
    rows = files.roster(3)
    rows[1][4], rows[1][1] = "麻醉学", "改名字"
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, rows), actor=admin)
    assert plan.counts == {"created": 0, "updated": 1, "unchanged": 2}
    student = db.session.scalar(select(Student).where(Student.student_no == "2026900002"))
    assert student.major == "麻醉学" and student.user.display_name == "改名字"
    change = db.session.scalar(select(ProfileChange))
    assert change.student_id == student.id and change.changed_by_id == admin.id
    old_major = files.roster_row(2)[4]
    assert change.changes["major"] == [old_major, "麻醉学"] and change.changes["name"][1] == "改名字"
    assert plan.details[0]["changes"]["major"] == [old_major, "麻醉学"]


def test_empty_cells_keep_values_and_contact_details_only_fill_gaps(ctx):
    run(files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(2)))
    student = db.session.scalar(select(Student).where(Student.student_no == "2026900002"))
    student.phone = None  # the student removed it; the other keeps theirs
    db.session.commit()
    rows = files.roster(2)
    rows[0][7] = ""  # class left empty
    rows[0][10] = "13912345678"  # the registrar has an older number
    rows[1][10] = "13912345679"
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, rows))
    assert plan.counts == {"created": 0, "updated": 1, "unchanged": 1}
    first = db.session.scalar(select(Student).where(Student.student_no == "2026900001"))
    assert first.class_name == files.roster_row(1)[7] and first.phone == files.roster_row(1)[10]
    second = db.session.scalar(select(Student).where(Student.student_no == "2026900002"))
    assert second.phone == "13912345679"


def test_every_bad_row_is_reported_and_nothing_is_written(ctx):
    rows = files.roster(8)
    rows[1][0] = rows[0][0]  # duplicate student number
    rows[2][6] = "20X7"  # bad year
    rows[3][10] = "1380013800"  # ten digits
    rows[4][5] = "专科"  # unknown degree
    rows[5][11] = "not-an-email"
    rows[6][1] = ""  # no name
    rows[7][8] = "火星"
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, rows))
    found = {(p.row, p.column) for p in plan.errors}
    assert found == {(3, "Student number"), (4, "毕业年份"), (5, "手机"), (6, "学历层次"), (7, "邮箱"), (8, "姓名"), (9, "生源地")}
    messages = " ".join(p.message for p in plan.errors)
    assert "already appears in row 2" in messages and "专科" in messages and "not a phone number" in messages
    assert count(Student) == 0 and count(User) == 0 and count(ImportBatch) == 0
    with pytest.raises(imports.RowsRejected):
        rows_, _ = imports.preview(ROSTER, files.xlsx(files.ROSTER_HEADERS_ZH, rows))
        import_services.commit(ROSTER, [r for r in rows_ if not r.get("_bad")], options={}, actor=None, filename="x",
                       file_sha256="0")


def test_a_student_number_taken_by_another_account_is_refused(ctx, make_user):
    make_user("mentor", username="2026900001")
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(2)))
    assert [(p.row, "already used" in p.message) for p in plan.errors] == [(2, True)]
    assert count(Student) == 0


def test_a_student_account_without_a_profile_is_given_one(ctx, make_user):
    user = make_user("student", username="2026900001", display_name="旧名")
    plan = run(files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(1)))
    assert plan.counts["created"] == 1
    student = db.session.scalar(select(Student))
    assert student.user_id == user.id and student.user.display_name == files.roster_row(1)[1]
    assert count(User) == 1


def test_national_id_numbers_are_kept_only_hashed_and_masked(ctx):
    number = files.national_id(3)
    headers = files.ROSTER_HEADERS_ZH + ["身份证号"]
    run(files.xlsx(headers, [files.roster_row(1) + [number]]))
    student = db.session.scalar(select(Student))
    assert student.national_id_masked == number[:3] + "*" * 11 + number[-4:]
    assert student.national_id_hash and number not in student.national_id_hash
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).all():
            assert number not in str(row)


def test_a_national_id_with_a_wrong_check_digit_or_already_used_is_refused(ctx):
    good = files.national_id(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    headers = files.ROSTER_HEADERS_ZH + ["身份证号"]
    plan = run(files.xlsx(headers, [files.roster_row(1) + [bad]]))
    assert "check digit" in plan.errors[0].message and good not in plan.errors[0].message
    run(files.xlsx(headers, [files.roster_row(1) + [good]]))
    plan = run(files.xlsx(headers, [files.roster_row(2) + [good]]))
    assert "already recorded for student 2026900001" in plan.errors[0].message
