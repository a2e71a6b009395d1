"""The mission's example: three versions of one story (read from ../shared/seeds)."""

from __future__ import annotations

import pytest

from fixtures import SEEDS
from storytrace.evaluate import split_sentences
from storytrace.model import Article, RawDocument
from storytrace.verify import compare

pytestmark = [pytest.mark.seeds, pytest.mark.slow]


def _load(name: str) -> Article:
    from storytrace.normalize import normalize

    path = next(SEEDS.glob(f"{name}_*.txt"))
    art = normalize(RawDocument(origin=str(path), content=path.read_text(encoding="utf-8")))
    if not art.sentences:
        art = Article(id=art.id, body=art.body, sentences=tuple(split_sentences(art.body)))
    return art


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
def test_seed_versions_are_one_story(real_embedder):
    a, b, c = _load("000"), _load("001"), _load("003")
    ab = compare(a, b, embedder=real_embedder)
    assert ab.same_story and ab.relation == "rewrite", ab.evidence.features
    for x, y in ((a, c), (b, c)):
        m = compare(x, y, embedder=real_embedder)
        assert m.same_story, m.evidence.features
    # 003's site boilerplate must not reach the body compared.
    assert "You may also like" not in c.body
