"""Who may reach the analysis dashboard, the report downloads and the figures' settings."""
from tests.sweep import only

EXPECTATIONS = {
    "reports.dashboard": ("GET", "/reports/", only("mentor", "admin")),
    "reports.exports": ("GET", "/reports/exports", only("admin")),
    "reports.cohort_pdf": ("GET", "/reports/cohort.pdf?year=2027&lang=en", only("admin")),
    "reports.cohort_xlsx": ("GET", "/reports/cohort.xlsx?year=2027&lang=zh", only("admin")),
}
