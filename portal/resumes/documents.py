"""A resume as plain data: the document that versions store and pages and PDFs render, its view in
the document's language, and what changed between two documents."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from portal.resumes import sections as S
from portal.resumes.models import Resume


def build_document(*, title: str, language: str, template: str, basics: dict, intention: dict,
                   self_evaluation: str, items, has_photo: bool) -> dict:
    """The resume as plain data: what versions store, and what pages and PDFs render.

    `items` are (id, section, position, data) tuples in any order.
    """
    by_section: dict[str, list] = {key: [] for key in S.LIST_SECTIONS}
    for item_id, section, position, data in sorted(items, key=lambda i: (i[1], i[2], i[0] or 0)):
        if section in by_section:
            by_section[section].append({"id": item_id, "data": dict(data)})
    return {
        "title": title,
        "language": language,
        "template": template,
        "basics": dict(basics or {}),
        "intention": dict(intention or {}),
        "self_evaluation": self_evaluation or "",
        "sections": by_section,
        "has_photo": bool(has_photo),
    }


def document_of(resume: Resume) -> dict:
    return build_document(
        title=resume.title, language=resume.language, template=resume.template, basics=resume.basics,
        intention=resume.intention, self_evaluation=resume.self_evaluation, has_photo=resume.has_photo,
        items=[(i.id, i.section, i.position, i.data) for i in resume.items],
    )


@dataclass
class View:
    """A document prepared for a template: facts and entries in the document's language."""

    doc: dict
    language: str
    name: str
    facts: list
    contacts: list
    intention: list
    entries: dict[str, list[S.Entry]]
    self_evaluation: list[str]

    def has(self, section: str) -> bool:
        if section == "basics":
            return True
        if section == "intention":
            return bool(self.intention)
        if section == "self_evaluation":
            return bool(self.self_evaluation)
        return bool(self.entries.get(section))


def view_of(doc: dict) -> View:
    language = doc.get("language") if doc.get("language") in S.LANGUAGES else "zh"
    basics = doc.get("basics") or {}
    entries = {
        key: [S.present(key, item["data"], language, item.get("id")) for item in doc["sections"].get(key, [])]
        for key in S.LIST_SECTIONS
    }
    return View(
        doc=doc,
        language=language,
        name=basics.get("full_name") or "",
        facts=S.facts(basics, S.BASIC_FACTS, language),
        contacts=S.facts(basics, S.CONTACT_FACTS, language),
        intention=S.facts(doc.get("intention") or {}, tuple(f.key for f in S.INTENTION.fields), language),
        entries=entries,
        self_evaluation=S.lines_of(doc.get("self_evaluation")),
    )


def document_lines(doc: dict) -> dict[str, list[str]]:
    """Each section as lines of text, for comparing versions."""
    view = view_of(doc)
    lines: dict[str, list[str]] = {}
    lines["basics"] = ([view.name] if view.name else []) + [f"{label}: {value}" for _, label, value in view.facts + view.contacts]
    if doc.get("has_photo"):
        lines["basics"].append("[photo]")
    lines["intention"] = [f"{label}: {value}" for _, label, value in view.intention]
    for key in S.LIST_SECTIONS:
        out = []
        for entry in view.entries[key]:
            out.append(" · ".join(x for x in (entry.title, entry.subtitle, entry.when) if x))
            out.extend("    " + line for line in entry.lines)
        lines[key] = out
    lines["self_evaluation"] = view.self_evaluation
    return {key: lines[key] for key in S.SECTIONS}


@dataclass
class SectionDiff:
    key: str
    label: object
    rows: list[tuple[str, str]] = field(default_factory=list)  # (same|added|removed, text)
    added: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def compare(old: dict, new: dict) -> list[SectionDiff]:
    """What changed from one document to the other, section by section (difflib on the text)."""
    before, after = document_lines(old), document_lines(new)
    diffs = []
    for key, section in S.SECTIONS.items():
        a, b = before.get(key, []), after.get(key, [])
        diff = SectionDiff(key, section.label)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                diff.rows.extend(("same", line) for line in a[i1:i2])
                continue
            diff.rows.extend(("removed", line) for line in a[i1:i2])
            diff.rows.extend(("added", line) for line in b[j1:j2])
            diff.removed += i2 - i1
            diff.added += j2 - j1
        diffs.append(diff)
    return diffs
