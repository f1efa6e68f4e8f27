"""Configuration from the environment (12-factor). ``TestConfig`` is used by the test suite."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("VOLMIFY_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(env: str) -> str:
    """SECRET_KEY from the environment; in development, generated once into instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise RuntimeError("SECRET_KEY must be set in production.")
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; we use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'volmify.sqlite3'}"


class Config:
    ENV_NAME = os.environ.get("VOLMIFY_ENV", "development")

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key(self.ENV_NAME)
        self.SQLALCHEMY_DATABASE_URI = _database_url()

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https" if ENV_NAME == "production" else "http"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("en", "de", "fr", "es")

    # Market settings are cached per process for this many seconds (0: off).
    STOREFRONT_CACHE_SECONDS = int(os.environ.get("STOREFRONT_CACHE_SECONDS", "30"))

    # Trusted header carrying the visitor's country (set by a CDN such as Cloudflare).
    COUNTRY_HEADER = os.environ.get("COUNTRY_HEADER", "CF-IPCountry")

    # `flask billing renew`: days a renewal order may stay unpaid before its subscription lapses.
    BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "7"))
    # Digital download links on the order page stay valid this long (seconds).
    DOWNLOAD_LINK_SECONDS = int(os.environ.get("DOWNLOAD_LINK_SECONDS", "3600"))

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # a local fake in tests

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Volmify <no-reply@volmify.localhost>")

    # Accept email addresses on the reserved .test domain (the demo accounts use it). Such addresses
    # never receive mail, so production refuses them unless this is turned on (app/checks.py).
    EMAIL_TEST_DOMAINS = _env_bool("EMAIL_TEST_DOMAINS", ENV_NAME != "production")

    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24  # verification links: a day
    RESET_TOKEN_MAX_AGE = 60 * 60  # password reset links: an hour

    # Development pages (email outbox) are on outside production.
    DEV_PAGES = _env_bool("DEV_PAGES", ENV_NAME != "production")

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "volmify-demo")

    # Request bodies above this are refused with 413 (assignment uploads have their own, smaller,
    # per-lesson limit). Uploaded files are stored under UPLOAD_FOLDER/<org_id>/.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")


class TestConfig(Config):
    __test__ = False  # not a pytest test class
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    STOREFRONT_CACHE_SECONDS = 0

    def __init__(self) -> None:
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or _test_db_url()


def _test_db_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _database_url()
    return "sqlite://"
