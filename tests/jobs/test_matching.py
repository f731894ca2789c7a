"""The score, its reasons, the requirements, surfaced grassroots posts, and feedback that tunes the ranking."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.clock import local_today
from portal.extensions import db
from portal.jobs import feedback, matching, tracking
from portal.jobs.models import JobPosting, Recommendation, StudentLicence
from portal.students.models import Student


def reasons_of(app, student_id, posting_id):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rec = db.session.get(Recommendation, (student_id, posting_id))
        student = db.session.get(Student, student_id)
        posting = db.session.get(JobPosting, posting_id)
        return rec, [text for _kind, text in matching.explain(rec.reason_bits, posting, student)]


def test_major_and_degree_are_requirements(app, make_student, make_posting, recommend):
    student = make_student(major="护理学", degree_level="bachelor")
    nursing = make_posting(title="护士", majors="护理学、助产学", hospital_level="2a")
    clinical = make_posting(title="医师", majors="临床医学")
    master_only = make_posting(title="研究生护士", majors="护理学", min_degree="master")
    anyone = make_posting(title="三支一扶", majors="", post_type="three_supports", unit_nature="government",
                          grassroots_type="township_health_center", hospital_level="")
    got = recommend()[student.id]
    assert set(got) == {nursing, anyone}
    assert clinical not in got and master_only not in got


def test_reasons_name_what_matched(app, make_student, make_posting, recommend):
    student = make_student(major="临床医学", degree_level="bachelor", home_province="贵州",
                           intended_regions=["贵州省", "广东"], intended_hospital_levels=["二级甲等"],
                           intended_post_types=["establishment"], grassroots_openness="yes")
    home_grassroots = make_posting(title="全科医生", employer="威宁县石桥镇卫生院", province="贵州", hospital_level="",
                                   grassroots_type="township_health_center")
    county = make_posting(title="内科医师", employer="某县人民医院", province="广东", hospital_level="2a")
    recommend()
    rec, reasons = reasons_of(app, student.id, home_grassroots)
    assert "Matches your major 临床医学" in reasons
    assert "Grassroots post in your home province 贵州" in reasons
    assert "In 贵州, a region you prefer" in reasons
    assert any("you are open to grassroots work" in r for r in reasons)
    assert "A post type you asked for (Established post (编制))" in reasons
    _rec, reasons = reasons_of(app, student.id, county)
    assert "A hospital level you asked for (Secondary grade A (二级甲等))" in reasons
    assert any(r.startswith("A realistic level for your degree") for r in reasons)


def test_a_higher_score_ranks_first_and_weights_change_the_order(app, make_student, make_posting, recommend):
    from portal import settings

    student = make_student(major="临床医学", home_province="河南", intended_regions=["广东"])
    guangdong = make_posting(title="广东岗位", province="广东", hospital_level="")
    henan = make_posting(title="河南岗位", province="河南", hospital_level="")
    assert recommend()[student.id][:2] == [guangdong, henan]
    with app.app_context():
        settings.put("jobs.weights", {**matching.DEFAULT_WEIGHTS, "region": 0, "home": 40})
        db.session.commit()
    assert recommend()[student.id][:2] == [henan, guangdong]


def test_licence_held_counts_and_missing_licence_is_said(app, make_student, make_posting, recommend):
    student = make_student(major="护理学")
    needs = make_posting(title="护士", majors="护理学", licence_required="nurse", hospital_level="")
    plain = make_posting(title="护理员", majors="护理学", hospital_level="")
    assert recommend()[student.id] == [plain, needs]
    _rec, reasons = reasons_of(app, student.id, needs)
    assert any("which you have not recorded" in r for r in reasons)
    with app.app_context():
        db.session.add(StudentLicence(student_id=student.id, licence="nurse"))
        db.session.commit()
    assert recommend()[student.id] == [needs, plain]
    _rec, reasons = reasons_of(app, student.id, needs)
    assert any(r.startswith("You hold the required") for r in reasons)


def test_grassroots_posts_are_surfaced_for_students_who_did_not_ask(app, make_student, make_posting, recommend):
    from portal import settings

    student = make_student(major="临床医学", home_province="河南", intended_regions=["北京"],
                           intended_hospital_levels=["3a"], grassroots_openness=None)
    city_posts = [make_posting(title=f"北京医师{i}", province="北京", hospital_level="3a") for i in range(6)]
    township = make_posting(title="乡镇全科医生", province="甘肃", hospital_level="", grassroots_type="township_health_center")
    with app.app_context():
        settings.put("jobs.per_student", 4)
        settings.put("jobs.discovery_slots", 1)
        db.session.commit()
    got = recommend()[student.id]
    assert len(got) == 4 and township in got
    assert set(got) - {township} <= set(city_posts)
    rec, reasons = reasons_of(app, student.id, township)
    assert rec.discovery
    assert any(r.startswith("Shown although you did not ask for it: grassroots units") for r in reasons)


def test_a_student_who_said_no_to_grassroots_gets_emerging_fields_surfaced_instead(app, make_student, make_posting, recommend):
    from portal import settings

    student = make_student(major="护理学", intended_regions=["北京"], grassroots_openness="no")
    for i in range(4):
        make_posting(title=f"北京护士{i}", majors="护理学", province="北京", hospital_level="3a")
    township = make_posting(title="乡镇护士", majors="护理学", province="甘肃", hospital_level="",
                            grassroots_type="township_health_center")
    crc = make_posting(title="临床研究协调员", majors="护理学、药学", province="四川", hospital_level="",
                       emerging_field="clinical_research", unit_nature="private_enterprise", post_type="contract")
    with app.app_context():
        settings.put("jobs.per_student", 3)
        settings.put("jobs.discovery_slots", 1)
        db.session.commit()
    got = recommend()[student.id]
    assert crc in got and township not in got
    _rec, reasons = reasons_of(app, student.id, crc)
    assert any("an emerging field where demand is high" in r for r in reasons)


def test_dismissed_postings_never_come_back_and_similar_ones_move_down(app, make_student, make_posting, recommend):
    student = make_student(major="临床医学", home_province="河南")
    gansu_a = make_posting(title="甘肃岗位甲", province="甘肃", hospital_level="", salary_max=20000)
    gansu_b = make_posting(title="甘肃岗位乙", province="甘肃", hospital_level="", salary_max=20000)
    sichuan = make_posting(title="四川岗位", province="四川", hospital_level="", salary_max=9000)
    first = recommend()[student.id]
    assert first.index(gansu_b) < first.index(sichuan)
    with app.app_context():
        feedback.dismiss(db.session.get(Student, student.id), db.session.get(JobPosting, gansu_a), reason="region")
        db.session.commit()
    second = recommend()[student.id]
    assert gansu_a not in second
    assert second.index(sichuan) < second.index(gansu_b)
    _rec, reasons = reasons_of(app, student.id, gansu_b)
    assert "Ranked lower: you declined posts in 甘肃" in reasons
    assert gansu_a not in recommend(student_ids=[student.id])[student.id]


def test_applied_closed_and_draft_postings_are_not_recommended(app, make_student, make_posting, recommend):
    student = make_student(major="临床医学")
    applied = make_posting(title="已投递")
    draft = make_posting(title="草稿", status="draft")
    closed = make_posting(title="已关闭", status="closed")
    open_one = make_posting(title="开放")
    with app.test_request_context():
        tracking.apply(db.session.get(Student, student.id), posting=db.session.get(JobPosting, applied), on=local_today())
        db.session.commit()
    assert recommend()[student.id] == [open_one]
    with app.app_context():
        db.session.get(JobPosting, open_one).deadline = local_today() - timedelta(days=1)
        db.session.commit()
    assert student.id not in recommend()


def test_recomputing_one_student_leaves_the_others(app, make_student, make_posting, recommend):
    one, two = make_student(major="临床医学"), make_student(major="临床医学")
    first = make_posting(title="甲")
    recommend()
    second = make_posting(title="乙")
    got = recommend(student_ids=[one.id])
    assert set(got[one.id]) == {first, second}
    assert got[two.id] == [first]


def test_students_intentions_in_any_spelling_are_understood(app, make_student, make_posting, recommend):
    student = make_student(major="临床医学", intended_hospital_levels=["三甲", "3a", "Tertiary grade A (三级甲等)"],
                           intended_post_types=["规培"], intended_regions=["广西壮族自治区"], standardized_training=True)
    base = make_posting(title="规培", post_type="residency", province="广西", hospital_level="3a")
    recommend()
    rec, reasons = reasons_of(app, student.id, base)
    assert "In 广西, a region you prefer" in reasons
    assert "A standardised residency training (规培) base, as you plan" in reasons
    assert any(r.startswith("A hospital level you asked for") for r in reasons)


def test_batch_result_counts(app, make_student, make_posting):
    for _ in range(3):
        make_student(major="临床医学")
    make_posting()
    make_posting(title="其二")
    with app.app_context():
        result = matching.compute()
        db.session.commit()
        assert (result.students, result.postings, result.recommendations) == (3, 2, 6)
        assert len(db.session.scalars(select(Recommendation)).all()) == 6


def test_one_title_does_not_fill_the_whole_list(app, make_student, make_posting, recommend):
    from portal import settings

    student = make_student(major="临床医学", intended_regions=["北京"])
    same = [make_posting(title="规培学员", employer=f"附属医院{i}", province="北京") for i in range(5)]
    others = [make_posting(title=f"其他岗位{i}", province="甘肃") for i in range(2)]
    with app.app_context():
        settings.put("jobs.per_student", 4)
        settings.put("jobs.discovery_slots", 0)
        db.session.commit()
    got = recommend()[student.id]
    assert got == same[:2] + others


def test_not_my_field_moves_down_posts_of_the_same_kind(app, make_student, make_posting, recommend):
    student = make_student(major="药学")
    declined = make_posting(title="医药学术专员", majors="药学", unit_nature="private_enterprise", hospital_level="")
    similar = make_posting(title="医药学术专员", employer="另一家公司", majors="药学", unit_nature="private_enterprise",
                           hospital_level="", salary_max=12000)
    pharmacist = make_posting(title="临床药师", majors="药学", hospital_level="", salary_max=6000)
    with app.app_context():
        feedback.dismiss(db.session.get(Student, student.id), db.session.get(JobPosting, declined), reason="not_my_field")
        db.session.commit()
    assert recommend()[student.id] == [pharmacist, similar]
