"""A sentence-transformers model on ONNX Runtime with int8 weights: the opt-in fast path.

``SentenceTransformerEmbedder(backend="onnx-int8")`` uses it. The model is
exported once from its local folder (``torch.onnx``, mean pooling inside the
graph), quantized with ONNX Runtime's dynamic quantization (int8 weights per
output channel, activations quantized per batch at run time) and cached; later
loads read the cached file. The feed-forward output layers stay fp32: their
inputs (after GELU) have the widest range, and keeping them halves the int8
error. ``bench/embedders.py`` measures it against the torch model (figures in
BENCHMARKS.md).

Only BERT-style models with mean pooling (the default all-MiniLM-L6-v2 is one)
are supported. Needs the ``onnx`` extra (``onnx``, ``onnxruntime``); torch and
transformers (dependencies of sentence-transformers) make the export.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FFN_OUTPUT_LAYERS",
    "OnnxEncoder",
    "default_cache_dir",
    "export_onnx",
    "int8_model_file",
    "quantize_int8",
]

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

# Name parts of the feed-forward output MatMuls of a 6-layer BERT export
# ("/model/encoder/layer.3/output/dense/MatMul"); the attention output is
# ".../attention/output/dense/..." and does not match.
FFN_OUTPUT_LAYERS = tuple(f"/layer.{i}/output/dense/" for i in range(64))


def default_cache_dir() -> Path:
    """``$STORYTRACE_CACHE/onnx``, else ``~/.cache/storytrace/onnx``."""
    root = os.environ.get("STORYTRACE_CACHE") or Path.home() / ".cache" / "storytrace"
    return Path(root) / "onnx"


def _check_model_dir(model_dir: Path) -> None:
    pooling = model_dir / "1_Pooling" / "config.json"
    if not (model_dir / "config.json").is_file() or not (model_dir / "tokenizer.json").is_file():
        raise ValueError(f"{model_dir}: not a model folder with config.json and tokenizer.json")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise ValueError(f"{model_dir}: the ONNX backend supports BERT-style models only")
    if pooling.is_file():
        modes = json.loads(pooling.read_text(encoding="utf-8"))
        others = [v for k, v in modes.items()
                  if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"]
        if not modes.get("pooling_mode_mean_tokens") or any(others):
            raise ValueError(f"{model_dir}: the ONNX backend supports mean pooling only")


def _replace_atomically(write: Any, path: Path) -> Path:
    """``write(tmp)`` then rename onto ``path``, so concurrent loaders never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def export_onnx(model_dir: str | Path, path: str | Path) -> Path:
    """The transformer and its mean pooling as one ONNX graph (opset 17), unnormalized.

    Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, batch
    x tokens); output ``sentence_embedding`` (batch x dim).
    """
    import torch
    from transformers import AutoModel

    model_dir, path = Path(model_dir), Path(path)
    _check_model_dir(model_dir)
    # eager attention traces to plain ONNX ops; the SDPA path bakes shape checks into the trace
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in _INPUTS)
    axes: dict[str, dict[int, str]] = {k: {0: "batch", 1: "tokens"} for k in _INPUTS}
    axes["sentence_embedding"] = {0: "batch"}

    def write(tmp: Path) -> None:
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's advice on shapes; the graph is checked
            torch.onnx.export(
                MeanPooled(), example, str(tmp), input_names=list(_INPUTS),
                output_names=["sentence_embedding"], dynamic_axes=axes,
                opset_version=17, dynamo=False,
            )

    return _replace_atomically(write, path)


def quantize_int8(src: str | Path, path: str | Path, keep_fp32: Sequence[str] = ()) -> Path:
    """Dynamic int8 quantization of ``src`` into ``path``: per-channel int8 weights;
    MatMul nodes whose name contains one of ``keep_fp32`` stay fp32."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    exclude = [n.name for n in graph.node if any(part in n.name for part in keep_fp32)]

    def write(tmp: Path) -> None:
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantizer logs advice on every call
        try:
            quantize_dynamic(str(src), str(tmp), per_channel=True, weight_type=QuantType.QInt8,
                             nodes_to_exclude=exclude)
        finally:
            root.setLevel(level)

    return _replace_atomically(write, Path(path))


def int8_model_file(model_dir: str | Path, cache_dir: str | Path | None = None) -> Path:
    """The cached int8 ONNX file of ``model_dir``, made (export, then quantize) when missing.

    The cache key is the folder's path and its weights' size and time, so a
    changed model is exported again.
    """
    model_dir = Path(model_dir).resolve()
    _check_model_dir(model_dir)
    weights = [p for p in sorted(model_dir.iterdir()) if p.suffix in (".safetensors", ".bin")]
    stamp = [str(model_dir)]
    stamp += [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in weights]
    key = hashlib.sha256("\n".join(stamp).encode("utf-8")).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder = folder / f"{model_dir.name}-{key}"
    target = folder / "model-int8.onnx"
    if not target.is_file():
        fp32 = folder / "model-fp32.onnx"
        if not fp32.is_file():
            export_onnx(model_dir, fp32)
        quantize_int8(fp32, target, keep_fp32=FFN_OUTPUT_LAYERS)
        fp32.unlink(missing_ok=True)  # only the int8 file is read later
    return target


class OnnxEncoder:
    """Tokenize with the model's fast tokenizer, run the ONNX graph, L2-normalize.

    Args:
        model_file: an ONNX graph as :func:`export_onnx` writes it (or its int8 version).
        tokenizer_file: the model's ``tokenizer.json``.
        max_tokens: tokens kept per text (the rest is cut, as sentence-transformers does).
        batch_size: texts per run; texts are sorted by length first, so batches pad little.
        threads: ONNX Runtime's intra-op threads (``None``: its default, one per core).
    """

    def __init__(
        self,
        model_file: str | Path,
        tokenizer_file: str | Path,
        *,
        max_tokens: int = 256,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # idle threads sleep at once instead of spinning on cores the rest of the work needs
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_file), opts,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        self.batch_size = batch_size
        width = self.session.get_outputs()[0].shape[-1]
        self.dim = width if isinstance(width, int) else self._run(["dim"]).shape[1]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalized float32 row per text."""
        from storytrace.fingerprint.embed import normalize_rows

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return normalize_rows(out)

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        return np.asarray(self.session.run(None, feeds)[0])

    __call__ = encode
