"""The student's archive (就业档案): one timeline to which every feature contributes its entries."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Audiences of an entry: who may see it in the timeline.
STUDENT = "student"  # the student, their mentors and admins
MENTORS = "mentors"  # the student's mentors and admins
AUTHOR = "author"  # only the author (private notes)


@dataclass
class ArchiveEntry:
    at: datetime
    kind: str  # e.g. "intervention", "verification", "profile", "booking", "resume_review"
    title: str  # already translated for the reader
    detail: str = ""  # plain text; rich text goes in detail_html
    detail_html: str | None = None  # sanitised HTML
    audience: str = MENTORS
    author_id: int | None = None
    link: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# A provider takes (student, viewer, *, for_student: bool) and returns entries for that student.
# It must load what it returns in a fixed number of queries.
Provider = Callable[..., list[ArchiveEntry]]
PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    """Register a function that contributes entries to every student's archive."""
    PROVIDERS.append(fn)
    return fn


def visible(entry: ArchiveEntry, viewer, *, viewer_is_student: bool) -> bool:
    if entry.audience == AUTHOR:
        return entry.author_id is not None and entry.author_id == viewer.id
    if viewer_is_student:
        return entry.audience == STUDENT
    return True


def timeline(student, viewer) -> list[ArchiveEntry]:
    """Everything about the student that this viewer may see, newest first."""
    viewer_is_student = viewer.id == student.user_id
    entries: list[ArchiveEntry] = []
    for fn in PROVIDERS:
        entries.extend(fn(student, viewer, for_student=viewer_is_student))
    entries = [e for e in entries if visible(e, viewer, viewer_is_student=viewer_is_student)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
