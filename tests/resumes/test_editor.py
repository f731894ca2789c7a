"""The student's list and editor: starting, editing sections and items in place (htmx) and without JavaScript."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.resumes.models import Resume, ResumeItem
from tests.resumes.conftest import EN, HX, ROTATION, first_item_id


def _items(app, resume_id, section):
    with app.app_context():
        return [i.data for i in db.session.scalars(
            select(ResumeItem).where(ResumeItem.resume_id == resume_id, ResumeItem.section == section)
            .order_by(ResumeItem.position))]


def _resume(app, resume_id):
    with app.app_context():
        resume = db.session.get(Resume, resume_id)
        db.session.expunge(resume)
        return resume


def test_a_student_starts_a_resume_from_the_profile(app, users, client_as):
    client = client_as("student")
    page = client.get("/resumes/", headers=EN).get_data(as_text=True)
    assert "No resume yet" in page
    response = client.post("/resumes/new", data={"title": "规培申请", "language": "zh", "template": "chinese",
                                                "source": "profile"})
    assert response.status_code == 302
    editor = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "规培申请" in editor and users["student"].display_name in editor and "临床医学" in editor
    listing = client.get("/resumes/", headers=EN).get_data(as_text=True)
    assert "规培申请" in listing and "Draft" in listing


def test_a_new_resume_can_copy_an_existing_one(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    form = client.get(f"/resumes/new?copy={rid}", headers=EN).get_data(as_text=True)
    assert f'<option selected value="copy:{rid}">' in form
    response = client.post("/resumes/new", data={"title": "English version", "language": "en", "template": "english",
                                                "source": f"copy:{rid}"})
    new_id = int(response.location.rsplit("/", 1)[1])
    assert _items(app, new_id, "rotation")[0]["hospital"] == "省人民医院"
    assert _resume(app, new_id).language == "en"
    # someone else's resume is not among the choices
    assert client.post("/resumes/new", data={"title": "x", "language": "zh", "template": "chinese",
                                             "source": "copy:999"}).status_code == 400


def test_a_single_section_is_edited_in_place_with_htmx(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    form = client.get(f"/resumes/{rid}/sections/intention?edit=1", headers=HX)
    body = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in body and 'id="section-intention"' in body and "<form" in body
    assert form.headers["Vary"] == "HX-Request" or "HX-Request" in form.headers["Vary"]
    saved = client.post(f"/resumes/{rid}/sections/intention", headers=HX,
                        data={"position": "心内科住院医师", "locations": "昆明", "post_type": "residency"})
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "心内科住院医师" in body and "<form class=\"section-form\"" not in body
    assert _resume(app, rid).intention["position"] == "心内科住院医师"


def test_a_single_section_works_without_javascript(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    page = client.get(f"/resumes/{rid}/sections/self_evaluation?edit=1", headers=EN)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    saved = client.post(f"/resumes/{rid}/sections/self_evaluation", data={"text": "吃苦耐劳\n善于沟通"})
    assert saved.status_code == 302 and saved.location.endswith(f"/resumes/{rid}#section-self_evaluation")
    editor = client.get(saved.location, headers=EN).get_data(as_text=True)
    assert "<p>吃苦耐劳</p>" in editor and "<p>善于沟通</p>" in editor


def test_bad_input_is_refused_with_a_message_and_nothing_saved(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    for headers in (HX, EN):
        response = client.post(f"/resumes/{rid}/sections/rotation/new", headers=headers,
                               data={**ROTATION, "start": "2025-09", "end": "2025-01"})
        assert response.status_code == 400
        assert "The end comes before the start." in response.get_data(as_text=True)
    response = client.post(f"/resumes/{rid}/sections/basics", headers=EN, data={"full_name": ""})
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert len(_items(app, rid, "rotation")) == 1 and _resume(app, rid).basics["full_name"] == "王小明"


def test_items_are_added_edited_moved_and_removed_with_htmx(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    new_form = client.get(f"/resumes/{rid}/sections/rotation/new", headers=HX).get_data(as_text=True)
    assert 'id="section-rotation"' in new_form and "New entry" in new_form and "<html" not in new_form
    added = client.post(f"/resumes/{rid}/sections/rotation/new", headers=HX, data={**ROTATION, "department": "急诊科"})
    assert added.status_code == 200 and "急诊科" in added.get_data(as_text=True)
    assert [d["department"] for d in _items(app, rid, "rotation")] == ["心血管内科", "急诊科"]
    second = [i for i in _ids(app, rid, "rotation")][1]
    moved = client.post(f"/resumes/items/{second}/move", headers=HX, data={"direction": "up"})
    assert moved.status_code == 200 and moved.get_data(as_text=True).index("急诊科") < moved.get_data(as_text=True).index("心血管内科")
    assert [d["department"] for d in _items(app, rid, "rotation")] == ["急诊科", "心血管内科"]
    edit_form = client.get(f"/resumes/items/{second}", headers=HX).get_data(as_text=True)
    assert 'value="急诊科"' in edit_form
    client.post(f"/resumes/items/{second}", headers=HX, data={**ROTATION, "department": "儿科"})
    removed = client.post(f"/resumes/items/{_ids(app, rid, 'rotation')[1]}/delete", headers=HX)
    assert removed.status_code == 200 and "心血管内科" not in removed.get_data(as_text=True)
    assert [d["department"] for d in _items(app, rid, "rotation")] == ["儿科"]


def _ids(app, rid, section):
    with app.app_context():
        return list(db.session.scalars(select(ResumeItem.id).where(ResumeItem.resume_id == rid, ResumeItem.section == section)
                                       .order_by(ResumeItem.position)))


def test_items_work_without_javascript(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    page = client.get(f"/resumes/{rid}/sections/award/new", headers=EN).get_data(as_text=True)
    assert "<html" in page and 'action="/resumes/%d/sections/award/new"' % rid in page
    response = client.post(f"/resumes/{rid}/sections/award/new", data={"name": "校级一等奖学金", "level": "university"})
    assert response.status_code == 302 and response.location.endswith("#section-award")
    client.post(f"/resumes/{rid}/sections/award/new", data={"name": "优秀学生干部", "level": "college"})
    last = _ids(app, rid, "award")[1]
    assert client.post(f"/resumes/items/{last}/move", data={"direction": "up"}).status_code == 302
    assert [d["name"] for d in _items(app, rid, "award")] == ["优秀学生干部", "校级一等奖学金"]
    assert client.post(f"/resumes/items/{last}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"/resumes/items/{last}", data={"name": "优秀共青团员", "level": "university"}).status_code == 302
    assert client.post(f"/resumes/items/{last}/delete").status_code == 302
    assert [d["name"] for d in _items(app, rid, "award")] == ["校级一等奖学金"]
    editor = client.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "校级一等奖学金" in editor and "校级" in editor


def test_settings_copy_archive_and_restore(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    assert client.post(f"/resumes/{rid}/settings", data={"title": "English", "language": "en", "template": "english"}).status_code == 302
    assert _resume(app, rid).template == "english"
    assert client.post(f"/resumes/{rid}/settings", data={"title": "", "language": "xx", "template": "chinese"}).status_code == 400
    copied = client.post(f"/resumes/{rid}/copy")
    assert copied.status_code == 302 and copied.location != f"/resumes/{rid}"
    assert client.post(f"/resumes/{rid}/archive").status_code == 302
    listing = client.get("/resumes/", headers=EN).get_data(as_text=True)
    assert "Archived" in listing
    archived = client.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "This resume is archived" in archived and "Add an entry" not in archived
    assert client.post(f"/resumes/{rid}/sections/skill/new", data={"name": "x"}).status_code == 409
    assert client.post(f"/resumes/{rid}/restore").status_code == 302
    assert _resume(app, rid).archived_at is None


def test_a_draft_is_deleted_but_a_submitted_resume_is_kept(app, users, client_as, make_resume, submit_resume):
    draft, kept = make_resume(users["student_record"]), make_resume(users["student_record"], title="已提交")
    submit_resume(kept)
    client = client_as("student")
    assert client.post(f"/resumes/{draft}/delete").status_code == 302
    assert client.get(f"/resumes/{draft}").status_code == 404
    response = client.post(f"/resumes/{kept}/delete", headers=EN)
    assert response.status_code == 409 and "archive it instead" in response.get_data(as_text=True)


def test_a_mentor_sees_the_working_copy_read_only(app, users, client_as, make_resume, assign):
    rid = make_resume(users["student_record"])
    assign(users["student_record"], users["mentor"])
    page = client_as("mentor").get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "省人民医院" in page and "working copy" in page
    assert "Add an entry" not in page and "Submit for review" not in page
    listing = client_as("mentor").get(f"/resumes/students/{users['student_record'].id}", headers=EN).get_data(as_text=True)
    assert "住院医师规培申请" in listing and "New resume" not in listing


def test_unknown_sections_and_objects_are_not_found(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    assert client.get(f"/resumes/{rid}/sections/hobbies").status_code == 404
    assert client.get(f"/resumes/{rid}/sections/basics/new").status_code == 404
    assert client.post(f"/resumes/{rid}/sections/rotation", data={"x": "y"}).status_code == 404
    assert client.get("/resumes/999999").status_code == 404
    assert client.get("/resumes/items/999999").status_code == 404
    item = first_item_id(app, rid)
    assert client.get(f"/resumes/items/{item}", headers=EN).status_code == 200


def test_entries_show_their_facts_and_only_the_moves_they_can_make(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"], items={"award": [{"name": "一等奖学金", "level": "university", "date": "2024-06"},
                                                               {"name": "优秀学生干部", "detail": "校团委"}]})
    page = client_as("student").get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    section = page[page.index('id="section-award"'):page.index('id="section-skill"')]
    assert '<strong class="entry-title">一等奖学金</strong>' in section and '<span class="entry-when">2024.06</span>' in section
    ups = [part.split(">", 1)[0] for part in section.split('value="up"')[1:]]
    downs = [part.split(">", 1)[0] for part in section.split('value="down"')[1:]]
    assert ["disabled" in up for up in ups] == [True, False]
    assert ["disabled" in down for down in downs] == [False, True]
    assert section.count('hx-confirm="Remove this entry?"') == 2
