from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .identifiers import email_normalize_or_none, identifier_text, phone_normalize_or_none
from .roles import role_annotation, role_from_annotation


def account_for(identifier) -> "get_user_model() | None":
    """The account an identifier names, matched on its normalised form only (accounts.identifiers).

    Never email__iexact: that is PostgreSQL's UPPER() on both sides, which also folds look-alikes
    (UPPER('ı') = 'I'), so ``pemılık@…`` signed in as ``pemilik@…`` with a counter of its own.
    Stored emails are already normalised (lower case, ASCII), so an exact match is the rule.
    """
    text = identifier_text(identifier)
    if not text:
        return None
    if "@" in text:
        email = email_normalize_or_none(text)
        lookup = {"email": email} if email else None
    else:
        phone = phone_normalize_or_none(text)
        lookup = {"phone": phone} if phone else None
    return get_user_model().objects.filter(**lookup).first() if lookup else None


class EmailOrPhoneBackend(ModelBackend):
    """Sign in with an email address or a WhatsApp number, written any common way."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        identifier = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not identifier_text(identifier) or password is None:
            return None
        user = account_for(identifier)
        if user is None:
            # Same work as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user, with their role (accounts.roles.role_of) read in the same query:
        every signed-in request needs both, and apart they were two queries."""
        User = get_user_model()
        try:
            user = User._default_manager.annotate(portal_role_group=role_annotation()).get(pk=user_id)
        except User.DoesNotExist:
            return None
        role_from_annotation(user, user.portal_role_group)
        return user if self.user_can_authenticate(user) else None
