"""The MedPath application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from portal import config as config_module

ROOT = Path(__file__).resolve().parent.parent

# Feature packages, in the order their blueprints, commands and demo data are set up.
# A feature package exposes `blueprints` (a list) in __init__.py, and may have models.py,
# cli.py (`commands`: click groups or commands) and demo.py (`seed(ctx)`).
FEATURES = (
    "main", "accounts", "audit", "notifications", "students", "plans", "resumes",
    "appointments", "sessions", "jobs", "outcomes", "reports",
)


def feature_modules(name: str):
    """The feature packages' `name` submodules that exist (models, cli, demo…), in FEATURES order."""
    import importlib
    import importlib.util

    found = []
    for feature in FEATURES:
        if importlib.util.find_spec(f"portal.{feature}") is None:
            continue
        if name == "__init__":
            found.append(importlib.import_module(f"portal.{feature}"))
        elif importlib.util.find_spec(f"portal.{feature}.{name}") is not None:
            found.append(importlib.import_module(f"portal.{feature}.{name}"))
    return found


def _load_config(app: Flask, config) -> None:
    if config is None:
        name = os.environ.get("MEDPATH_ENV", "development")
        config = config_module.CONFIGS.get(name)
        if config is None:
            raise RuntimeError(f"MEDPATH_ENV must be one of {', '.join(config_module.CONFIGS)}")
    if isinstance(config, dict):
        app.config.from_object(config_module.CONFIGS[config.get("ENV_NAME", "testing")])
        app.config.update(config)
    else:
        app.config.from_object(config)
    # the instance folder may hold a config.py of local settings outside the repository
    app.config.from_pyfile("config.py", silent=True)
    if app.config["ENV_NAME"] == "production":
        config_module.check_production(app.config)
    else:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = config_module.instance_secret(app.instance_path, "secret_key")
    if not app.config.get("ID_HASH_KEY"):
        app.config["ID_HASH_KEY"] = "id-hash:" + app.config["SECRET_KEY"]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "medpath.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": 30},
        }
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME_HOURS"] * 3600


def create_app(config=None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["ENV_NAME"] == "production" and app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from portal import cache, errors, i18n, security, templating
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(ROOT / "portal" / "translations"),
    )
    i18n.install_template_callables(app)
    login_manager.init_app(app)

    from portal import models  # noqa: F401  (every feature's models, for Alembic and create_all)
    from portal.accounts import auth as auth_module
    auth_module.init_app(app)

    for package in feature_modules("__init__"):
        for blueprint in getattr(package, "blueprints", ()):
            app.register_blueprint(blueprint)

    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from portal import cli

    cli.init_app(app)
    return app
