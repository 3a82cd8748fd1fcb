from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from privacy import consent
from privacy.models import ConsentTerms, Scope


def _terms_by_scope():
    terms = {}
    for t in ConsentTerms.objects.filter(published_at__isnull=False).order_by("scope", "-version"):
        terms.setdefault(t.scope, t)
    return terms


@login_required
def onboarding(request):
    """The consent page after sign-up: each scope accepted or declined on its own."""
    terms = _terms_by_scope()
    states = consent.states(request.user)
    if request.method == "POST":
        with transaction.atomic():
            granted = []
            for scope in Scope.values:
                wanted = request.POST.get(scope) == "accept"
                state = states[scope]
                if wanted and not state.granted and scope in terms:
                    consent.grant(request.user, scope)
                    granted.append(Scope(scope).label)
                elif not wanted and state.granted:
                    consent.revoke(request.user, scope)
            request.user.consent_reviewed_at = timezone.now()
            request.user.save(update_fields=["consent_reviewed_at"])
        if granted:
            messages.success(request, "You allowed: " + ", ".join(granted) + ".")
        else:
            messages.info(
                request,
                "Nothing will be analysed. You can change this any time on the Privacy page.",
            )
        return redirect("accounts:dashboard")
    rows = [
        {"scope": s, "label": Scope(s).label, "terms": terms.get(s), "state": states[s]}
        for s in Scope.values
    ]
    return render(request, "privacy/onboarding.html", {"rows": rows, "page": "privacy"})


@login_required
def index(request):
    states = consent.states(request.user)
    rows = [{"scope": s, "label": Scope(s).label, "state": states[s]} for s in Scope.values]
    return render(request, "privacy/index.html", {"rows": rows, "page": "privacy"})
