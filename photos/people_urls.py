"""People and analysis pages, included by photos/urls.py (namespace `photos`)."""

from django.urls import path

from photos import people_views

urlpatterns = [
    path("people/", people_views.people_list, name="people"),
    path("people/<int:pk>/", people_views.person_detail, name="person"),
    path("people/<int:pk>/edit/", people_views.person_update, name="person-update"),
    path("people/<int:pk>/merge/", people_views.person_merge, name="person-merge"),
    path(
        "people/<int:pk>/merge/confirm/",
        people_views.person_merge_confirm,
        name="person-merge-confirm",
    ),
    path("people/<int:pk>/faces/", people_views.person_faces, name="person-faces"),
    path("people/<int:pk>/forget/", people_views.person_forget, name="person-forget"),
    path("people/merges/<int:pk>/undo/", people_views.merge_undo, name="merge-undo"),
    path("faces/<int:pk>/crop/", people_views.face_crop, name="face-crop"),
    path("faces/<int:pk>/reject/", people_views.face_reject, name="face-reject"),
    path("faces/<int:pk>/assign/", people_views.face_assign, name="face-assign"),
    path("faces/<int:pk>/dismiss/", people_views.face_dismiss, name="face-dismiss"),
    path("analysis/progress/", people_views.progress, name="analysis-progress"),
    path("photo/<int:pk>/retry/", people_views.retry_photo, name="photo-retry"),
]
