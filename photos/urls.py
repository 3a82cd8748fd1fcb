from django.urls import path

from photos import views
from photos.album_urls import urlpatterns as album_urlpatterns
from photos.people_urls import urlpatterns as people_urlpatterns
from photos.viewer_urls import urlpatterns as viewer_urlpatterns

app_name = "photos"

urlpatterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("delete/", views.delete_selected, name="delete-selected"),
    path("photo/<int:pk>/", views.photo_detail, name="photo"),
    path("photo/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("photo/<int:pk>/file/<str:kind>/", views.photo_media, name="media"),
    path("media/<str:token>/", views.signed_media, name="signed-media"),
    *people_urlpatterns,
    *viewer_urlpatterns,
    *album_urlpatterns,
]
