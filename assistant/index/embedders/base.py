"""What every embedder is: the :class:`Embedder` protocol, prompts, batching and errors."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from ...settings import DEFAULT_MODEL

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
BGE_ZH_PROMPTS = {"query": "为这个句子生成表示以用于检索相关文章：", "passage": ""}
NO_PROMPTS = {"query": "", "passage": ""}
_FAMILIES: tuple[tuple[str, dict[str, str]], ...] = (
    (r"bge-m3", NO_PROMPTS),
    (r"bge-.*zh", BGE_ZH_PROMPTS),
    (r"(^|[/_-])(multilingual-)?e5-(small|base|large)", E5_PROMPTS),
)
# Called after each batch with (passages done, passages in all).
OnProgress = Callable[[int, int], None]


class ModelUnavailableError(RuntimeError):
    """The embedding model could not be loaded (offline, missing, bad path)."""


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of shape ``(n, dimension)``.

    Attributes:
        name: The model string it was loaded from (stored in the index manifest).
        backend: What runs it: ``onnx-int8``, ``onnx-fp32``, ``torch`` or ``hash``.
        dimension: Length of each vector.
        prompts: The ``query`` and ``passage`` prefixes the model expects.
    """

    name: str
    backend: str
    dimension: int
    prompts: dict[str, str]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (with the query prompt)."""
        ...

    def encode_passages(
        self, texts: Sequence[str], *, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        """Embed passages (with the passage prompt), reporting progress after each batch."""
        ...


# Most padded tokens in one batch: 2 passages of 512 tokens. Bigger batches of long
# passages only cost memory (attention grows with the square of the length), not time.
TOKEN_BUDGET = 1024


class PromptedEmbedder:
    """What the model embedders share: the prompt of each kind of text, then :meth:`_encode`.

    Attributes:
        prompts: The ``query`` and ``passage`` prefixes.
        token_budget: Most padded tokens per batch (see :func:`in_batches`).
    """

    prompts: dict[str, str]
    token_budget: int = TOKEN_BUDGET

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the query prompt; see :class:`Embedder`."""
        return self._encode(texts, self.prompts["query"])

    def encode_passages(
        self, texts: Sequence[str], *, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        """Embed passages with the passage prompt, shortest first, batch by batch.

        A text given more than once (a sentence repeated in the budgets of several
        years) is embedded once; progress counts the distinct texts.
        """
        distinct = list(dict.fromkeys(texts))
        vectors = self._encode(distinct, self.prompts["passage"], on_progress)
        if len(distinct) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(distinct)}
        return vectors[[row[text] for text in texts]]

    def _encode(
        self, texts: Sequence[str], prompt: str, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        raise NotImplementedError


def in_batches(
    lengths: Sequence[int],
    batch_size: int,
    dimension: int,
    encode: Callable[[list[int]], np.ndarray],
    on_progress: OnProgress | None = None,
    budget: int = 0,
    workers: int = 1,
) -> np.ndarray:
    """Encode texts shortest first, in batches, and return the vectors in the texts' order.

    Sorted by length, a batch is padded only to its own longest text. Attention costs
    memory and time with the square of the length, so long texts go in smaller batches:
    a batch holds at most ``batch_size`` texts and, when ``budget`` is set, at most
    ``budget`` tokens once padded (one text alone may exceed it).

    Args:
        lengths: Each text's length (tokens, or characters as their stand-in).
        batch_size: Most texts per call of ``encode``.
        dimension: Vector length.
        encode: Embeds the given rows, one vector each.
        on_progress: Called after each batch, in batch order.
        budget: Most padded tokens per batch (0: no limit).
        workers: Threads calling ``encode`` at once (it must be safe for that).
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    plan: list[list[int]] = []
    done = 0
    while done < len(order):
        rows = [order[done]]
        for row in order[done + 1 : done + batch_size]:
            if budget and (len(rows) + 1) * lengths[row] > budget:
                break
            rows.append(row)
        plan.append(rows)
        done += len(rows)
    out = np.zeros((len(order), dimension), dtype=np.float32)
    pool = ThreadPoolExecutor(workers) if workers > 1 and len(plan) > 1 else None
    try:
        done = 0
        for rows, vectors in zip(plan, pool.map(encode, plan) if pool else map(encode, plan)):
            out[rows] = vectors
            done += len(rows)
            if on_progress is not None:
                on_progress(done, len(order))
    finally:
        if pool is not None:  # on an error, the batches not started are dropped
            pool.shutdown(cancel_futures=True)
    return out


def available_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def family_prompts(model: str) -> dict[str, str] | None:
    """Return the prompts of a known model family (e5, bge-zh, bge-m3), else ``None``."""
    lowered = model.lower().rstrip("/\\")
    for pattern, prompts in _FAMILIES:
        if re.search(pattern, lowered):
            return dict(prompts)
    return None


def unavailable_message(model: str, reason: object) -> str:
    """The error for a model that cannot be loaded, with the ways out."""
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


def encode_with_more(
    embedder: Embedder,
    texts: list[str],
    more: list[str],
    on_progress: OnProgress | None = None,
    stored: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """``embedder``'s passage vectors of ``texts``, then of ``more``.

    ``texts`` are embedded in one call; each text of ``more`` not among them — nor earlier
    in ``more``, nor in ``stored`` — in a second call, the others take the vector of their
    equal. Progress counts both calls as one.

    ``stored`` holds vectors an earlier build embedded (the passages and units of kept
    chunks, see :func:`assistant.index.reuse.stored_equals`): a text of ``more`` found there
    takes that vector instead of being embedded again. The bundled model's backends give a
    text the same vector whatever is embedded beside it (int8 runs one text per call, see
    :class:`~.onnx.OnnxEmbedder`), so how the texts are split between calls and builds
    does not change the vectors (torch: within float rounding, 1e-7).
    """
    stored = stored or {}
    known = set(texts)
    fresh = [t for t in dict.fromkeys(more) if t not in known and t not in stored]
    total = len(texts) + len(fresh)

    def report(offset: int) -> OnProgress | None:
        return None if on_progress is None else lambda done, _: on_progress(offset + done, total)

    vectors = embedder.encode_passages(texts, on_progress=report(0))
    if not more:
        return vectors
    extra = embedder.encode_passages(fresh, on_progress=report(len(texts)))
    reused = [t for t in dict.fromkeys(more) if t not in known and t in stored]
    earlier = np.asarray([stored[t] for t in reused], dtype=np.float32).reshape(
        len(reused), embedder.dimension
    )
    row = {text: i for i, text in enumerate(texts)}
    row.update((text, len(texts) + i) for i, text in enumerate(fresh))
    row.update((text, len(texts) + len(fresh) + i) for i, text in enumerate(reused))
    both = np.concatenate([vectors, extra, earlier])
    return np.concatenate([vectors, both[[row[t] for t in more]]])
