"""Retiring: the import engine is portal.imports, and the students' imports (roster, certification
lists, campus-card spending) are declared in portal.students.import_services. These names stay only
for callers that have not moved yet."""
from portal.imports import preview  # noqa: F401
from portal.students.import_services import commit  # noqa: F401
