from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("scopes/<str:scope>/", views.change_scope, name="scope"),
    path("stop/", views.stop_all, name="stop-all"),
    path("retention/", views.retention, name="retention"),
    path("exports/", views.export_start, name="export-start"),
    path("exports/<int:pk>/status/", views.export_status, name="export-status"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("delete/<str:kind>/", views.delete, name="delete"),
    path("erasures/<int:pk>/", views.erasure, name="erasure"),
    path("erasures/status/<str:token>/", views.erasure_status, name="erasure-status"),
]
