"""Configuration from the environment (12-factor). ``TestConfig`` is used by the test suite."""

from __future__ import annotations

import functools
import json
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

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


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip().lower() for item in value.split(",") if item.strip()]


# Host names `make run` serves on: the loopback address, localhost and the demo's *.localhost
# market domains (the leading dot matches every subdomain, as in Werkzeug's host_is_trusted).
DEVELOPMENT_HOSTS = ("127.0.0.1", "localhost", ".localhost")


def _public_url(env: str) -> str:
    """Base URL of emailed links (never taken from a request's Host header)."""
    url = (os.environ.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not url:
        if env == "production":
            raise RuntimeError("PUBLIC_URL must be set in production (e.g. https://volmify.example).")
        url = "http://127.0.0.1:5000"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"PUBLIC_URL must be an http(s) URL with a host name, not {url!r}.")
    return url


def _platform_hosts(env: str, public_url: str) -> list[str]:
    """TRUSTED_HOSTS plus the host of PUBLIC_URL; in development, the local names by default."""
    hosts = _env_list("TRUSTED_HOSTS")
    if hosts is None:
        hosts = [] if env == "production" else list(DEVELOPMENT_HOSTS)
    return list(dict.fromkeys([urlsplit(public_url).hostname.lower(), *hosts]))
PROXY_FIX_HOPS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def proxy_fix_options(value) -> dict[str, int] | None:
    """Werkzeug ``ProxyFix`` hop counts from ``PROXY_FIX``: ``"x_for=1,x_proto=1,x_host=1"``, or
    one number N for N proxies setting X-Forwarded-For, -Proto and -Host. Unset, empty, ``0`` or
    ``off``: no proxy is trusted (None). Anything else is a configuration error."""
    if value is None or isinstance(value, dict):
        return value or None
    text = str(value).strip().lower()
    if text in ("", "0", "off", "no", "false"):
        return None
    if text.isdigit():
        hops = int(text)
        return {"x_for": hops, "x_proto": hops, "x_host": hops}
    options: dict[str, int] = {}
    for part in text.split(","):
        name, sep, count = (piece.strip() for piece in part.partition("="))
        if not sep or name not in PROXY_FIX_HOPS or not count.isdigit():
            raise RuntimeError(
                f"PROXY_FIX={value!r}: expected hop counts such as 'x_for=1,x_proto=1,x_host=1' "
                f"(names: {', '.join(PROXY_FIX_HOPS)}) or a single number"
            )
        options[name] = int(count)
    return options if any(options.values()) else None


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
        self.PUBLIC_URL = _public_url(self.ENV_NAME)
        self.PLATFORM_HOSTS = _platform_hosts(self.ENV_NAME, self.PUBLIC_URL)

    # Requests whose Host is neither one of PLATFORM_HOSTS (env TRUSTED_HOSTS, plus PUBLIC_URL's
    # host) nor an active market domain get 400 (app/markets/hosts.py). Flask's own TRUSTED_HOSTS is
    # not used: it is checked before an app context exists, so it cannot know market domains that
    # were added after start-up.
    PUBLIC_URL = "http://127.0.0.1:5000"
    PLATFORM_HOSTS: list[str] = list(DEVELOPMENT_HOSTS)

    # JSON columns keep text as written ("Hörbücher", not "H\u00f6rb\u00fccher"), so searching
    # a JSON value cast to text (the audit log) finds it. The pre-ping costs no round trip on
    # PostgreSQL for a connection used moments ago (app/db.py, _pg_ping).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True,
                                 "json_serializer": functools.partial(json.dumps, ensure_ascii=False)}
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
    # `make bench`: each response carries the request's summed SQL time (header X-SQL-Time,
    # app/web/sqltiming.py). Off by default: it costs a little per statement.
    BENCH_SQL_TIMING = _env_bool("BENCH_SQL_TIMING", False)
    # With REDIS_URL, each process reads the storefront data's generation from Redis at most this
    # often (seconds): an edit shows in every process and host within about this time (app/web/cache.py).
    CACHE_GENERATION_CHECK_SECONDS = float(os.environ.get("CACHE_GENERATION_CHECK_SECONDS", "0.5"))

    # Trusted header carrying the visitor's country (set by a CDN such as Cloudflare).
    COUNTRY_HEADER = os.environ.get("COUNTRY_HEADER", "CF-IPCountry")

    # `flask billing renew`: days a renewal order may stay unpaid before its subscription lapses.
    BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "7"))
    # Digital download links on the order page stay valid this long (seconds).
    DOWNLOAD_LINK_SECONDS = int(os.environ.get("DOWNLOAD_LINK_SECONDS", "3600"))

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # a local fake in tests
    # What each payment provider charges per payment: a percent of the amount plus a fixed amount
    # in the order's currency (rounded to its minor unit). Creators' revenue is net of it.
    PROCESSING_FEES = {
        "stripe": (os.environ.get("STRIPE_FEE_PERCENT", "2.9"), os.environ.get("STRIPE_FEE_FIXED", "0.30")),
        "manual": (os.environ.get("MANUAL_FEE_PERCENT", "0"), "0"),
    }

    # Behind a reverse proxy: how many proxies to trust for each X-Forwarded-* header (Werkzeug's
    # ProxyFix), so rate limits key on the client's address. Off by default.
    PROXY_FIX = proxy_fix_options(os.environ.get("PROXY_FIX"))

    # Rate limits are counted in Redis when REDIS_URL is set (shared by every worker and host),
    # else in each process's memory.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Celery's broker (app/platform/tasks.py): background email, bulk jobs, the daily renewals.
    # Unset (and no REDIS_URL): tasks run in-process at once, so one machine needs nothing more.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
    # A dashboard list's CSV export longer than this many rows is written by a Celery worker and
    # offered for download when ready (app/staff/exports.py); 0: always streamed in the request.
    CSV_INLINE_ROWS = int(os.environ.get("CSV_INLINE_ROWS", "20000"))
    # When `celery beat` enqueues the daily renewals (HH:MM, UTC).
    RENEWALS_AT = os.environ.get("RENEWALS_AT", "03:00")
    RATELIMIT_KEY_PREFIX = "volmify"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "20 per hour")
    VERIFY_RESEND_RATE_LIMIT = os.environ.get("VERIFY_RESEND_RATE_LIMIT", "3 per hour")

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

    # Development pages (email outbox): off in production whatever DEV_PAGES says, and served
    # only to requests from the loopback address.
    DEV_PAGES = ENV_NAME != "production" and _env_bool("DEV_PAGES", True)

    # Security headers (Flask-Talisman, app/web/security.py). The CSP is sent in every
    # environment, so a violation shows up in development and in the browser tests; HSTS only in
    # production (on every response: TLS ends at the proxy in front of the app).
    HSTS = _env_bool("HSTS", ENV_NAME == "production")
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))
    # Redirect plain-HTTP requests to HTTPS in the app (usually the proxy's job).
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", False)

    # Server-side sign-ins (user_session): "last seen" is written at most this often per session.
    SESSION_SEEN_INTERVAL_SECONDS = 300

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "volmify-demo")

    # Request bodies above this are refused with 413 (assignment uploads have their own, smaller,
    # per-lesson limit). Uploaded files are stored under UPLOAD_FOLDER/<org_id>/.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    # Where uploads are stored (app/platform/storage.py): a class path with the storage interface's
    # five methods for shared storage across hosts; empty: LocalStorage under UPLOAD_FOLDER.
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND") or None
    # Uploaded images (covers, avatars, logos) larger than this are refused with a message.
    IMAGE_MAX_MB = int(os.environ.get("IMAGE_MAX_MB", "10"))


class TestConfig(Config):
    __test__ = False  # not a pytest test class
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    CELERY_BROKER_URL = None  # tasks run eagerly (the Celery test starts its own worker)
    SERVER_NAME = None
    STOREFRONT_CACHE_SECONDS = 0
    # Argon2 at its cheapest: thousands of test users are created (never use this in production).
    PASSWORD_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

    DEV_PAGES = True
    HSTS = False
    FORCE_HTTPS = False

    def __init__(self) -> None:
        self.SECRET_KEY = "test-secret-key"
        # Only TEST_DATABASE_URL, never DATABASE_URL: the suite drops and rebuilds the schema of its
        # database, and a shell set up to run the app (README's deployment) exports DATABASE_URL.
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        # The test client's default host; emailed links read http://localhost/...
        self.PUBLIC_URL = "http://localhost"
        self.PLATFORM_HOSTS = list(DEVELOPMENT_HOSTS)
        # Uploads of a test run land in a folder of their own, never in the instance folder.
        self.UPLOAD_FOLDER = os.path.join(tempfile.gettempdir(), f"volmify-test-uploads-{os.getpid()}")


