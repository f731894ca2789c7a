"""Who may reach the import pages and the discreet follow-up pages (list flags, spending signals).

The ledger engineer's tests/students/sweep.py merges EXPECTATIONS and calls objects() (see the lead's note).
"""
from __future__ import annotations

from decimal import Decimal

from tests.sweep import assign_mentor, only, per_role

EXPECTATIONS = {
    "students.imports_index": ("GET", "/admin/imports/", only("admin")),
    "students.import_template": ("GET", "/admin/imports/roster/template.xlsx", only("admin")),
    # an empty upload form is refused by the form check (400), by the policy for the rest
    "students.import_upload": ("POST", "/admin/imports/roster", only("admin", ok=400)),
    "students.import_preview": ("GET", "/admin/imports/preview/{preview_token}", only("admin")),
    "students.import_problems": ("GET", "/admin/imports/preview/{preview_token}/problems.csv", only("admin")),
    "students.import_confirm": ("POST", "/admin/imports/preview/{preview_token}/confirm", only("admin", ok=303)),
    "students.import_cancel": ("POST", "/admin/imports/preview/{cancel_token}/cancel", only("admin", ok=303)),
    "students.signal_thresholds": ("GET", "/admin/imports/signal-thresholds", only("admin")),
    "students.list_matches": ("GET", "/follow-up/lists", per_role(student=403, mentor=200, alumni=403, admin=200)),
    "students.list_match_claim": ("POST", "/follow-up/lists/{list_match_id}/claim",
                                  per_role(student=403, mentor=303, alumni=403, admin=303)),
    # no reason given: refused by the form check (400)
    "students.list_match_dismiss": ("POST", "/follow-up/lists/{list_match_id}/dismiss",
                                    per_role(student=403, mentor=400, alumni=403, admin=400)),
    "students.spending_signals": ("GET", "/follow-up/spending", per_role(student=403, mentor=200, alumni=403, admin=200)),
    "students.spending_signal_claim": ("POST", "/follow-up/spending/{signal_id}/claim",
                                       per_role(student=403, mentor=303, alumni=403, admin=303)),
    "students.spending_signal_dismiss": ("POST", "/follow-up/spending/{signal_id}/dismiss",
                                         per_role(student=403, mentor=400, alumni=403, admin=400)),
}


def objects(app, users, other) -> dict:
    """A list flag and a spending signal on the sweep's student (whose mentor is the sweep's mentor),
    and two staged roster previews of the sweep's administrator."""
    from portal.extensions import db
    from portal import imports
    from portal.students.models import ListMatch, SpendingSignal

    student = users["student_record"]
    with app.app_context():
        assign_mentor(student.id, users["mentor"].id)
        match = ListMatch(student_id=student.id, category="zero_employment_family", list_name="sweep list",
                          matched_by="student_no")
        signal = SpendingSignal(student_id=student.id, status="open", active=True, months=["2026-03", "2026-04", "2026-05"],
                                avg_amount=Decimal("512.00"), avg_meals=72)
        db.session.add_all([match, signal])
        db.session.commit()
        row = {"_row": 2, "student_no": "SWEEP0001", "name": "扫描生", "college": "临床医学院", "major": "临床医学",
               "degree_level": "bachelor", "graduation_year": 2027}
        tokens = [
            imports.stage(kind="roster", user_id=users["admin"].id, filename="sweep.xlsx", sha256="0" * 64, options={},
                          rows=[row], problems=[], summary={"counts": {"created": 1, "updated": 0, "unchanged": 0}}).token
            for _ in range(2)
        ]
        ids = {"list_match_id": match.id, "signal_id": signal.id, "preview_token": tokens[0], "cancel_token": tokens[1]}
    return ids
