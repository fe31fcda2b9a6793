from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identifiers import EmailAddressField, PhoneNumberField, email_normalize


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        email = email_normalize(email) or None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, with an email address, a WhatsApp number, or both.

    Roles are groups (created by migration): Staf Disnakerin, Pejabat Kota, Pemilik IKM.
    """

    full_name = models.CharField(_("nama lengkap"), max_length=150)
    email = EmailAddressField(_("email"), null=True, blank=True, unique=True)
    phone = PhoneNumberField(
        _("nomor WhatsApp"),
        max_length=16,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Disimpan dalam bentuk +62…"),
    )
    is_staff = models.BooleanField(_("akses admin"), default=False, help_text=_("Boleh masuk ke halaman admin."))
    is_active = models.BooleanField(_("aktif"), default=True)
    date_joined = models.DateTimeField(_("tanggal daftar"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(phone__isnull=False),
                name="user_has_email_or_phone",
                violation_error_message=_("Isi email atau nomor WhatsApp."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=_("Email ini sudah terdaftar."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email or self.phone or str(self.pk)

    def clean(self):
        super().clean()
        if not self.email:
            self.email = None
        if not self.phone:
            self.phone = None

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else ""


class AuditAction(models.TextChoices):
    NIK_VIEW = "nik_view", _("Melihat NIK lengkap")
    NIK_LIST = "nik_list", _("Melihat daftar dengan NIK lengkap")
    NIK_EXPORT = "nik_export", _("Mengekspor NIK lengkap")
    RESET_ASSISTED = "reset_assisted", _("Mengirim kode atur ulang kata sandi lewat WhatsApp")
    NUDGE = "nudge", _("Mengingatkan pemilik yang belum melapor")


class AuditEvent(models.Model):
    """A read of personal data that must leave a trace: who saw full NIKs, when, of what.

    Changes to businesses, owners, registrations and reports are traced by their history
    (django-simple-history, with the user who made them); reads have no history, so they are
    written here. Append-only: the admin offers no change or delete, and on PostgreSQL a trigger
    refuses UPDATE and DELETE on the table (migration 0003).
    """

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("pengguna"), null=True, blank=True
    )
    action = models.CharField(_("tindakan"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("jenis data"), max_length=50)
    object_ids = models.JSONField(_("data"), default=list)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("jejak akses data pribadi")
        verbose_name_plural = _("jejak akses data pribadi")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"


class PhoneResetCode(models.Model):
    """One request to reset a password with a code sent by WhatsApp (accounts.services).

    The code itself is never stored: it is made as the WhatsApp message leaves (the outbox row
    keeps a placeholder) and only its HMAC, keyed from SECRET_KEY, is kept here, so neither the
    admin nor a database backup shows it, and a copy of the table alone cannot be searched
    through the million possible codes. A request for a number with no account has a row too,
    with no user and no code: the code page then answers exactly as for a known number.
    The code page finds the request by its number (the latest one), so an owner whose reset
    staff started from the admin can use it from any phone.
    """

    phone = PhoneNumberField(_("nomor WhatsApp"), max_length=16, db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("pengguna"), null=True, blank=True
    )
    code_hash = models.CharField(_("sidik kode"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("diminta"), default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    used_at = models.DateTimeField(_("dipakai"), null=True, blank=True)
    started_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dimulai oleh staf"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("kode atur ulang kata sandi")
        verbose_name_plural = _("kode atur ulang kata sandi")

    def __str__(self):
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}"
