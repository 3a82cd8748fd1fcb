from django.urls import path

from suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("", views.feed, name="feed"),
]
