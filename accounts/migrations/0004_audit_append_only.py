from django.db import migrations

from accounts.migrations_helpers import grant

# On PostgreSQL the trail cannot be edited even with direct SQL by the application's role:
# a trigger refuses UPDATE and DELETE (TRUNCATE is left to the database owner's maintenance).
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def grant_permissions(apps, schema_editor):
    grant(apps, {"Staf Disnakerin": ["accounts.view_auditevent"]})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_audit_event")]
    operations = [
        migrations.RunPython(append_only, drop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
