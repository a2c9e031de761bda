"""CareCircle settings: one module, read from the environment.

Every value comes from an environment variable with a typed helper that fails loudly
(``ImproperlyConfigured``) on a bad value. ``docs/operations.md`` lists them all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


ENVIRONMENTS = {"development", "demo", "test", "production"}
# pytest sets PYTEST_VERSION; the suite then runs in "test" mode unless told otherwise.
CARECIRCLE_ENV = env_str(
    "CARECIRCLE_ENV", "test" if "PYTEST_VERSION" in os.environ else "development"
)
if CARECIRCLE_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"CARECIRCLE_ENV must be one of {', '.join(sorted(ENVIRONMENTS))}, not {CARECIRCLE_ENV!r}"
    )
PRODUCTION = CARECIRCLE_ENV == "production"

# The key every non-production install shares; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "django-insecure-carecircle-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("CARECIRCLE_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("CARECIRCLE_DEBUG", CARECIRCLE_ENV == "development")

if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "CARECIRCLE_SECRET_KEY must be set to a long random value in production"
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "CARECIRCLE_SECRET_KEY is too short: use at least 50 random characters"
        )
    if DEBUG:
        raise ImproperlyConfigured("CARECIRCLE_DEBUG must be off in production")

# The audit trail's HMAC key. Separate from SECRET_KEY so rotating one does not break the other;
# production requires it, kept outside the database and its backups.
AUDIT_HMAC_KEY = env_str("CARECIRCLE_AUDIT_KEY", "" if PRODUCTION else SECRET_KEY)
if PRODUCTION and (len(AUDIT_HMAC_KEY) < 32 or AUDIT_HMAC_KEY == SECRET_KEY):
    raise ImproperlyConfigured(
        "CARECIRCLE_AUDIT_KEY must be set in production: 32+ random characters, not the secret key"
    )

DATA_DIR = Path(env_str("CARECIRCLE_DATA_DIR", str(Path.cwd() / "var"))).resolve()
# The data dir holds the SQLite database, the task queue and collected static files.
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)

ALLOWED_HOSTS = env_list(
    "CARECIRCLE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("CARECIRCLE_ALLOWED_HOSTS must name this server's host names")
CSRF_TRUSTED_ORIGINS = env_list("CARECIRCLE_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("CARECIRCLE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    # Before allauth, so CareCircle's layout wraps the sign-in pages.
    "carecircle.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "huey.contrib.djhuey",
    "carecircle.partners",
    "carecircle.privacy",
    "carecircle.notifications",
    "carecircle.directory",
    "carecircle.clients",
    "carecircle.referrals",
    "carecircle.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "carecircle.web.middleware.RequestIdMiddleware",
    "carecircle.web.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carecircle.web.middleware.DenyByDefaultMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "carecircle.web.middleware.IdleTimeoutMiddleware",
    "carecircle.web.middleware.RequireMFAMiddleware",
    "carecircle.web.middleware.ActingContextMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carecircle.urls"
WSGI_APPLICATION = "carecircle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carecircle.web.context_processors.carecircle",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES: dict[str, dict[str, Any]] = {
            "default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "carecircle.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
                # deadlocking on lock upgrade (the audit chain head depends on this).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if CARECIRCLE_ENV == "test":
    # Argon2 is slow by design; the suite creates hundreds of users.
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:public_home"

ACCOUNT_ADAPTER = "carecircle.web.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CareCircle"
# Production demands MFA before any person-level page or API call; demo and development
# relax it and say so in a banner on every page.
MFA_REQUIRED = env_bool("CARECIRCLE_MFA_REQUIRED", PRODUCTION)
if PRODUCTION and not MFA_REQUIRED:
    raise ImproperlyConfigured("CARECIRCLE_MFA_REQUIRED cannot be turned off in production")

AXES_FAILURE_LIMIT = env_int("CARECIRCLE_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("CARECIRCLE_LOCKOUT_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# allauth posts "login" but authenticates with username=...; read whichever is there so
# failures and lockout checks count against the same username.
AXES_USERNAME_CALLABLE = "carecircle.web.adapters.axes_username"
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

IDLE_TIMEOUT_SECONDS = env_int("CARECIRCLE_IDLE_TIMEOUT_MINUTES", 15, minimum=1) * 60
SESSION_COOKIE_AGE = env_int("CARECIRCLE_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("CARECIRCLE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("CARECIRCLE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("CARECIRCLE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MAP_TILE_URL = env_str("CARECIRCLE_MAP_TILE_URL", "")
# Tile providers ask to be credited, e.g. "© OpenStreetMap contributors".
MAP_TILE_ATTRIBUTION = env_str("CARECIRCLE_MAP_TILE_ATTRIBUTION", "")
# The jurisdiction (by name) whose crisis line the public Find help pages show; empty means the
# first jurisdiction by name.
PUBLIC_JURISDICTION = env_str("CARECIRCLE_PUBLIC_JURISDICTION", "")
_tile_origins = [MAP_TILE_URL.split("/{")[0]] if MAP_TILE_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origins],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from npm (package-lock.json) and are served by WhiteNoise.
NODE_MODULES = Path(env_str("CARECIRCLE_NODE_MODULES", str(PROJECT_DIR / "node_modules")))
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / package)
    for name, package in {
        "htmx": "htmx.org/dist",
        "leaflet": "leaflet/dist",
        "signature_pad": "signature_pad/dist",
    }.items()
    if (NODE_MODULES / package).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Background work --------------------------------------------------------------------------
REDIS_URL = env_str("CARECIRCLE_REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("CARECIRCLE_HUEY_IMMEDIATE", CARECIRCLE_ENV == "test")
if REDIS_URL:
    HUEY: dict[str, Any] = {
        "huey_class": "huey.RedisHuey",
        "name": "carecircle",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "carecircle",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": env_int("CARECIRCLE_WORKERS", 2, minimum=1), "worker_type": "thread"}

# --- Email and notifications ------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "CARECIRCLE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("CARECIRCLE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CARECIRCLE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("CARECIRCLE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CARECIRCLE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CARECIRCLE_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CARECIRCLE_FROM_EMAIL", "CareCircle <no-reply@carecircle.invalid>")
WEBHOOK_TIMEOUT_SECONDS = env_int("CARECIRCLE_WEBHOOK_TIMEOUT", 10, minimum=1)
# Production refuses webhook URLs on private, loopback or link-local addresses (SSRF) unless
# partners' systems sit on a private network the operator vouches for.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("CARECIRCLE_WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)

# --- Logging: never person-level data; the request id ties a log line to audit rows -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "carecircle.requestctx.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("CARECIRCLE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "faker": {"level": "WARNING"},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []
