from django.apps import AppConfig


class EmbedsConfig(AppConfig):
    name = "embeds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from embeds import checks  # noqa: F401 - registers the settings checks
