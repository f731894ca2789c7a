"""Students narrow the postings to one kind of post (编制, 规培, 三支一扶…)."""
from __future__ import annotations

EN = {"Accept-Language": "en"}


def test_postings_filter_by_post_type(client_as, make_posting):
    make_posting(title="编制内住院医师", post_type="establishment")
    make_posting(title="规培基地招收", post_type="residency")
    make_posting(title="三支一扶岗位", post_type="three_supports")
    client = client_as("student")
    body = client.get("/jobs/?post_type=residency", headers=EN).get_data(as_text=True)
    assert "规培基地招收" in body and "编制内住院医师" not in body and "三支一扶岗位" not in body
    assert "1 posting" in body
    assert client.get("/jobs/?post_type=nonsense", headers=EN).status_code == 400
