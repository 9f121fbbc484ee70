"""Search by case number (``icontains``) with a trigram index on PostgreSQL.

pg_trgm is a trusted extension: the database's owner may create it (no superuser needed).
SQLite has neither; the operation does nothing there.
"""

from django.db import migrations

INDEXES = [
    (
        "appraisal_case_number_trgm",
        'CREATE INDEX IF NOT EXISTS appraisal_case_number_trgm ON appraisal_case '
        'USING gin (UPPER("number") gin_trgm_ops)',
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _, sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0009_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
