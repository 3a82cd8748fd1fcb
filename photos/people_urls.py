"""People and analysis pages, included by photos/urls.py (namespace `photos`)."""

from django.urls import path

from photos import people_views

urlpatterns = [
    path("people/", people_views.people, name="people"),
]
