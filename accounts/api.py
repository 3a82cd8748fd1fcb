from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from accounts import ratelimit
from accounts.fetchers import get_device_for_user
from accounts.models import Device
from accounts.serializers import (
    DeviceSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from project.api import ClientAddressMixin, ErrorSerializer, error


def _errors(**described):
    return {
        int(code[1:]): OpenApiResponse(ErrorSerializer, description=text)
        for code, text in described.items()
    }


class LoginThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Per client address, for the endpoints that take a password."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@extend_schema(
    request=RegisterSerializer,
    responses={
        201: RegisteredSerializer,
        **_errors(s400="Invalid username, email or password", s429="Too many attempts"),
    },
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([LoginThrottle])
def register(request):
    # The web sign-up's allowance, on the same counter: the API is no way around it.
    if not ratelimit.signup_allowed(request):
        return error("Too many sign-ups from your address. Try later.", "throttled", 429)
    serializer = RegisterSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = serializer.save()
    return Response({"id": user.pk, "username": user.username}, status=status.HTTP_201_CREATED)


@extend_schema(
    request=TokenRequestSerializer,
    responses={
        200: TokenResponseSerializer,
        **_errors(
            s400="Missing fields", s401="Wrong username or password", s429="Too many attempts"
        ),
    },
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([LoginThrottle])
def token(request):
    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        user = ratelimit.authenticate(
            request, serializer.validated_data["username"], serializer.validated_data["password"]
        )
    except ratelimit.Locked:
        return error(ratelimit.LOCKED_MESSAGE, "throttled", 429)
    if user is None:
        return error("Wrong username or password.", "authentication_failed", 401)
    device, raw = Device.issue(user, serializer.validated_data["device_name"])
    return Response({"token": raw, "device": DeviceSerializer(device).data})


@extend_schema(responses={200: DeviceSerializer(many=True), **_errors(s401="Not authenticated")})
@api_view(["GET"])
def device_list(request):
    devices = Device.objects.for_owner(request.user).active()
    return Response(DeviceSerializer(devices, many=True).data)


@extend_schema(
    responses={204: None, **_errors(s401="Not authenticated", s404="No such device of yours")}
)
@api_view(["DELETE"])
def device_detail(request, pk):
    device = get_device_for_user(request.user, pk, Device.objects.active())
    device.revoke()
    return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/register/", register, name="api-register"),
    path("auth/token/", token, name="api-token"),
    path("devices/", device_list, name="api-devices"),
    path("devices/<int:pk>/", device_detail, name="api-device-detail"),
]
