from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Channel, Message
from .selectors import delivery_summary
from .services import messages_resend


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: staff see what failed and why, and may send failed messages again."""

    list_display = ("created_at", "channel", "recipient", "subject", "status", "delivery", "attempts", "last_error_short")
    list_filter = ("status", "delivery", "channel", "provider")
    search_fields = ("recipient", "key", "subject")
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["resend"]

    def changelist_view(self, request, extra_context=None):
        # The delivery rate per channel above the list: one aggregate query, whatever the size.
        channels = dict(Channel.choices)
        summary = [{**row, "label": channels.get(row["channel"], row["channel"])} for row in delivery_summary()]
        return super().changelist_view(request, {**(extra_context or {}), "delivery_summary": summary})

    @admin.display(description=_("galat terakhir"))
    def last_error_short(self, message):
        return Truncator(message.last_error).chars(80)

    @admin.action(description=_("Kirim ulang"), permissions=["resend"])
    def resend(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = messages_resend(message_ids=selected)
        self.message_user(request, gettext("%(count)d pesan gagal diantrekan untuk dikirim ulang.") % {"count": count})
        if count < len(selected):
            self.message_user(
                request,
                gettext("%(count)d pesan lain tidak gagal dan dibiarkan.") % {"count": len(selected) - count},
                messages.WARNING,
            )

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
