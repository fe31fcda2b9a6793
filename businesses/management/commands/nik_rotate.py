"""Re-encrypt every stored NIK under the newest key of NIK_ENCRYPTION_KEYS.

Rotation: prepend a new key to NIK_ENCRYPTION_KEYS (keep the old ones after it), deploy, run
this command, then remove the old keys. Owners and their history are rewritten in batches, each
in its own transaction; running it again rewrites under the same newest key and is harmless.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from businesses.crypto import nik_rotate_token

TABLES = (("businesses_owner", "id"), ("businesses_historicalowner", "history_id"))
BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt every stored NIK under the newest key of NIK_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for table, key in TABLES:
            last = 0
            while True:
                with transaction.atomic(), connection.cursor() as cursor:
                    # Raw SQL on the tokens themselves: nothing is decrypted into Python objects
                    # longer than one rotate() call, and the model's own field is bypassed.
                    # Table and key names come from TABLES above, never from input; values are parameters.
                    cursor.execute(
                        f"SELECT {key}, nik FROM {table} WHERE {key} > %s AND nik IS NOT NULL AND nik <> '' "  # nosec B608  # identifiers from TABLES
                        f"ORDER BY {key} LIMIT %s FOR UPDATE",
                        [last, BATCH],
                    )
                    rows = cursor.fetchall()
                    for pk, token in rows:
                        sql = f"UPDATE {table} SET nik = %s WHERE {key} = %s"  # nosec B608  # identifiers from TABLES
                        cursor.execute(sql, [nik_rotate_token(token), pk])
                if not rows:
                    break
                last = rows[-1][0]
                total += len(rows)
        self.stdout.write(f"{total} NIK re-encrypted under the newest key.")
