"""The full-text index over SearchDocument's tokens, in each database's own engine.

SQLite: an external-content FTS5 table and three triggers that keep it in step with
catalog_searchdocument. A later migration that makes SQLite rebuild that table (Django's
"remake table" for some field changes) drops the triggers with the old table: recreate them
there (and run `learningcity search-reindex`).

PostgreSQL: generated tsvector columns built from the tokens as they are (array_to_tsvector,
no parser or locale involved) and a GIN index.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE catalog_searchdocument_fts USING fts5(
        title_tokens, body_tokens,
        content='catalog_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER catalog_searchdocument_fts_insert AFTER INSERT ON catalog_searchdocument
    BEGIN
        INSERT INTO catalog_searchdocument_fts (rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END
    """,
    """
    CREATE TRIGGER catalog_searchdocument_fts_delete AFTER DELETE ON catalog_searchdocument
    BEGIN
        INSERT INTO catalog_searchdocument_fts
            (catalog_searchdocument_fts, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
    END
    """,
    """
    CREATE TRIGGER catalog_searchdocument_fts_update AFTER UPDATE ON catalog_searchdocument
    BEGIN
        INSERT INTO catalog_searchdocument_fts
            (catalog_searchdocument_fts, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
        INSERT INTO catalog_searchdocument_fts (rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END
    """,
    "INSERT INTO catalog_searchdocument_fts (catalog_searchdocument_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_update",
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_insert",
    "DROP TABLE IF EXISTS catalog_searchdocument_fts",
]

POSTGRES_FORWARD = [
    """
    ALTER TABLE catalog_searchdocument
        ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
            array_to_tsvector(array_remove(string_to_array(title_tokens, ' '), ''))
        ) STORED,
        ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            array_to_tsvector(
                array_remove(string_to_array(title_tokens || ' ' || body_tokens, ' '), '')
            )
        ) STORED
    """,
    """
    CREATE INDEX catalog_searchdocument_search_vector
        ON catalog_searchdocument USING GIN (search_vector)
    """,
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_searchdocument_search_vector",
    """
    ALTER TABLE catalog_searchdocument
        DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS title_vector
    """,
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_search_document"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
