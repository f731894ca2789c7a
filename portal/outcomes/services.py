"""The outcomes' rules that other features call, by the names they have always had: the rules
themselves live by sub-domain in destinations.py, follow_ups.py, feedback.py and measures.py."""
from __future__ import annotations

from portal.outcomes.destinations import clean_destination  # noqa: F401  (the destination import's rows)
from portal.outcomes.feedback import feedback_summary  # noqa: F401  (the cohort report)
