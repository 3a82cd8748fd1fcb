from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts import services
from accounts.forms import SignUpForm
from accounts.models import Device


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)

    def validate(self, attrs):
        # The same form as the web sign-up, so both channels accept and refuse the same things.
        form = SignUpForm(
            data={
                "username": attrs["username"],
                "email": attrs["email"],
                "password1": attrs["password"],
                "password2": attrs["password"],
            }
        )
        if not form.is_valid():
            errors = {}
            for field, messages in form.errors.items():
                name = {
                    "password1": "password",
                    "password2": "password",
                    "__all__": "non_field_errors",
                }.get(field, field)
                errors.setdefault(name, []).extend(messages)
            raise serializers.ValidationError(errors)
        attrs["form"] = form
        return attrs

    def create(self, validated_data):
        form = validated_data["form"]
        user = form.save()
        # Taken by another account or not, the same 201 (accounts.services.request_email).
        services.request_email(user, form.cleaned_data["email"], signup=True)
        return user


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    device_name = serializers.CharField(max_length=100)


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ("id", "name", "created_at", "last_used_at")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    device = DeviceSerializer()


def validate_password_or_raise(password, user=None):
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": exc.messages}) from exc
