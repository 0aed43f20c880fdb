"""An erased learner's outcome state on MongoDB: evidence, attainments, roster history, stints."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from service.store.mongo import outcome_schema as o
from service.store.mongo.client import Doc


async def delete_learner_outcomes(db: AsyncDatabase[Doc], tenant: str, learner: str) -> int:
    """Delete every outcome document of the learner in the tenant; how many rows that is as
    SQLite counts them (its current roster entry is a row of its own there: the open entry
    counts twice here). Idempotent: a repeat after a crash deletes what is left."""
    current = await db[o.ROSTER].count_documents({"t": tenant, "l": learner, "to": o.OPEN})
    deleted = current
    for collection in (o.EVIDENCE, o.ATTAINMENTS, o.ROSTER, o.STINTS):
        result = await db[collection].delete_many({"t": tenant, "l": learner})
        deleted += result.deleted_count
    return deleted
