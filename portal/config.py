"""Configuration classes, read from the environment and the instance folder."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL arrives in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret(instance_path: str, name: str) -> str:
    """A random secret kept in the instance folder, made on first use (development only)."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


class Config:
    ENV_NAME = "development"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # HMAC key for national ID numbers; falls back to a key derived from SECRET_KEY
    ID_HASH_KEY: str | None = os.environ.get("ID_HASH_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = (
        database_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else None
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}
    CLI_LOCALE = os.environ.get("MEDPATH_CLI_LOCALE")  # language of commands and jobs; default zh

    # Sessions: server-side records behind a signed cookie
    SESSION_COOKIE_NAME = "medpath_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    # The server-side session row decides idle time and lifetime; the cookie only has to outlive it,
    # so it is written when it changes instead of re-signed on every response.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_LIFETIME_HOURS)
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))

    # One Redis for rate limits, the cache and the job queue; without it all three are in-process.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per minute")
    LOGIN_LIMIT_PER_USERNAME = os.environ.get("LOGIN_LIMIT_PER_USERNAME", "5 per minute")

    PASSWORD_MIN_LENGTH = 10

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mail is printed to the console
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "MedPath <noreply@localhost>")

    AUDIT_PAGE_SIZE = 50
    ADMIN_PAGE_SIZE = 50


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
    ID_HASH_KEY = "test-id-hash-key"
    WTF_CSRF_ENABLED = False
    CLI_LOCALE = "en"  # services called outside a request answer in English in tests
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None  # a test that shares Redis between two apps sets it itself
    LOGIN_LIMIT_PER_IP = "1000 per minute"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"
    # Behind a reverse proxy that sets X-Forwarded-For / -Proto
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "1"))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development"}


def check_production(config: dict) -> None:
    """Refuse to start a production app with a missing or weak secret."""
    key = config.get("SECRET_KEY") or ""
    if key.lower() in WEAK_SECRETS or len(key) < 32 or key == TestConfig.SECRET_KEY:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
