"""Command-line groups: users and demo data; features add theirs in their own cli.py."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.errors import RuleViolation
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "role", required=True, type=click.Choice(["student", "mentor", "alumni", "admin"]))
@click.option("--name", "display_name", default=None, help="Full name shown in the portal.")
@click.option("--email", default=None)
@click.option("--password", default=None, help="Omit to be asked (input hidden).")
def users_create(username: str, role: str, display_name: str | None, email: str | None, password: str | None):
    """Create a user with a role. The user chooses their own password at first sign-in."""
    from portal.accounts import services

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            actor=None,
            username=username,
            display_name=display_name or username,
            role=role,
            password=password,
            email=email,
            must_change_password=False,
        )
    except RuleViolation as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}).")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username: str):
    """Deactivate a user and end all their sessions."""
    from portal.accounts import services

    user = services.get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    user.active = False
    services.end_sessions(user)
    from portal import audit

    audit.record(None, "account.deactivated", user, detail="cli")
    db.session.commit()
    click.echo(f"Deactivated {user.username}.")


@demo_cli.command("seed")
@click.option("--students", "n_students", default=200, show_default=True, type=click.IntRange(1, 20000))
@click.option("--seed", "seed", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has users.")
def demo_seed(n_students: int, seed: int, if_empty: bool):
    """Load deterministic, realistic demo data into an empty database."""
    from portal import demo

    if demo.has_data():
        if if_empty:
            click.echo("The database already has data; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data loads only into an empty database.")
    summary = demo.seed(n_students=n_students, seed=seed)
    click.echo(summary.describe())


def init_app(app: Flask) -> None:
    from portal import feature_modules

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    for module in feature_modules("cli"):
        for command in module.commands:
            app.cli.add_command(command)
