"""An import as a declaration (its columns, a row handler that plans against the database, and how
the plan is applied) and the three steps every import takes: read and check, preview, commit all or nothing."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.errors import RuleViolation
from portal.i18n import gettext as _
from portal.imports.columns import Problem, Spec, map_headers, parse_rows
from portal.imports.files import read_table


@dataclass
class Plan:
    """What an import would do with the checked rows, worked out against the database as it is now."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    details: list[dict] = field(default_factory=list)  # a sample of the changes, for the preview
    payload: Any = None  # what the importer's apply() needs

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


@dataclass(frozen=True)
class Importer:
    """One kind of import: its columns, the row handler that plans it, and how the plan is applied.

    `plan(rows, options)` sees every parsed row (those with a wrong cell carry `_bad`) and returns a
    Plan whose problems name the row and column; `apply(plan, *, actor, options)` writes it with bulk
    statements through db.session (so the cache sees the tables) and returns the counts.
    """

    key: str
    label: Any
    spec: Spec
    plan: Callable[[list[dict], dict], Plan]
    apply: Callable[..., dict]
    formats: tuple[str, ...] = ("xlsx", "csv")
    max_rows: int | None = None  # None: the IMPORT_MAX_ROWS setting
    text_columns: tuple[str, ...] = ()  # keys formatted as text in the template
    # for the imports page: counts -> a translated one-line summary, and whether there was anything to import
    describe: Callable[[dict], str] = lambda counts: ""
    imported_anything: Callable[[dict], bool] = lambda counts: True


class RowsRejected(RuleViolation):
    """The rows have errors (the database may have changed since the preview): nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(_("The records changed since the preview, and the file now has errors; nothing was imported."),
                         status=409)
        self.plan = plan


def _by_row(problem: Problem) -> tuple:
    return (problem.row is not None, problem.row or 0)


def read_rows(importer: Importer, data: bytes) -> tuple[list[dict], list[Problem]]:
    """Read a file and check its headers and cells. Raises RuleViolation when the file as a whole cannot be used."""
    table = read_table(data, formats=importer.formats, max_rows=importer.max_rows)
    mapping, header_problems = map_headers(table, importer.spec)
    rows, cell_problems = parse_rows(table, importer.spec, mapping, max_rows=importer.max_rows)
    return rows, header_problems + cell_problems


def preview(importer: Importer, data: bytes, *, options: dict | None = None) -> tuple[list[dict], Plan]:
    """Read and check a file and plan the import, writing nothing. The plan's problems are the file's,
    the cells' and the row handler's, in row order."""
    rows, problems = read_rows(importer, data)
    plan = importer.plan(rows, options or {})
    plan.problems = sorted(problems + plan.problems, key=_by_row)  # stable: the file's own problems first
    return rows, plan


def commit(importer: Importer, rows: list[dict], *, options: dict | None = None, actor) -> dict:
    """Plan again against the database as it is now and apply, all or nothing; the caller commits.

    Raises RowsRejected, having written nothing, when any row has an error. Returns the counts.
    """
    options = options or {}
    if any(row.get("_bad") for row in rows):
        raise RowsRejected(Plan(problems=[Problem(_(
            "The file has errors, so nothing was imported. Correct them and upload the file again."))]))
    plan = importer.plan(rows, options)
    if plan.errors:
        raise RowsRejected(plan)
    return importer.apply(plan, actor=actor, options=options)
