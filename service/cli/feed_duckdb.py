"""`feed-sync --to duckdb:FILE`: the feed applied to four tables, statements, voids, erasures and
attainments, and its cursor in `feed_cursor`, each page in one transaction.

Within a page only the last row about a thing counts: for a statement id, a `statement` or a
pseudonymised `erasure` row (re)writes its row and a deleted one removes it; for a learner's
outcome in a map version, an `attainment` row writes it and `attainment_retracted` removes it.
An `attainment_deleted` erasure (an erased learner) removes the attainment with its `change_id`,
after the page's attainment rows. Rows are replaced by key, so applying a page twice changes
nothing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from service.outcomes.export import STATEMENT_COLUMNS

TABLES = {
    "statements": (*STATEMENT_COLUMNS, "statement", "cursor"),
    "voids": ("id", "voiding_statement_id", "cursor"),
    "erasures": ("id", "erasure_action", "erasure_reason", "changed_at", "cursor", "change_id"),
    "attainments": (
        "map", "map_version", "outcome", "outcome_name", "learner", "level",
        "evidence_count", "attained_at", "changed_at", "cursor", "change_id",
    ),
}  # fmt: skip
ATTAINMENT_KEY = '"map", map_version, outcome, learner'

APPLY = (
    # The last statement or erasure row of each statement id decides what is kept of it.
    """CREATE OR REPLACE TEMP TABLE latest AS SELECT * FROM page
       WHERE kind = 'statement' OR erasure_action IN ('deleted', 'pseudonymised')
       QUALIFY row_number() OVER (PARTITION BY id ORDER BY cursor DESC) = 1""",
    "DELETE FROM statements WHERE id IN (SELECT id FROM latest)",
    """INSERT INTO statements BY NAME SELECT {statements} FROM latest
       WHERE kind = 'statement' OR erasure_action = 'pseudonymised'""",
    """DELETE FROM voids WHERE id IN (SELECT id FROM page WHERE kind = 'void')""",
    "INSERT INTO voids BY NAME SELECT {voids} FROM page WHERE kind = 'void'",
    "DELETE FROM erasures WHERE cursor IN (SELECT cursor FROM page)",
    "INSERT INTO erasures BY NAME SELECT {erasures} FROM page WHERE kind = 'erasure'",
    f"""CREATE OR REPLACE TEMP TABLE latest AS SELECT * FROM page
       WHERE kind IN ('attainment', 'attainment_retracted')
       QUALIFY row_number() OVER (PARTITION BY {ATTAINMENT_KEY} ORDER BY cursor DESC) = 1""",
    """DELETE FROM attainments USING latest
       WHERE attainments."map" IS NOT DISTINCT FROM latest."map"
       AND attainments.map_version IS NOT DISTINCT FROM latest.map_version
       AND attainments.outcome = latest.outcome AND attainments.learner = latest.learner""",
    """INSERT INTO attainments BY NAME SELECT {attainments} FROM latest
       WHERE kind = 'attainment'""",
    """DELETE FROM attainments WHERE change_id IN
       (SELECT change_id FROM page WHERE erasure_action = 'attainment_deleted')""",
    "DROP TABLE latest",
)


class DuckDbTarget:
    def __init__(self, path: Path) -> None:
        self.db = duckdb.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS feed_cursor (cursor VARCHAR NOT NULL)")

    def close(self) -> None:
        self.db.close()

    def cursor(self) -> str:
        found = self.db.execute("SELECT cursor FROM feed_cursor").fetchall()
        return str(found[0][0]) if found else ""

    def store(self, page: pa.Table, cursor: str, next_cursor: str) -> None:
        self.db.register("page", page)
        try:
            self.db.begin()
            try:
                self._add_missing_columns()
                names = {table: _listed(columns) for table, columns in TABLES.items()}
                for statement in APPLY:
                    self.db.execute(statement.format(**names))
                self.db.execute("DELETE FROM feed_cursor")
                self.db.execute("INSERT INTO feed_cursor VALUES (?)", [next_cursor])
                self.db.commit()
            except BaseException:
                self.db.rollback()
                raise
        finally:
            self.db.unregister("page")

    def _add_missing_columns(self) -> None:
        """Create the tables on the first page, typed as the feed's Parquet columns are, and
        add columns a newer loader names (the feed only ever appends columns)."""
        for table, columns in TABLES.items():
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} AS SELECT {_listed(columns)} FROM page LIMIT 0"
            )
            have = {row[0] for row in self.db.execute(f"DESCRIBE {table}").fetchall()}
            typed = self.db.execute(f"DESCRIBE SELECT {_listed(columns)} FROM page").fetchall()
            for name, kind, *_ in typed:
                if name not in have:
                    self.db.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')


def _listed(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{column}"' for column in columns)
