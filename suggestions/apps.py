from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Suggestions"

    def ready(self):
        from suggestions import receivers  # noqa: F401  (connects the photos signals)
