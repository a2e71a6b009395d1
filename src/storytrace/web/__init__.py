"""The HTTP face: a JSON API and a small web UI over one store (FastAPI).

Thin, like the CLI: every route parses its input, calls the pipeline, and
renders or serializes what comes back. Reads are open; writes (ingest)
need the API token. Article text is always escaped by the templates.

    storytrace serve --store news.sqlite        # http://127.0.0.1:8000

Needs the ``web`` extra (``pip install 'storytrace[web]'``).
"""

from storytrace.web.app import create_app

__all__ = ["create_app"]
