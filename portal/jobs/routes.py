"""Pages for students and mentors: postings, recommendations, saved postings, applications, referrals."""
from portal.jobs import bp  # noqa: F401
