"""Who may reach the group-session pages: students take part, staff and volunteers host, the office reviews."""
from __future__ import annotations

from datetime import timedelta

from tests.sweep import only, per_role, signed_in


def objects(app, users, other) -> dict:
    from tests.sessions.helpers import make_session, seat

    mentor, alumni, student = users["mentor"], users["alumni"], users["student_record"]
    open_session = make_session(app, mentor, title="开放报名的讲座")
    booked = make_session(app, mentor, title="已报名的讲座")
    seat(app, booked, student)
    past = make_session(app, mentor, title="已结束的讲座", starts_in=-timedelta(days=2))
    past_registration = seat(app, past, student, attended=True)
    proposal = make_session(app, alumni, title="校友提议", status="proposed", kind="alumni_sharing")
    return {
        "open_session_id": open_session.id,
        "booked_session_id": booked.id,
        "past_session_id": past.id,
        "past_registration_id": past_registration.id,
        "proposal_id": proposal.id,
    }


EXPECTATIONS = {
    "sessions.index": ("GET", "/sessions/", signed_in()),
    "sessions.detail": ("GET", "/sessions/{open_session_id}", signed_in()),
    "sessions.register": ("POST", "/sessions/{open_session_id}/register", only("student", ok=302)),
    "sessions.leave": ("POST", "/sessions/{booked_session_id}/leave", only("student", ok=302)),
    # an empty rating form is refused; only students get that far
    "sessions.rate": ("POST", "/sessions/{past_session_id}/rating", only("student", ok=400)),
    "sessions.new": ("GET", "/sessions/new", per_role(student=403, mentor=200, alumni=200, admin=200)),
    # the host (users["mentor"]) and administrators
    "sessions.edit": ("GET", "/sessions/{open_session_id}/edit", only("mentor", "admin")),
    "sessions.cancel": ("POST", "/sessions/{open_session_id}/cancel", only("mentor", "admin", ok=400)),
    "sessions.hosting": ("GET", "/sessions/hosting", only("mentor", "alumni", "admin")),
    "sessions.roster": ("GET", "/sessions/{past_session_id}/roster", only("mentor", "admin")),
    "sessions.attendance": (
        "POST", "/sessions/{past_session_id}/roster/{past_registration_id}/attendance", only("mentor", "admin", ok=400),
    ),
    "sessions.manage": ("GET", "/sessions/manage", only("admin")),
    "sessions.approve": ("POST", "/sessions/{proposal_id}/approve", only("admin", ok=302)),
    "sessions.decline": ("POST", "/sessions/{proposal_id}/decline", only("admin", ok=400)),
    "sessions.alumni": ("GET", "/sessions/alumni", only("admin")),
    "sessions.profile": ("GET", "/sessions/profile", only("alumni")),
}

# a group session is its host's, open to every student: an outsider reads and joins it; leaving a
# session they have no place in is refused by the rules (409), an empty rating form by the form (400)
FOREIGN = {
    "sessions.detail": {"student": 200, "mentor": 200},
    "sessions.register": {"student": 302},
    "sessions.leave": {"student": 409},
    "sessions.rate": {"student": 400},
}
