"""Search by institution name (``icontains``) with a trigram index on PostgreSQL; nothing on
SQLite."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS institutions_institution_name_trgm "
        'ON institutions_institution USING gin (UPPER("name") gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS institutions_institution_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("institutions", "0003_institutioncreditmark_and_more")]

    operations = [migrations.RunPython(create, drop)]
