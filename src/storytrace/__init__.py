"""storytrace: find every version of a news story and what changed.

The public API is what ``__all__`` lists; every other module is internal.

    >>> import storytrace
    >>> for item in storytrace.read_articles(["articles/"]):   # doctest: +SKIP
    ...     print(item)
"""

from storytrace.config import FieldMap, Settings
from storytrace.errors import (
    FetchError,
    InputError,
    MissingExtraError,
    StoreError,
    StorytraceError,
)
from storytrace.model import Article, Failure, RawDocument, article_id
from storytrace.pipeline import IngestReport, ingest, read_articles
from storytrace.store import SQLiteStore, Store, open_store

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Failure",
    "FetchError",
    "FieldMap",
    "IngestReport",
    "InputError",
    "MissingExtraError",
    "RawDocument",
    "SQLiteStore",
    "Settings",
    "Store",
    "StoreError",
    "StorytraceError",
    "__version__",
    "article_id",
    "ingest",
    "open_store",
    "read_articles",
]
