from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from photos.models import Person


@login_required
def people(request):
    people = Person.objects.for_owner(request.user).visible()
    return render(request, "photos/people.html", {"people": people, "page": "people"})
