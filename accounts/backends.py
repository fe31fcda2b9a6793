from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .phone import phone_normalize_or_none


class EmailOrPhoneBackend(ModelBackend):
    """Sign in with an email address or a WhatsApp number, written any common way."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        identifier = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not identifier or password is None:
            return None
        if "@" in identifier:
            lookup = {"email__iexact": identifier}
        else:
            phone = phone_normalize_or_none(identifier)
            if phone is None:
                return None
            lookup = {"phone": phone}
        user = User.objects.filter(**lookup).first()
        if user is None:
            # Same work as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
