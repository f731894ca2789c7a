"""The interest inventory: scores and codes checked against numbers worked out by hand."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.errors import RuleViolation
from portal.extensions import db
from portal.plans import riasec
from portal.plans.models import InterestResult

# eight answers per scale, in item order (R1..R8, I1..I8, …); the sums were added up by hand
HAND = {
    "R": [1, 2, 1, 1, 2, 1, 1, 1],  # 10
    "I": [5, 4, 5, 5, 4, 3, 5, 4],  # 35
    "A": [2, 3, 3, 4, 2, 3, 1, 2],  # 20
    "S": [4, 5, 4, 3, 5, 4, 4, 5],  # 34
    "E": [1, 1, 2, 1, 2, 1, 1, 1],  # 10
    "C": [3, 2, 3, 3, 4, 3, 2, 2],  # 22
}


def answers_from(per_scale: dict[str, list[int]]) -> dict[str, int]:
    return {f"{letter}{n + 1}": value for letter, values in per_scale.items() for n, value in enumerate(values)}


def test_the_item_set_is_the_48_marker_items_with_both_languages():
    assert len(riasec.ITEMS) == 48
    for letter in "RIASEC":
        assert [i.id for i in riasec.ITEMS if i.scale == letter] == [f"{letter}{n}" for n in range(1, 9)]
    assert all(item.en and item.zh for item in riasec.ITEMS)
    by_id = {item.id: item for item in riasec.ITEMS}
    assert by_id["I4"].en == "Develop a new medical treatment or procedure"
    assert by_id["S8"].en == "Help elderly people with their daily activities"
    assert "Armstrong" in riasec.SOURCE and "2008" in riasec.SOURCE
    # presented one of each scale in turn
    assert [i.id for i in riasec.administration_order()[:7]] == ["R1", "I1", "A1", "S1", "E1", "C1", "R2"]


def test_scores_and_code_match_the_hand_computation():
    scores = riasec.score(answers_from(HAND))
    assert scores == {"R": 10, "I": 35, "A": 20, "S": 34, "E": 10, "C": 22}
    assert riasec.code(scores) == "ISC"
    # R and E tie at 10, but below the third place: the code is not in doubt
    assert riasec.alternative_codes(scores) == []
    assert not riasec.is_flat(scores)


def test_ties_follow_the_order_RIASEC_and_the_other_readings_are_listed():
    per_scale = {"R": [3] * 8, "I": [4] * 8, "A": [3] * 8, "S": [4] * 8, "E": [2] * 8, "C": [3] * 8}
    scores = riasec.score(answers_from(per_scale))
    assert scores == {"R": 24, "I": 32, "A": 24, "S": 32, "E": 16, "C": 24}
    assert riasec.code(scores) == "ISR"
    assert set(riasec.alternative_codes(scores)) == {"ISA", "ISC", "SIR", "SIA", "SIC"}


def test_a_flat_profile_is_recognised():
    scores = riasec.score(answers_from({letter: [3] * 8 for letter in "RIASEC"}))
    assert scores == dict.fromkeys("RIASEC", 24)
    assert riasec.code(scores) == "RIA"
    assert riasec.is_flat(scores)


def test_directions_for_a_code_ranked_as_worked_out_by_hand():
    # ISC: clinical 13, public health 13, grassroots 12, mental health 12, then 9s
    names = [d.key for d in riasec.directions_for("ISC")]
    assert names == ["clinical", "public_health", "grassroots", "mental_health"]


@pytest.mark.parametrize("bad", [{"R1": 6}, {"R1": 0}, {"R1": True}, {"R1": "3"}])
def test_answers_outside_one_to_five_are_refused(bad):
    answers = answers_from(HAND)
    answers.update(bad)
    with pytest.raises(RuleViolation):
        riasec.score(answers)


def test_a_missing_answer_is_refused():
    answers = answers_from(HAND)
    del answers["C8"]
    with pytest.raises(RuleViolation):
        riasec.score(answers)


def test_student_takes_the_test_and_sees_code_and_directions(app, client_as, users):
    client = client_as("student")
    page = client.get("/plans/me/interests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Develop a new medical treatment or procedure" in page
    assert "public domain" in page and "Armstrong" in page
    form = {f"item_{item_id}": str(value) for item_id, value in answers_from(HAND).items()}
    response = client.post("/plans/me/interests", data=form)
    assert response.status_code == 302
    result_page = client.get(response.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "ISC" in result_page and "Clinical practice" in result_page and "Public health and prevention" in result_page
    with app.app_context():
        result = db.session.scalar(select(InterestResult))
        assert result.scores == {"R": 10, "I": 35, "A": 20, "S": 34, "E": 10, "C": 22}
        assert result.student_id == users["student_record"].id


def test_an_incomplete_test_is_refused_with_a_message(app, client_as):
    client = client_as("student")
    form = {f"item_{item_id}": str(value) for item_id, value in answers_from(HAND).items() if item_id != "E3"}
    response = client.post("/plans/me/interests", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Please choose how much you would enjoy this." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(InterestResult)) is None


def test_the_test_reads_in_chinese(client_as):
    # the items are MedPath's own translation, kept beside the English (not in the catalogue)
    page = client_as("student").get("/plans/me/interests", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "研发一种新的医学疗法或诊疗操作" in page
