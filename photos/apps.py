from django.apps import AppConfig

from privacy import registry


class PhotosConfig(AppConfig):
    name = "photos"
    verbose_name = "Photos and analysis"

    def ready(self):
        # Models are loaded only now; importing receivers connects them.
        from photos import personal_data, receivers  # noqa: F401

        registry.register(personal_data.PhotosData())
