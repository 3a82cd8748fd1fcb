"""The viewer's data, search and the trash, included by photos/urls.py (namespace `photos`)."""

from django.urls import path

from photos import viewer_views

urlpatterns = [
    path("photo/<int:pk>/info/", viewer_views.photo_info, name="photo-info"),
    path("search/", viewer_views.search_page, name="search"),
    path("search/suggest/", viewer_views.search_suggest, name="search-suggest"),
    path("trash/", viewer_views.trash_page, name="trash"),
    path("trash/restore/", viewer_views.trash_restore, name="trash-restore"),
    path("trash/delete/", viewer_views.trash_delete, name="trash-delete"),
    path("trash/empty/", viewer_views.trash_empty, name="trash-empty"),
]
