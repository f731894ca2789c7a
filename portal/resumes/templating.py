"""Labels the resume templates use, computed once per request rather than per row."""
from __future__ import annotations

from functools import lru_cache, partial

from markupsafe import Markup

from portal.escaping import esc

from portal.i18n import lazy_gettext as _l
from portal.resumes import sections as S
from portal.sanitize import sanitize_html

RESUME_STATUS = {"draft": _l("Draft"), "waiting": _l("Waiting for review"), "reviewed": _l("Reviewed")}
VERSION_STATUS = {"waiting": _l("Waiting for review"), "reviewed": _l("Reviewed"), "superseded": _l("Replaced by a newer version")}
LANGUAGE = {"zh": _l("Chinese"), "en": _l("English")}
TEMPLATE = {"chinese": _l("Chinese style"), "english": _l("English style")}


# Words the editor repeats for every entry and thread: translated once per request, not once per use.
REPEATED = {
    "edit": _l("Edit"), "move_up": _l("Move up"), "move_down": _l("Move down"), "remove": _l("Remove"),
    "remove_confirm": _l("Remove this entry?"), "nothing": _l("Nothing here yet."), "save": _l("Save"),
    "cancel": _l("Cancel"), "open": _l("Open"), "resolved": _l("Resolved"), "reply": _l("Reply"),
    "send_reply": _l("Send reply"), "mark_resolved": _l("Mark resolved"), "reopen": _l("Reopen"),
    "former_user": _l("Former user"), "comment": _l("Comment"), "add_comment": _l("Add comment"),
    "comment_section": _l("Comment on this section"), "comment_entry": _l("Comment on this entry"),
    "comment_help": _l("Blank lines start a new paragraph. Simple HTML (bold, lists, links) is kept."),
    "add_entry": _l("Add an entry"), "new_entry": _l("New entry"),
}


def repeated_words() -> dict[str, str]:
    from flask import g

    words = g.get("resume_words")
    if words is None:
        words = g.resume_words = {key: str(value) for key, value in REPEATED.items()}
    return words


# Per-entry and per-thread URLs are built from one pattern each instead of one url_for() per use.
SENTINEL = 987654321
PATTERNS = {
    "item_edit": ("resumes.item_edit", "item_id"), "item_move": ("resumes.item_move", "item_id"),
    "item_delete": ("resumes.item_delete", "item_id"), "reply": ("resumes.reply", "comment_id"),
    "resolve": ("resumes.resolve", "comment_id"), "reopen": ("resumes.reopen", "comment_id"),
}


def url_maker():
    from flask import g, url_for

    patterns = g.get("resume_url_patterns")
    if patterns is None:
        patterns = g.resume_url_patterns = {
            name: url_for(endpoint, **{arg: SENTINEL}) for name, (endpoint, arg) in PATTERNS.items()
        }
    sentinel = str(SENTINEL)

    def u(name: str, object_id: int) -> str:
        return patterns[name].replace(sentinel, str(object_id))

    return u


# A section's links, from one url_for() each per request: the section key replaces a placeholder.
SECTION_PATTERNS = {
    "editor": ("resumes.edit", {"_anchor": "section-@section@"}),
    "fragment": ("resumes.section", {"section": "@section@"}),
    "edit_single": ("resumes.section", {"section": "@section@", "edit": 1}),
    "new_item": ("resumes.item_new", {"section": "@section@"}),
}


def section_url(name: str, resume_id: int, key: str) -> str:
    """url_for() of SECTION_PATTERNS[name] for this resume and section (keys are plain words)."""
    from flask import g, url_for

    patterns = g.get("resume_section_patterns")
    if patterns is None:
        patterns = g.resume_section_patterns = {}
    pattern = patterns.get((name, resume_id))
    if pattern is None:
        endpoint, values = SECTION_PATTERNS[name]
        pattern = patterns[(name, resume_id)] = url_for(endpoint, resume_id=resume_id, **values)
    return pattern.replace("@section@", key)


def entry_html(entry, key: str, *, mode: str, first: bool, last: bool, L: dict, u, csrf: str) -> Markup:
    """One entry of a list section, and in the editor its controls, as resumes/_section.html drew them:
    a Jinja entry with its three controls cost ~0.1 ms, and a resume has a few dozen entries."""
    head = f'<strong class="entry-title">{esc(entry.title)}</strong>'
    if entry.subtitle:
        head += f'<span class="entry-sub">{esc(entry.subtitle)}</span>'
    if entry.when:
        head += f'<span class="entry-when">{esc(entry.when)}</span>'
    lines = "".join(f'<p class="entry-line">{esc(line)}</p>' for line in entry.lines)
    html = f'<div class="entry">\n  <div class="entry-head">{head}</div>{lines}\n</div>'
    if mode == "edit":
        edit, move, delete = (esc(u(name, entry.id)) for name in ("item_edit", "item_move", "item_delete"))
        target, token = f"#section-{esc(key)}", esc(csrf)
        html += (
            f'\n<div class="item-controls">\n'
            f'  <a class="button small" href="{edit}" hx-get="{edit}" hx-target="{target}" hx-swap="outerHTML">{esc(L["edit"])}</a>\n'
            f'  <form method="post" action="{move}" class="inline" hx-post="{move}" hx-target="{target}" hx-swap="outerHTML">\n'
            f'    <input type="hidden" name="csrf_token" value="{token}">\n'
            f'    <button type="submit" name="direction" value="up" class="small" {"disabled" if first else ""} '
            f'aria-label="{esc(L["move_up"])}">↑</button>\n'
            f'    <button type="submit" name="direction" value="down" class="small" {"disabled" if last else ""} '
            f'aria-label="{esc(L["move_down"])}">↓</button>\n'
            f'  </form>\n'
            f'  <form method="post" action="{delete}" class="inline" hx-post="{delete}" hx-target="{target}" hx-swap="outerHTML"\n'
            f'        hx-confirm="{esc(L["remove_confirm"])}">\n'
            f'    <input type="hidden" name="csrf_token" value="{token}">\n'
            f'    <button type="submit" class="small danger">{esc(L["remove"])}</button>\n'
            f'  </form>\n'
            f'</div>'
        )
    return Markup(html)


@lru_cache(maxsize=2048)
def _sanitized_short(text: str):
    return sanitize_html(text)


def sanitized(text: str | None):
    """The shared sanitizer's output (portal.sanitize.sanitize_html), remembered for short texts.

    A page shows the same comments again and again, and cleaning one takes bleach about half a
    millisecond; the result for a given text never changes, so it is kept (at most 2,048 texts of
    at most 4,000 characters).
    """
    if text and len(text) <= 4000:
        return _sanitized_short(text)
    return sanitize_html(text)


def init_blueprint(bp) -> None:
    @bp.context_processor
    def _labels():
        from flask_wtf.csrf import generate_csrf

        words, u, csrf = repeated_words(), url_maker(), generate_csrf()
        return {
            "L": words,
            "u": u,
            "su": section_url,
            "csrf": csrf,
            "entry_html": partial(entry_html, L=words, u=u, csrf=csrf),
            "sanitized": sanitized,
            "resume_status_labels": RESUME_STATUS,
            "version_status_labels": VERSION_STATUS,
            "resume_language_labels": LANGUAGE,
            "resume_template_labels": TEMPLATE,
            "resume_templates": S.TEMPLATES,
        }
