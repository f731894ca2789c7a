"""Labels the resume templates use, computed once per request rather than per row."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.resumes import sections as S

RESUME_STATUS = {"draft": _l("Draft"), "waiting": _l("Waiting for review"), "reviewed": _l("Reviewed")}
VERSION_STATUS = {"waiting": _l("Waiting for review"), "reviewed": _l("Reviewed"), "superseded": _l("Replaced by a newer version")}
LANGUAGE = {"zh": _l("Chinese"), "en": _l("English")}
TEMPLATE = {"chinese": _l("Chinese style"), "english": _l("English style")}


def init_blueprint(bp) -> None:
    @bp.context_processor
    def _labels():
        return {
            "resume_status_labels": RESUME_STATUS,
            "version_status_labels": VERSION_STATUS,
            "resume_language_labels": LANGUAGE,
            "resume_template_labels": TEMPLATE,
            "resume_templates": S.TEMPLATES,
        }
