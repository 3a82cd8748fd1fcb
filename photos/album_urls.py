"""User album pages, included by photos/urls.py (namespace `photos`)."""

from django.urls import path

from photos import album_views

urlpatterns = [
    path("albums/", album_views.album_list, name="albums"),
    path("albums/new/", album_views.album_create, name="album-create"),
    path("albums/<int:pk>/", album_views.album_detail, name="album"),
    path("albums/<int:pk>/rename/", album_views.album_rename, name="album-rename"),
    path("albums/<int:pk>/add/", album_views.album_add, name="album-add"),
    path("albums/<int:pk>/remove/", album_views.album_remove, name="album-remove"),
    path("albums/<int:pk>/cover/", album_views.album_cover, name="album-cover"),
    path("albums/<int:pk>/delete/", album_views.album_delete, name="album-delete"),
]
