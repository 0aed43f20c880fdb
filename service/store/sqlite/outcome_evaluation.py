"""SQLite's OutcomeEvaluationStore: map versions and evaluation state."""

from __future__ import annotations

import sqlite3
from collections.abc import Set as AbstractSet
from typing import Any

import orjson

from service.model.clock import now_ms
from service.model.outcomes import (
    DEFAULT_MAP,
    ROSTER_FIELDS,
    AttainmentRecord,
    EvidenceRecord,
    EvidenceSnapshot,
    MapVersion,
    OutcomeChanges,
    SeqStatement,
)
from service.store.sqlite.database import SQLitePart
from service.store.sqlite.outcome_rows import ATTAINMENT_COLUMNS, attainment_record

_MAP_COLUMNS = "version, document, created, status, cursor, evaluated, name, number"
_EVIDENCE_COLUMNS = "learner, outcome, criterion, statement_id, activity, ts, seq"


class SQLiteOutcomeEvaluation(SQLitePart):
    """Outcome maps, evidence and attainments (see service.store.ports.outcomes)."""

    async def add_outcome_map(
        self, tenant: str, document: dict[str, Any], name: str = DEFAULT_MAP
    ) -> MapVersion:
        def job(conn: sqlite3.Connection) -> MapVersion:
            for (stale,) in conn.execute(
                "SELECT version FROM outcome_maps WHERE tenant = ? AND name = ? "
                "AND status = 'evaluating'",
                (tenant, name),
            ).fetchall():
                _retire(conn, tenant, stale)
            row = conn.execute(
                "INSERT INTO outcome_maps (tenant, version, document, created, status, name, "
                "number) SELECT ?, coalesce(max(version), 0) + 1, ?, ?, 'evaluating', ?, "
                "coalesce(max(CASE WHEN name = ? THEN number END), 0) + 1 "
                "FROM outcome_maps WHERE tenant = ? "
                f"RETURNING {_MAP_COLUMNS}",
                (tenant, orjson.dumps(document), now_ms(), name, name, tenant),
            ).fetchone()
            return _map_version(row)

        return await self._write(job)

    async def list_outcome_maps(self, tenant: str) -> list[MapVersion]:
        def job(conn: sqlite3.Connection) -> list[MapVersion]:
            rows = conn.execute(
                f"SELECT {_MAP_COLUMNS} FROM outcome_maps WHERE tenant = ? ORDER BY version",
                (tenant,),
            ).fetchall()
            return [_map_version(row) for row in rows]

        return await self._read(job)

    async def outcome_tenants(self) -> list[str]:
        def job(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT DISTINCT tenant FROM outcome_maps WHERE status != 'retired'"
            ).fetchall()
            return [row[0] for row in rows]

        return await self._read(job)

    async def promote_outcome_map(self, tenant: str, version: int) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE outcome_maps SET status = 'current' WHERE tenant = ? AND version = ? "
                "AND status = 'evaluating'",
                (tenant, version),
            )
            for (older,) in conn.execute(
                "SELECT version FROM outcome_maps WHERE tenant = ? AND version < ? "
                "AND status != 'retired' AND name = "
                "(SELECT name FROM outcome_maps WHERE tenant = ? AND version = ?)",
                (tenant, version, tenant, version),
            ).fetchall():
                _retire(conn, tenant, older)

        await self._write(job)

    async def read_statements_after(
        self, tenant: str, after_seq: int, limit: int, known: AbstractSet[int] = frozenset()
    ) -> list[SeqStatement]:
        low, high = (min(known), max(known)) if known else (0, -1)

        def job(conn: sqlite3.Connection) -> list[SeqStatement]:
            rows = conn.execute(
                "SELECT seq, voided, CASE WHEN seq BETWEEN ? AND ? THEN NULL ELSE body END "
                "FROM statements WHERE seq > ? AND +tenant = ? ORDER BY seq LIMIT ?",
                (low, high, after_seq, tenant, limit),
            ).fetchall()
            missing = [row[0] for row in rows if row[2] is None and row[0] not in known]
            bodies = _bodies(conn, missing) if missing else {}
            return [
                SeqStatement(seq, body if body is not None else bodies.get(seq), bool(voided))
                for seq, voided, body in rows
            ]

        return await self._read(job)

    async def count_statements_after(self, tenant: str, after_seq: int) -> int:
        def job(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT count(*) FROM statements WHERE seq > ? AND +tenant = ?",
                (after_seq, tenant),
            ).fetchone()
            return int(row[0])

        return await self._read(job)

    async def load_outcome_evidence(
        self, tenant: str, version: int, pairs: list[tuple[str, str]], retracted: list[str]
    ) -> EvidenceSnapshot:
        def job(conn: sqlite3.Connection) -> EvidenceSnapshot:
            wanted = dict.fromkeys(pairs)
            for statement_id in retracted:
                for learner, outcome in conn.execute(
                    "SELECT learner, outcome FROM outcome_evidence "
                    "WHERE tenant = ? AND version = ? AND statement_id = ?",
                    (tenant, version, statement_id),
                ).fetchall():
                    wanted[(learner, outcome)] = None
            evidence: list[EvidenceRecord] = []
            attainments: dict[tuple[str, str], AttainmentRecord] = {}
            for learner, outcome in wanted:
                rows = conn.execute(
                    f"SELECT {_EVIDENCE_COLUMNS} FROM outcome_evidence "
                    "WHERE tenant = ? AND version = ? AND learner = ? AND outcome = ?",
                    (tenant, version, learner, outcome),
                ).fetchall()
                evidence.extend(EvidenceRecord(*row) for row in rows)
                row = conn.execute(
                    f"SELECT {ATTAINMENT_COLUMNS} FROM outcome_attainments "
                    "WHERE tenant = ? AND version = ? AND outcome = ? AND learner = ?",
                    (tenant, version, outcome, learner),
                ).fetchone()
                if row is not None:
                    attainments[(learner, outcome)] = attainment_record(row)
            return EvidenceSnapshot(evidence, attainments)

        return await self._read(job)

    async def apply_outcome_changes(self, tenant: str, changes: OutcomeChanges) -> None:
        def job(conn: sqlite3.Connection) -> None:
            status = conn.execute(
                "SELECT status FROM outcome_maps WHERE tenant = ? AND version = ?",
                (tenant, changes.version),
            ).fetchone()
            if status is None or status[0] == "retired":
                return  # superseded while this step ran: its state is gone
            _write_changes(conn, tenant, changes)

        await self._write(job, durable=False)  # derived state: a crash re-evaluates after cursor


def _write_changes(conn: sqlite3.Connection, tenant: str, changes: OutcomeChanges) -> None:
    version = changes.version
    conn.executemany(
        "DELETE FROM outcome_evidence WHERE tenant = ? AND version = ? AND statement_id = ?",
        [(tenant, version, statement_id) for statement_id in changes.retract_statements],
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO outcome_evidence (tenant, version, {_EVIDENCE_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                tenant,
                version,
                e.learner,
                e.outcome,
                e.criterion,
                e.statement_id,
                e.activity,
                e.timestamp_ms,
                e.seq,
            )
            for e in changes.add_evidence
        ],
    )
    doomed = [(r.learner, r.outcome) for r in changes.put_attainments]
    for learner, outcome in [*changes.delete_attainments, *doomed]:
        conn.execute(
            "DELETE FROM outcome_attainments WHERE tenant = ? AND version = ? AND learner = ? "
            "AND outcome = ?",
            (tenant, version, learner, outcome),
        )
    fields = ", ".join(ROSTER_FIELDS)
    for record in changes.put_attainments:
        roster = conn.execute(
            f"SELECT {fields} FROM outcome_roster WHERE tenant = ? AND learner = ?",
            (tenant, record.learner),
        ).fetchone() or (None,) * len(ROSTER_FIELDS)
        conn.execute(
            f"INSERT INTO outcome_attainments (tenant, version, {ATTAINMENT_COLUMNS}, {fields}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tenant,
                version,
                record.learner,
                record.outcome,
                record.attained_ms,
                record.level,
                record.name,
                orjson.dumps(record.evidence),
                orjson.dumps(record.emitted),
                *roster,
            ),
        )
    _record_changes(conn, tenant, changes)
    conn.execute(
        "UPDATE outcome_maps SET cursor = max(cursor, ?), evaluated = evaluated + ? "
        "WHERE tenant = ? AND version = ?",
        (changes.cursor, changes.evaluated, tenant, version),
    )


def _record_changes(conn: sqlite3.Connection, tenant: str, changes: OutcomeChanges) -> None:
    """Append the step's attainments and retractions to the change feed's log."""
    now = now_ms()
    rows = changes.logged_changes()
    conn.executemany(
        "INSERT INTO outcome_attainment_changes (tenant, version, outcome, learner, kind, level, "
        "evidence_count, attained, seq, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(tenant, changes.version, *row, changes.cursor, now) for row in rows],
    )


def _bodies(conn: sqlite3.Connection, seqs: list[int]) -> dict[int, bytes]:
    marks = ", ".join("?" * len(seqs))
    rows = conn.execute(f"SELECT seq, body FROM statements WHERE seq IN ({marks})", seqs)
    return dict(rows.fetchall())


def _retire(conn: sqlite3.Connection, tenant: str, version: int) -> None:
    """Retire a map version and delete its evaluation state."""
    conn.execute(
        "UPDATE outcome_maps SET status = 'retired' WHERE tenant = ? AND version = ?",
        (tenant, version),
    )
    for table in ("outcome_evidence", "outcome_attainments"):
        conn.execute(f"DELETE FROM {table} WHERE tenant = ? AND version = ?", (tenant, version))


def _map_version(row: tuple[Any, ...]) -> MapVersion:
    version, document, created, status, cursor, evaluated, name, number = row
    return MapVersion(
        version, orjson.loads(document), created, status, cursor, evaluated, name, number
    )
