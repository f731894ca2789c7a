"""A student's interest result is theirs, their mentors' and the office's: another student or another
mentor typing its number in the address gets a refusal, not the scores."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.plans.models import InterestResult
from tests.plans.helpers import put_in_ledger
from tests.plans.test_riasec import HAND, answers_from


def test_another_student_or_mentor_cannot_open_an_interest_result(app, client_as, users, make_user, login):
    put_in_ledger(app, users["student_record"], mentor=users["mentor"])
    owner = client_as("student")
    form = {f"item_{item_id}": str(value) for item_id, value in answers_from(HAND).items()}
    assert owner.post("/plans/me/interests", data=form).status_code == 302
    with app.app_context():
        url = f"/plans/interests/{db.session.scalar(select(InterestResult.id))}"
    assert "ISC" in owner.get(url).get_data(as_text=True)
    assert "ISC" in client_as("mentor").get(url).get_data(as_text=True)  # the assigned mentor
    for stranger in (make_user("student"), make_user("mentor"), make_user("alumni")):
        client = app.test_client()
        login(client, stranger)
        response = client.get(url)
        assert response.status_code == 403 and "ISC" not in response.get_data(as_text=True), stranger.role
