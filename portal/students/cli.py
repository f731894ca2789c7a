"""The `ledger` command group: roster, certification-list and campus-card imports from files, and signals."""
from __future__ import annotations

import getpass
import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

ledger_cli = AppGroup("ledger", help="The hardship ledger: imports and hidden-hardship signals.")

PROBLEMS_PRINTED = 50
CATEGORIES = ["poverty_alleviated", "low_income_guarantee", "zero_employment_family", "disabled", "orphan",
              "extreme_poverty_support", "low_income_family", "financial_hardship", "other"]
CATEGORY_NAMES = {
    "脱贫家庭": "poverty_alleviated", "建档立卡": "poverty_alleviated", "城乡低保": "low_income_guarantee",
    "低保": "low_income_guarantee", "零就业家庭": "zero_employment_family", "残疾": "disabled", "孤儿": "orphan",
    "特困供养": "extreme_poverty_support", "低收入家庭": "low_income_family", "家庭经济困难": "financial_hardship",
    "其他": "other",
}


def _category(ctx, param, value: str) -> str:
    value = (value or "").strip()
    code = CATEGORY_NAMES.get(value, value.lower())
    if code not in CATEGORIES:
        raise click.BadParameter(f"use one of {', '.join(CATEGORIES)} (or {', '.join(CATEGORY_NAMES)})")
    return code


def _language_option(fn):
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                        help="Language of the messages (default: the portal's default language).")(fn)


def _print_problems(problems, title: str) -> None:
    from portal.i18n import gettext as _

    if not problems:
        return
    click.echo(f"{title} ({len(problems)}):", err=True)
    for problem in problems[:PROBLEMS_PRINTED]:
        click.echo("  " + problem.describe(), err=True)
    if len(problems) > PROBLEMS_PRINTED:
        click.echo("  " + _("… and %(num)d more", num=len(problems) - PROBLEMS_PRINTED), err=True)


def _run_import(kind_key: str, path: str, *, options: dict, dry_run: bool, lang: str | None) -> None:
    """Check the file, print every problem, and import it all or nothing. Exits 1 when nothing is imported."""
    from flask_babel import force_locale
    from portal.i18n import gettext as _

    from portal import imports
    from portal.errors import RuleViolation
    from portal.students.import_services import KINDS, commit

    kind = KINDS[kind_key]
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        file = Path(path)
        limit = int(current_app.config.get("IMPORT_MAX_BYTES", imports.DEFAULT_MAX_BYTES))
        if file.stat().st_size > limit:
            raise click.ClickException(_("The file is %(size)s; files up to %(limit)s are accepted.",
                                         size=imports.size_text(file.stat().st_size), limit=imports.size_text(limit)))
        data = file.read_bytes()
        started = time.perf_counter()
        try:
            rows, plan = imports.preview(kind, data, options=options)
        except RuleViolation as error:
            raise click.ClickException(str(error) + " " + _("Nothing was imported.")) from None
        _print_problems(plan.errors, _("Errors"))
        _print_problems([p for p in plan.problems if p.severity == "warning"], _("Warnings"))
        _print_problems([p for p in plan.problems if p.severity == "unmatched"], _("Rows that match no student"))
        if plan.errors:
            db.session.rollback()
            raise click.ClickException(_("The file has errors, so nothing was imported. Correct them and run the import again."))
        if not kind.imported_anything(plan.counts):
            db.session.rollback()
            raise click.ClickException(_("%(summary)s. Nothing was imported.", summary=kind.describe(plan.counts)))
        if dry_run:
            db.session.rollback()
            click.echo(_("Dry run, nothing was written. If imported: %(summary)s.", summary=kind.describe(plan.counts)))
            return
        try:
            batch = commit(kind, rows, options=options, actor=None, filename=file.name,
                           file_sha256=imports.sha256(data), via="cli", note=f" os_user={_os_user()}")
            db.session.commit()
        except imports.RowsRejected as rejected:
            db.session.rollback()
            _print_problems(rejected.plan.errors, _("Errors"))
            raise click.ClickException(_("The file has errors, so nothing was imported. Correct them and run the import again.")) from None
        elapsed = time.perf_counter() - started
        click.echo(_("Imported %(file)s: %(summary)s.", file=file.name, summary=kind.describe(batch.counts))
                   + f" ({elapsed:.1f} s)")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


FILE = click.Path(exists=True, dir_okay=False, readable=True)


@ledger_cli.command("import-roster")
@click.argument("file", type=FILE)
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, without writing.")
@_language_option
def import_roster(file: str, dry_run: bool, lang: str | None):
    """Create or update students and their accounts from a roster (.xlsx or .csv).

    Headers (any order): 学号 姓名 性别 学院 专业 学历层次 毕业年份 班级 生源地 城乡 手机 邮箱, or
    student_no name gender college major degree graduation_year class home_province origin phone email.
    All rows are imported or none. New accounts cannot sign in until an administrator resets their password.
    """
    _run_import("roster", file, options={}, dry_run=dry_run, lang=lang)


@ledger_cli.command("import-list")
@click.argument("file", type=FILE)
@click.option("--category", required=True, callback=_category,
              help="The hardship category the list certifies: " + ", ".join(CATEGORIES) + " (or its Chinese name, e.g. 低保).")
@click.option("--name", "list_name", default=None, help="The list's name (default: the file name).")
@click.option("--dry-run", is_flag=True, help="Check the file and report the matches, without writing.")
@_language_option
def import_list(file: str, category: str, list_name: str | None, dry_run: bool, lang: str | None):
    """Match a certification list (学号 or 身份证号, and 姓名) with the students, and flag those on it who do
    not have the category in the ledger for a discreet check."""
    options = {"category": category, "list_name": (list_name or Path(file).stem).strip()[:200]}
    _run_import("list", file, options=options, dry_run=dry_run, lang=lang)


@ledger_cli.command("import-spending")
@click.argument("file", type=FILE)
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, without writing.")
@_language_option
def import_spending(file: str, dry_run: bool, lang: str | None):
    """Import monthly campus-card canteen spending (学号 月份 食堂消费金额 就餐次数) and recompute the signals."""
    _run_import("spending", file, options={}, dry_run=dry_run, lang=lang)


@ledger_cli.command("refresh-signals")
def refresh_signals():
    """Recompute the hidden-hardship signals (after changing claims outside the portal, for instance)."""
    from portal.students import signals

    result = signals.refresh_signals()
    db.session.commit()
    click.echo(f"{result.active} students meet the thresholds in {', '.join(result.months) or 'no months'}; "
               f"{result.new} new signals, {result.ended} ended.")


commands = [ledger_cli]
