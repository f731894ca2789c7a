"""The rows of the follow-up lists (list flags, spending signals), drawn in Python.

The list draws 50 of them and the htmx answer after an action draws one, both through these
functions (templates/students/imports/_match_row.html and _signal_row.html call them): a Jinja row,
included once per row with its two forms, cost ~60 µs, most of the page's own time. `ctx` is what
import_routes._row_context works out once per response.
"""
from __future__ import annotations

from markupsafe import Markup

from portal.escaping import esc

from portal.i18n import date_filter


def _message(row_message, row_ok) -> str:
    if not row_message:
        return ""
    return f'<p class="{"ok" if row_ok else "error"}" role="status">{esc(row_message)}</p>'


def _forms(ctx: dict, kind: str, row_id: str, object_id, claim_fields: str = "") -> str:
    """A row's two forms, "open a claim" (with `claim_fields` before its button) and "dismiss with a
    reason"; htmx swaps the row, #<kind>-<id>, with the answer."""
    t, csrf = ctx["t"], ctx["csrf"]
    claim, dismiss = esc(ctx["claim_url"](object_id)), esc(ctx["dismiss_url"](object_id))
    return (
        f'\n      <form method="post" action="{claim}"\n'
        f'            hx-post="{claim}" hx-target="#{kind}-{row_id}" hx-swap="outerHTML">\n'
        f'        {csrf}\n'
        f'{claim_fields}'
        f'        <button type="submit" class="small primary">{t["open_claim"]}</button>\n'
        f'      </form>\n'
        f'      <form method="post" action="{dismiss}" class="dismiss"\n'
        f'            hx-post="{dismiss}" hx-target="#{kind}-{row_id}" hx-swap="outerHTML">\n'
        f'        {csrf}\n'
        f'        <label class="visually-hidden" for="reason-{kind}-{row_id}">{t["reason"]}</label>\n'
        f'        <input id="reason-{kind}-{row_id}" name="reason" maxlength="180" required placeholder="{t["reason_placeholder"]}">\n'
        f'        <button type="submit" class="small">{t["dismiss"]}</button>\n'
        f'      </form>\n    '
    )


def flag_row_html(ctx: dict, match, row_message=None, row_ok=None) -> Markup:
    row_id = esc(match.id)
    matched = ctx["matched_by"].get(match.matched_by) or ctx["matched_by_other"] % {"by": match.matched_by}
    if match.resolved_at:
        actions = (f'\n      <span>{esc(ctx["resolution_label"](match))}</span>'
                   f'<br><small class="muted">{esc(date_filter(match.resolved_at))}</small>\n    ')
    else:
        actions = _forms(ctx, "flag", row_id, match.id)
    return Markup(
        f'<tr id="flag-{row_id}" data-testid="flag-row">\n'
        f'  <td>{esc(match.display_name)}<br><small class="muted">{esc(match.student_no)}</small></td>\n'
        f'  <td>{esc(match.college)} · {esc(match.major)}<br><small class="muted">{esc(match.class_name or "")}</small></td>\n'
        f'  <td>{esc(ctx["category_labels"].get(match.category) or match.category)}</td>\n'
        f'  <td>{esc(match.list_name)}<br><small class="muted">{esc(matched)}</small></td>\n'
        f'  <td>{esc(date_filter(match.imported_at))}</td>\n'
        f'  <td class="actions">\n'
        f'    {_message(row_message, row_ok)}\n'
        f'    {actions}\n'
        f'  </td>\n'
        f'</tr>'
    )


def signal_row_html(ctx: dict, signal, row_message=None, row_ok=None) -> Markup:
    t, row_id = ctx["t"], esc(signal.id)
    if signal.status == "open" and signal.active:
        category = (
            f'        <label class="visually-hidden" for="category-signal-{row_id}">{t["category"]}</label>\n'
            f'        <select id="category-signal-{row_id}" name="category">{ctx["category_options"]}</select>\n'
        )
        actions = _forms(ctx, "signal", row_id, signal.id, category)
    elif signal.status == "dismissed":
        actions = (f'\n      <span>{t["dismissed"] % {"reason": esc(signal.reason or "")}}</span>'
                   f'<br><small class="muted">{esc(date_filter(signal.resolved_at))}</small>\n    ')
    elif signal.status == "claimed":
        actions = f'\n      <span>{t["claimed"]}</span>\n    '
    else:
        actions = ""
    months = ", ".join(esc(m) for m in (signal.months or []))
    return Markup(
        f'<tr id="signal-{row_id}" data-testid="signal-row">\n'
        f'  <td>{esc(signal.display_name)}<br><small class="muted">{esc(signal.student_no)}</small></td>\n'
        f'  <td>{esc(signal.college)} · {esc(signal.major)}<br><small class="muted">{esc(signal.class_name or "")}</small></td>\n'
        f'  <td>¥{esc(signal.avg_amount)}<br><small class="muted">{t["meals"] % {"num": int(signal.avg_meals)}}</small></td>\n'
        f'  <td>{months}<br><small class="muted">{t["since"] % {"day": esc(date_filter(signal.detected_at))}}</small></td>\n'
        f'  <td class="actions">\n'
        f'    {_message(row_message, row_ok)}\n'
        f'    {actions}\n'
        f'  </td>\n'
        f'</tr>'
    )
