from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from suggestions.models import Suggestion


@login_required
def feed(request):
    items = Suggestion.objects.for_owner(request.user).visible()[:50]
    return render(request, "suggestions/feed.html", {"suggestions": items, "page": "suggestions"})
