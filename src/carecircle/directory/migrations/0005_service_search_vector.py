"""PostgreSQL: keep the search document's ``tsvector`` in a stored generated column, indexed by
GIN, instead of an index on the expression. A search that starts from the places within a
radius checks the words for each candidate; with the expression index PostgreSQL had to compute
``to_tsvector`` again for every one of them (0.04 ms each, most of a wide search's time). SQLite
keeps its FTS5 table (see 0002). The column is not a model field: only
``carecircle.directory.search`` reads it, and the database keeps it current.
"""

from django.db import migrations

PG_ADD = (
    "ALTER TABLE directory_service ADD COLUMN IF NOT EXISTS search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_document, ''))) STORED"
)
PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS directory_service_search_vector_gin ON directory_service"
    " USING GIN (search_vector)"
)
PG_OLD_INDEX = "directory_service_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_ADD)
    schema_editor.execute(PG_INDEX)
    schema_editor.execute(f"DROP INDEX IF EXISTS {PG_OLD_INDEX}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {PG_OLD_INDEX} ON directory_service"
        " USING GIN (to_tsvector('simple', search_document))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS directory_service_search_vector_gin")
    schema_editor.execute("ALTER TABLE directory_service DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_opening_interval_covering_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
