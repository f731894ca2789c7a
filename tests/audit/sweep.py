"""Who may read the audit log."""
from tests.sweep import only

EXPECTATIONS = {
    "audit.index": ("GET", "/admin/audit/", only("admin")),
}
