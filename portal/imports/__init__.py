"""The one import engine: reading hostile .xlsx/.csv uploads, finding declared columns under their
headers, checking every cell, planning against the database, staging a preview, and committing all
rows or none.

An import is an `Importer`: a `Spec` of `Column`s (header aliases, required, a cell parser) and a
row handler (`plan`) with its `apply`. The roster, certification lists and campus-card spending
(portal/students/import_services.py), job postings (portal/jobs/imports.py) and destinations
(portal/outcomes/imports.py) are declared this way. A file that cannot be used raises
portal.errors.RuleViolation (field "file"); a wrong cell is a `Problem` naming its row and column.
"""
from portal.imports.cells import (
    CellError,
    choice_value,
    date_value,
    email_value,
    integer_value,
    loose_key,
    money_value,
    month_value,
    phone_value,
    student_no_value,
    text_value,
)
from portal.imports.columns import Column, Mapping, Problem, Spec, map_headers, parse_rows
from portal.imports.engine import Importer, Plan, RowsRejected, commit, preview, read_rows
from portal.imports.files import (
    DEFAULT_MAX_BYTES,
    Table,
    cell_text,
    check_zip,
    decode_text,
    folded,
    read_table,
    size_text,
    sniff_type,
)
from portal.imports.staging import (
    Staged,
    claim_staged,
    discard,
    load_staged,
    purge_expired,
    release,
    safe_filename,
    sha256,
    stage,
    staging_dir,
)

__all__ = [
    "DEFAULT_MAX_BYTES", "CellError", "Column", "Importer", "Mapping", "Plan", "Problem", "RowsRejected", "Spec",
    "Staged", "Table", "cell_text", "check_zip", "choice_value", "claim_staged", "commit", "date_value",
    "decode_text", "discard", "email_value", "folded", "integer_value", "load_staged", "loose_key", "map_headers",
    "money_value", "month_value", "parse_rows", "phone_value", "preview", "purge_expired", "read_rows",
    "read_table", "release", "safe_filename", "sha256", "size_text", "sniff_type", "stage", "staging_dir",
    "student_no_value", "text_value",
]
