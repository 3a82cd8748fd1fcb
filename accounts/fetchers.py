"""The owner-scoped fetcher of devices, used by the devices page and the API alike.

Anyone else's device id, and an id that is not one (project.lookups), is a 404.
"""

from accounts.models import Device
from project.lookups import get_or_404


def get_device_for_user(user, pk, queryset=None) -> Device:
    queryset = Device.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(user=user), pk, "device")
