from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Antre")
    # Claimed by a worker and being handed to the mail server or gateway right now.
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")
    SKIPPED = "skipped", _("Dilewati")


class Delivery(models.TextChoices):
    """What the WhatsApp provider's status callbacks said; only ever moves forward."""

    SENT = "sent", _("Terkirim ke WhatsApp")
    DELIVERED = "delivered", _("Sampai di ponsel")
    READ = "read", _("Dibaca")
    FAILED = "failed", _("Tidak sampai")


# The order statuses come in; a callback of a lower rank than the row's is a late one, ignored.
# "failed" outranks "sent" (the provider gave up) but not "delivered" or "read".
DELIVERY_RANK = {"": 0, Delivery.SENT: 1, Delivery.FAILED: 2, Delivery.DELIVERED: 2, Delivery.READ: 3}


class Message(models.Model):
    """The outbox: every message the portal sends, one row per channel and recipient.

    ``key`` names what the message is about (e.g. ``business-status:42:verified``): the unique
    constraint on (key, channel) is what stops a person getting the same message twice.
    """

    key = models.CharField(_("kunci"), max_length=200)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("penerima"), max_length=254)
    subject = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    sending_since = models.DateTimeField(_("mulai dikirim"), null=True, blank=True)
    # One text attachment sent with the email (a session's .ics); WhatsApp sends text only.
    attachment_name = models.CharField(_("nama lampiran"), max_length=200, blank=True)
    attachment_content = models.TextField(_("isi lampiran"), blank=True)
    attachment_mimetype = models.CharField(_("jenis lampiran"), max_length=100, blank=True)
    # Stored files sent with the email (a monthly report's PDF and Excel), by their name in the
    # default storage, not copied into the row: [[filename, storage name, mimetype], ...]. A file
    # gone by the time of sending is left out (the email's link still leads to it).
    attachment_files = models.JSONField(_("berkas lampiran"), default=list, blank=True)
    # The WhatsApp gateway's id for the message, to look it up in the gateway's own records.
    external_id = models.CharField(_("ID di gateway"), max_length=100, blank=True)
    # Which WhatsApp provider sent it (its status callbacks name messages by external_id).
    provider = models.CharField(_("penyedia"), max_length=20, blank=True)
    delivery = models.CharField(_("status pengiriman"), max_length=10, choices=Delivery.choices, blank=True)
    delivery_at = models.DateTimeField(_("status pengiriman diperbarui"), null=True, blank=True)
    delivery_error = models.TextField(_("alasan dari penyedia"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pesan")
        verbose_name_plural = _("pesan")
        constraints = [models.UniqueConstraint(fields=["key", "channel"], name="message_once_per_key_channel")]
        indexes = [
            models.Index(
                fields=["provider", "external_id"], name="message_provider_external_id", condition=~models.Q(external_id="")
            )
        ]
        # The outbox is read-only in the admin; putting failed messages back in the queue is
        # the one change staff may make.
        permissions = [("resend_message", _("Dapat mengirim ulang pesan yang gagal"))]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}: {self.subject}"
