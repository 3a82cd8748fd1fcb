from django.apps import AppConfig

from privacy import registry


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Suggestions"

    def ready(self):
        # Models are loaded only now; importing receivers connects them.
        from suggestions import personal_data, receivers  # noqa: F401

        registry.register(personal_data.SuggestionsData())
