"""`flask report cohort --year Y --out FILE.pdf [--lang zh|en]`: the cohort report from the command line."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

report_cli = AppGroup("report", help="Employment reports.")


@report_cli.command("cohort")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The class (graduation year).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="FILE.pdf for the report, FILE.xlsx for the workbook of the ledger and destinations.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def cohort(year: int, out: Path, lang: str):
    """Write the cohort employment report (PDF) or workbook (.xlsx) of one class."""
    from portal import audit
    from portal.extensions import db
    from portal.reports import documents

    start = time.perf_counter()
    with current_app.test_request_context():
        if out.suffix.lower() == ".xlsx":
            data = documents.cohort_workbook(year, lang=lang)
            action = "report.cohort_xlsx"
        else:
            data = documents.cohort_pdf(year, lang=lang)
            action = "report.cohort_pdf"
        audit.record(None, action, target_type="Cohort", target_id=year, detail=f"cli lang={lang} out={out.name}")
        db.session.commit()
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data) // 1024} KiB) in {time.perf_counter() - start:.1f} s.")


commands = [report_cli]
