from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

# pg_trgm's default (0.6) misses one-letter slips in short words: "glamai" is 0.5 from
# "galamai", "sonket" 0.5 from "songket". 0.5 finds them and still leaves "sepatu" far from
# every product name (showcase/search.py, showcase/tests/test_public_search.py).
TRIGRAM_WORD_THRESHOLD = 0.5


def _trigram_threshold(sender, connection, **kwargs) -> None:
    """Each new PostgreSQL connection uses the showcase search's word-similarity threshold."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_WORD_THRESHOLD)])


class ShowcaseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "showcase"
    verbose_name = _("Etalase IKM")

    def ready(self):
        connection_created.connect(_trigram_threshold, dispatch_uid="showcase-trigram-threshold")
        from notifications.services import message_body_filler_register

        from .inquiries import INQUIRY_KEY_PREFIX, inquiry_body

        # The buyer's words go into the owner's message as it leaves, never into the outbox.
        message_body_filler_register(key_prefix=INQUIRY_KEY_PREFIX, fill=inquiry_body)
