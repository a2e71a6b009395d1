"""storytrace: find every version of a news story and what changed.

The public API is what ``__all__`` lists; every other module is internal.

    >>> import storytrace
    >>> for item in storytrace.read_articles(["articles/"]):   # doctest: +SKIP
    ...     print(item)
"""

from storytrace.config import FieldMap, Settings
from storytrace.diff import diff
from storytrace.errors import (
    FetchError,
    InputError,
    MissingExtraError,
    StoreError,
    StorytraceError,
)
from storytrace.model import (
    AlignedSentences,
    Article,
    Derivation,
    Diff,
    FactChange,
    Failure,
    RawDocument,
    Story,
    StoryMember,
    article_id,
)
from storytrace.pipeline import (
    IngestReport,
    ScanResult,
    find_stories,
    ingest,
    read_articles,
    scan,
)
from storytrace.store import SQLiteStore, Store, open_store
from storytrace.verify import Match, compare

__version__ = "0.1.0"

__all__ = [
    "AlignedSentences",
    "Article",
    "Derivation",
    "Diff",
    "FactChange",
    "Failure",
    "FetchError",
    "FieldMap",
    "IngestReport",
    "InputError",
    "Match",
    "MissingExtraError",
    "RawDocument",
    "SQLiteStore",
    "ScanResult",
    "Settings",
    "Store",
    "StoreError",
    "Story",
    "StoryMember",
    "StorytraceError",
    "__version__",
    "article_id",
    "compare",
    "diff",
    "find_stories",
    "ingest",
    "open_store",
    "read_articles",
    "scan",
]
