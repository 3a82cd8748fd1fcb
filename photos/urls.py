from django.urls import path

from photos import views
from photos.people_urls import urlpatterns as people_urlpatterns

app_name = "photos"

urlpatterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    *people_urlpatterns,
]
