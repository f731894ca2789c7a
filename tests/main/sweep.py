"""Who may reach the front door, the language switch and each role's home page."""
from tests.sweep import ANYONE, LOGIN, ROLES, only

EXPECTATIONS = {
    "static": ("GET", "/static/css/portal.css", ANYONE),
    "main.healthz": ("GET", "/healthz", ANYONE),
    "main.index": ("GET", "/", {"anon": LOGIN, **{r: 302 for r in ROLES}}),
    # without a language the form is refused, whoever sends it
    "main.set_language": ("POST", "/language?lang=en", {"anon": 400, **{r: 400 for r in ROLES}}),
    "main.student_home": ("GET", "/student/", only("student")),
    "main.mentor_home": ("GET", "/mentor/", only("mentor")),
    "main.alumni_home": ("GET", "/alumni/", only("alumni")),
}
