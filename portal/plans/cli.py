"""Commands of the plans feature: the default questionnaire, plans for the whole ledger, review reminders."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

plans_cli = AppGroup("plans", help="Questionnaires, support plans and their reviews.")


@plans_cli.command("default-questionnaire")
def default_questionnaire():
    """Add the shipped questionnaire and suggestion rules if they are missing (safe to repeat)."""
    from portal.plans.questionnaires import ensure_default_questionnaire

    questionnaire, created = ensure_default_questionnaire()
    db.session.commit()
    click.echo(f"Default questionnaire {'created' if created else 'already present'} (id {questionnaire.id}).")


@plans_cli.command("create-plans")
def create_plans():
    """Start a support plan for every student in the ledger who has none."""
    from portal.plans.goals import create_missing_plans

    count = create_missing_plans()
    db.session.commit()
    click.echo(f"{count} plans started.")


@plans_cli.command("remind-reviews")
def remind_reviews():
    """Notify mentors of plans due for review (once per plan and review date; run it daily)."""
    from portal.plans.reviews import remind_reviews as remind

    count = remind()
    db.session.commit()
    click.echo(f"{count} reminders left.")


commands = [plans_cli]
