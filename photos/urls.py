from django.urls import path

from photos import views

app_name = "photos"

urlpatterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("people/", views.people, name="people"),
]
