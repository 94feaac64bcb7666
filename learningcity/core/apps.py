from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "learningcity.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from learningcity.core import checks  # noqa: F401  (registers system checks)
        from learningcity.core.auditlog import register_sqlite_guard

        # Connection setup, not business logic: each SQLite connection gets the function the
        # audit log's append-only trigger calls.
        connection_created.connect(register_sqlite_guard, dispatch_uid="core.audit_guard")
