"""The companion app's API, /api/v1/. Each app contributes the endpoints it owns."""

from accounts import api as accounts_api
from photos import albums_api, people_api, tus
from photos import api as photos_api
from privacy import api as privacy_api
from suggestions import api as suggestions_api

urlpatterns = [
    *accounts_api.urlpatterns,
    *privacy_api.urlpatterns,
    *photos_api.urlpatterns,
    *tus.urlpatterns,
    *people_api.urlpatterns,
    *albums_api.urlpatterns,
    *suggestions_api.urlpatterns,
]
