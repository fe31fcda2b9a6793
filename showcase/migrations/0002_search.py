"""Indexes for the showcase search (showcase/search.py): pg_trgm, and GIN indexes on exactly the
expressions the search uses (an index on another expression would be ignored).

Raw SQL for the indexes on purpose: they are on expressions and on another app's table
(businesses_business), and kept out of the models' state so that no later ``makemigrations``
tries to drop them. On SQLite (the quick start) nothing is done: its search is a plain
``icontains`` (see showcase/search.py).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    (
        "showcase_product_search_gin",
        "showcase_product USING gin "
        "(to_tsvector('simple'::regconfig, COALESCE(name, '') || ' ' || COALESCE(description, '')))",
    ),
    ("showcase_product_name_trgm", "showcase_product USING gin (name gin_trgm_ops)"),
    ("businesses_business_name_trgm", "businesses_business USING gin (name gin_trgm_ops)"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("showcase", "0001_showcase_initial"),
        ("businesses", "0007_business_name_id_index"),
    ]

    operations = [
        # CREATE EXTENSION pg_trgm (skipped by Django itself on SQLite); needs a superuser or
        # the database owner on PostgreSQL 13+, where pg_trgm is a trusted extension.
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
