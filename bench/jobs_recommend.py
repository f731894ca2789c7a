"""Times `jobs recommend` on synthetic data: N students × M open postings in a throwaway database.

    .venv/bin/python bench/jobs_recommend.py [--students 20000] [--postings 2000] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL database given here must be
empty (the script creates the tables, fills them and leaves them)."""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.demo import COLLEGES, PROVINCES  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.jobs import matching, vocab  # noqa: E402
from portal.jobs.models import JobPosting, PostingMajor, Recommendation, StudentLicence  # noqa: E402
from portal.models_base import utcnow  # noqa: E402
from portal.students.models import Student  # noqa: E402

ALL_MAJORS = [m for majors in COLLEGES.values() for m in majors]


def fill(n_students: int, n_postings: int, rng: random.Random) -> None:
    now = utcnow()
    users = [dict(username=f"s{i:05d}", display_name=f"学生{i}", role="student", password_hash="x", active=True,
                  must_change_password=False, created_at=now, password_changed_at=now) for i in range(n_students)]
    for start in range(0, len(users), 5000):
        db.session.execute(insert(User), users[start:start + 5000])
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    students = []
    for i, uid in enumerate(user_ids):
        college = rng.choice(list(COLLEGES))
        students.append(dict(
            user_id=uid, student_no=f"S{i:07d}", college=college, major=rng.choice(COLLEGES[college]),
            degree_level=rng.choices(["bachelor", "master", "doctor"], [75, 20, 5])[0], graduation_year=2027,
            home_province=rng.choice(PROVINCES), origin="rural",
            intended_regions=rng.sample(PROVINCES, rng.randint(0, 3)),
            intended_hospital_levels=rng.sample(list(vocab.HOSPITAL_LEVELS), rng.randint(0, 2)),
            intended_post_types=rng.sample(list(vocab.POST_TYPES), rng.randint(0, 2)),
            grassroots_openness=rng.choice(["yes", "maybe", "no", None]),
            standardized_training=rng.random() < 0.3, created_at=now, updated_at=now,
        ))
    for start in range(0, len(students), 5000):
        db.session.execute(insert(Student), students[start:start + 5000])
    student_ids = list(db.session.scalars(select(Student.id)))
    db.session.execute(insert(StudentLicence), [
        dict(student_id=sid, licence=rng.choice(["physician", "nurse", "pharmacist"]), created_at=now)
        for sid in rng.sample(student_ids, len(student_ids) // 10)
    ])
    postings = []
    for i in range(n_postings):
        grassroots = rng.random() < 0.25
        postings.append(dict(
            title=f"岗位{i}", employer=f"单位{i}", unit_nature=rng.choice(list(vocab.UNIT_NATURES)),
            hospital_level="" if grassroots else rng.choice(["", *vocab.HOSPITAL_LEVELS]),
            grassroots=grassroots, grassroots_type="township_health_center" if grassroots else "",
            emerging_field=rng.choice(list(vocab.EMERGING_FIELDS)) if rng.random() < 0.1 else "",
            province=rng.choice(PROVINCES), city="", post_type=rng.choice(list(vocab.POST_TYPES)),
            any_major=rng.random() < 0.1, min_degree=rng.choices(["bachelor", "master", "doctor"], [70, 25, 5])[0],
            licence_required=rng.choice(["", "", "", "physician", "nurse"]), openings=rng.randint(1, 10),
            salary_min=4000, salary_max=rng.randint(5000, 15000), deadline=date.today() + timedelta(days=rng.randint(1, 90)),
            description="", source_url="", status="published", created_at=now, updated_at=now,
        ))
    db.session.execute(insert(JobPosting), postings)
    posting_ids = list(db.session.scalars(select(JobPosting.id)))
    majors = []
    for pid, p in zip(posting_ids, postings):
        if not p["any_major"]:
            for position, major in enumerate(rng.sample(ALL_MAJORS, rng.randint(1, 4))):
                majors.append(dict(posting_id=pid, major=major, position=position))
    db.session.execute(insert(PostingMajor), majors)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=20000)
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medpath-jobs-bench-") as tmp:
        url = args.database_url or "sqlite:///" + str(Path(tmp) / "bench.sqlite")
        app = create_app({"ENV_NAME": "testing", "TESTING": False, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.create_all()
            clock = time.perf_counter()
            fill(args.students, args.postings, random.Random(1))
            print(f"filled {args.students} students × {args.postings} postings in {time.perf_counter() - clock:.1f} s")
            clock = time.perf_counter()
            result = matching.compute()
            db.session.commit()
            wall = time.perf_counter() - clock
            stored = db.session.scalar(select(func.count()).select_from(Recommendation))
            parts = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
            print(f"jobs recommend: {result.students} students × {result.postings} postings → {stored} recommendations "
                  f"in {wall:.2f} s ({parts}; commit included in the total)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
