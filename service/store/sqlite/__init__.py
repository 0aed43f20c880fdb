"""The embedded SQLite store: WAL, one group-commit writer thread, pooled reader connections."""

from service.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
