"""One settings module for every environment; production differs only by environment values."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LEARNINGCITY_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Development defaults are deliberately recognisable; a system check refuses them when
# DEBUG is off (core.E001, learners.E001).
DEV_SECRET_KEY = "dev-insecure-learningcity-secret-key-change-me-in-production"  # noqa: S105
DEV_FIELD_KEY = "ZGV2LWxlYXJuaW5nY2l0eS1maWVsZC1rZXktMzJieXQ="  # 32 bytes, base64

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The demo and the tests run with the development keys; anything else must bring its own.
LEARNINGCITY_DEV_KEYS_OK = env_bool("LEARNINGCITY_DEV_KEYS_OK", False)

# AES-256-GCM keys for personal data at rest, newest first: "id:base64key,id:base64key".
# The first encrypts; all decrypt, so a key can be rotated without re-encrypting at once.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [f"1:{DEV_FIELD_KEY}"])
# Key for the HMAC blind index of national ID numbers; never rotated without a re-index.
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", DEV_FIELD_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "learningcity.core",
    "learningcity.accounts",
    "learningcity.network",
    "learningcity.learners",
    "learningcity.catalog",
    "learningcity.credentials",
    "learningcity.creditbank",
    "learningcity.funding",
    "learningcity.enrollment",
    "learningcity.events",
    "learningcity.communities",
    "learningcity.portal",
    "learningcity.monitoring",
    "learningcity.xapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "learningcity.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "learningcity.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "learningcity.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "learningcity.urls"
WSGI_APPLICATION = "learningcity.wsgi.application"
ASGI_APPLICATION = "learningcity.asgi.application"

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
                "learningcity.core.context_processors.display",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "learningcity.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # Tests run on a file, as the demo does: WAL, the busy timeout and several connections
    # at once behave as in production (an in-memory database shares one lock table).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id for every new or changed password; older PBKDF2 hashes still check, and Django
# rehashes them with Argon2 at the next successful login.
PASSWORD_HASHERS = env_list(
    "PASSWORD_HASHERS",
    [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "learningcity" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "lc_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Uploaded evidence (certificates, claims) is private: served only through views that check
# who asks, never from a public URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-public/"
# Largest evidence file a learner or provider may upload, and the types accepted.
CREDITBANK_EVIDENCE_MAX_BYTES = env_int("CREDITBANK_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
# How many days an assessor has to decide a prior-learning claim.
CREDITBANK_CLAIM_DAYS = env_int("CREDITBANK_CLAIM_DAYS", 30)
# The most a transcript share link may live.
CREDITBANK_SHARE_MAX_DAYS = env_int("CREDITBANK_SHARE_MAX_DAYS", 90)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MANIFEST_STRICT = False

# Rate limits count in their own cache: in memory per process by default, or one shared
# count when CACHE_BACKEND/CACHE_LOCATION name a shared cache (e.g. Django's RedisCache).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("CACHE_LOCATION", "ratelimit"),
    },
}

SESSION_COOKIE_HTTPONLY = True
# A session lasts a working day at most and ends when the browser closes (a community
# school's shared desk); logging in always starts a new session id (Django's login rotates it).
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
# A password-reset link works once and for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# Mail (password resets, reminders): SMTP in production; the demo writes messages as files
# under var/mail, and the tests keep them in memory.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG or LEARNINGCITY_DEV_KEYS_OK
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "learningcity@localhost")
# Production (no DEBUG, no development keys) is served over HTTPS only: secure cookies, a
# redirect from plain HTTP and HSTS for a year. Behind a TLS-terminating proxy, set
# SECURE_PROXY_SSL_HEADER=1 so the proxy's X-Forwarded-Proto says the request was HTTPS.
PRODUCTION = not (DEBUG or LEARNINGCITY_DEV_KEYS_OK)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Where the platform is reached from outside: credentials name their issuers, status lists and
# verification pages under it, so it must stay stable once credentials are issued.
CREDENTIALS_BASE_URL = env_str("CREDENTIALS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# How long an offered place waits for the learner's answer before it goes down the list.
ENROLLMENT_OFFER_HOURS = env_int("ENROLLMENT_OFFER_HOURS", 72)

# Requests one provider's xAPI credential may make a minute (0: no limit); the anonymous
# `about` resource is limited per address at the same rate.
XAPI_REQUESTS_PER_MINUTE = env_int("XAPI_REQUESTS_PER_MINUTE", 6000)
# The largest request body the learning record store reads (statements with their attachments,
# documents); larger ones are refused with 413. Other pages keep Django's 2.5 MB.
XAPI_MAX_BODY_BYTES = env_int("XAPI_MAX_BODY_BYTES", 20 * 1024 * 1024)

# How old the monitoring figures may grow: each refresh queues the next one this much later.
MONITORING_REFRESH_MINUTES = env_int("MONITORING_REFRESH_MINUTES", 60)

# Who counts as "aged" for inclusion policies (Shanghai's elder education starts at 60).
AGED_MIN_AGE = env_int("AGED_MIN_AGE", 60)

DEFAULT_EXCEPTION_REPORTER_FILTER = "learningcity.core.redaction.PersonalDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every line passes the personal-data filter: no ID number, phone or e-mail in the logs.
    "filters": {"personal_data": {"()": "learningcity.core.redaction.PersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Background work (waitlist promotion, offer expiry, reminders) through Django's tasks API,
# queued in the database and run by `learningcity db_worker`.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
