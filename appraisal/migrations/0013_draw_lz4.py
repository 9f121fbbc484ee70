"""A draw's ordered candidates, order and filters are tens of kilobytes of JSON, written while
the clerk waits: on PostgreSQL they are compressed with lz4, several times faster than the
default pglz. A server built without lz4 keeps pglz; nothing else changes."""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("candidates", "order", "filters")


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    table = schema_editor.quote_name("appraisal_draw")
    columns = ", ".join(
        f"ALTER COLUMN {schema_editor.quote_name(c)} SET COMPRESSION lz4" for c in COLUMNS
    )
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute(f"ALTER TABLE {table} {columns}")
    except DatabaseError:  # built without lz4
        pass


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0012_round_prefecture_index")]

    operations = [migrations.RunPython(use_lz4, migrations.RunPython.noop)]
