from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from photos.models import Photo


@login_required
def library(request):
    photos = Photo.objects.for_owner(request.user)[:200]
    return render(request, "photos/library.html", {"photos": photos, "page": "library"})


@login_required
def upload(request):
    return render(request, "photos/upload.html", {"page": "library"})
