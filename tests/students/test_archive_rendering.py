"""The staff archive as a reader sees it: checklist names in the reader's language, the private badge
for the author, and the empty timeline."""
from __future__ import annotations

from tests.students.ledger_helpers import EN, assign, claim, intervention


def test_checks_are_named_in_the_readers_language(app, client_as, users):
    claim(app, users["student_record"], "financial_hardship", source="self_declared", status="verified",
          level="hardship", decided_by=users["admin"])
    url = f"/students/{users['student_record'].id}/archive"
    english = client_as("admin").get(url, headers=EN).get_data(as_text=True)
    assert "Checks: Documents checked" in english
    chinese = client_as("admin").get(url, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "材料已核验" in chinese


def test_the_author_sees_their_private_note_marked_and_empty_timelines_say_so(app, client_as, users):
    url = f"/students/{users['student_record'].id}/archive"
    empty = client_as("admin").get(url, headers=EN).get_data(as_text=True)
    assert "Nothing recorded yet." in empty
    assign(app, users["student_record"], users["mentor"])
    intervention(app, users["student_record"], users["mentor"], visibility="private", notes="<p>只给自己看 & 备注</p>")
    page = client_as("mentor").get(url, headers=EN).get_data(as_text=True)
    assert '<span class="badge">private: only you</span>' in page
    assert "<p>只给自己看 &amp; 备注</p>" in page
    assert "Nothing recorded yet." not in page
