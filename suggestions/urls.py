from django.urls import path

from suggestions import story_views, views

app_name = "suggestions"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/image/", views.image, name="image"),
    path("<int:pk>/seen/", views.seen, name="seen"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/story/", story_views.story, name="story"),
    path("<int:pk>/video/", story_views.video_start, name="video"),
    path("<int:pk>/video/status/", story_views.video_status, name="video-status"),
    path("<int:pk>/video/file/", story_views.video_file, name="video-file"),
    path("albums/", views.albums, name="albums"),
    path("albums/<int:pk>/", views.album, name="album"),
    path("settings/", views.memories_settings, name="settings"),
    path("settings/add/", views.add_control, name="add_control"),
    path("settings/<int:pk>/delete/", views.delete_control, name="delete_control"),
]
