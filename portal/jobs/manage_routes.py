"""Curation pages: postings, imports, and the match-quality page with the weights."""
from portal.jobs import bp  # noqa: F401
