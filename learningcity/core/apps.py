from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "learningcity.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from learningcity.core import checks  # noqa: F401  (registers system checks)
