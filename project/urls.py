from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from photos import dav

handler404 = "project.api.not_found"
handler500 = "project.api.server_error"

admin.site.site_header = "Camroll moderation"
admin.site.site_title = "Camroll admin"

urlpatterns = [
    path("", include("accounts.urls")),
    path("library/", include("photos.urls")),
    path("suggestions/", include("suggestions.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("project.api_urls")),
    # The WebDAV drop for phone sync apps (photos/dav.py).
    path("dav/", dav.drop, name="dav"),
    path("dav/<path:path>", dav.drop, name="dav-path"),
]
