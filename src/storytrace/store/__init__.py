"""The embedded store: articles and everything derived from them, on disk.

:class:`Store` is the narrow interface the pipeline writes through;
:class:`SQLiteStore` is the default (one SQLite file, WAL, versioned schema).
``SQLiteStore(":memory:")`` is the in-memory store the tests use.
"""

from storytrace.store.base import AddResult, Store
from storytrace.store.sqlite import SCHEMA_VERSION, SQLiteStore, open_store

__all__ = ["SCHEMA_VERSION", "AddResult", "SQLiteStore", "Store", "open_store"]
