"""One typed ``Settings`` for the whole pipeline.

Defaults live here; every field can be overridden by an environment variable
``ASSISTANT_<FIELD>`` (e.g. ``ASSISTANT_INDEX=/srv/index``) and by CLI flags.
The settings that shape an index are stored in its manifest and read back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "ASSISTANT_"
DEFAULT_MODEL = "bundled:multilingual-e5-small"
FUSIONS = ("zscore", "rrf")
BACKENDS = ("onnx-int8", "onnx-fp32", "torch")
OCR_MODES = ("on", "off")
LOG_MODES = ("on", "off")
SLIP_MODES = ("on", "off")
STORE_SCHEMES = ("milvus://", "http://", "https://")


@dataclass(frozen=True)
class Settings:
    """Configuration of the assistant.

    Attributes:
        corpus: Folder of source documents (``ASSISTANT_CORPUS``).
        index: Folder of the built index (``ASSISTANT_INDEX``): its manifest, and its
            data when ``store`` is ``file``.
        store: Where the index's data is kept (``ASSISTANT_STORE``): ``file`` (the
            default: FAISS and bm25s files in ``index``), ``milvus:///path/dir``
            (milvus-lite, embedded, in that folder), or a Milvus server,
            ``milvus://host:19530`` or ``https://host:port`` (see
            :mod:`assistant.index.stores.milvus`).
        store_token: The Milvus server's token, or ``user:password``
            (``ASSISTANT_STORE_TOKEN``); never stored in the manifest nor shown in ``repr``.
        store_db: The Milvus database name (``ASSISTANT_STORE_DB``; empty = ``default``).
        model: Embedding model: the bundled default, ``hash`` (tests only), a
            sentence-transformers model name or a local path (``ASSISTANT_MODEL``).
        backend: What runs the bundled model (``ASSISTANT_BACKEND``): ``onnx-int8``
            (onnxruntime, int8 weights; the default), ``onnx-fp32`` or ``torch``.
            Other models always run on torch. An index is searched with the backend
            it was built with.
        threads: Cores the embedder runs on (``ASSISTANT_THREADS``; 0 = every core
            this process may use): a question's operations are split over them; a
            build's batches run side by side, one per core.
        chunk_size: Largest chunk, in characters.
        chunk_min: Chunks shorter than this are merged with their neighbours
            inside the same section.
        unit_chars: Each chunk is also embedded by its sentences, short ones joined
            into units of at least this many characters (see
            :mod:`assistant.index.units`; 100 kept the retrieval of 40 at two thirds
            of its units).
        max_file_mb: Files larger than this (in MB, fractions allowed) are skipped
            and reported.
        top_k: Passages returned by a search.
        unit_weight: A chunk's dense score is ``1 - unit_weight`` times its own
            cosine plus ``unit_weight`` times its best unit's (0 = chunks only).
        answer_weight: Hybrid search adds this to the fused score of a passage that
            holds the kind of answer the question asks for (an amount for 多少钱, a
            date for 哪天, 证件 for 带什么证件; see :mod:`assistant.answering.search`;
            0 = off).
        procedure_weight: A question that asks how, where, what materials, what conditions
            or how long (:mod:`assistant.answering.procedure`) raises the passages of its
            topic's documents whose section headings say it (所需材料, 办理流程) by this many
            standard deviations of the candidates' scores, and its answer quotes that
            section's list whole (0 = off, both).
        joined_chars: Two consecutive passages of a document among a search's best are
            returned as one, up to this many characters (:mod:`assistant.answering.passages`;
            0 = never joined). An answer reads a joined passage's sentences as in their own
            passages (their stored vectors, the rank each was found at, their section
            paths). Measured on the shared indexes, on against off in one session: passages
            rank better (DataFountain hit@5 0.831 → 0.879, citizen procedure hit@3 0.875 →
            0.958), answers hold the gold as often or more on every set (DataFountain 0.560
            → 0.574, policy 0.958 → 0.979) at the same CPU per answer (docs/understanding.md).
        dense_weight: Weight of the dense scores in hybrid search (either fusion).
        bm25_weight: Weight of the BM25 scores in hybrid search (either fusion).
        rrf_k: The ``k`` constant of reciprocal-rank fusion.
        fusion: How hybrid search fuses the two methods (``ASSISTANT_FUSION``):
            ``zscore``, the weighted sum of each candidate's z-scored cosine and
            BM25 score, or ``rrf``, reciprocal-rank fusion.
        title_weight: A passage's BM25 score adds this times the BM25 score of its
            document's title among all titles (0 = titles not scored apart); a title read
            from a file's opening words is not among them (see
            :func:`assistant.index.stores.titles.title_index`).
        flat_limit: Up to this many chunks the dense index is exact
            (``IndexFlatIP``); above it, HNSW.
        min_score: Questions whose best dense similarity is below this are
            answered "not found".
        expansion_weight: BM25 also scores the documents' other wordings of the
            question's terms (低保 → 最低生活保障; :mod:`assistant.index.vocabulary`) at
            this weight (0 = off; 0.3-1.0 measured alike on the visible sets).
        age_shift: A question that gives an age (我妈70了) moves passages with age
            brackets by this many standard deviations of the candidates' scores (0 = off;
            see :mod:`assistant.answering.shifts`).
        place_shift: The moves by the places a question names (passages of another
            place down, of the named place up; :mod:`assistant.answering.place`) are
            scaled by this (0 = off).
        outdated_penalty: Search lowers a passage of an expired or repealed document
            by this many standard deviations of the candidates' scores, so that a
            document in force comes first on the same question (0 = off; measured on
            the visible sets: 0.25 changes no gold passage's rank, 0.5 and 1.0 lower
            those of documents that expired since the questions were written).
        slips: ``on``: a question's slips of a pinyin input method are read as the
            index's words (社宝卡 → 社保卡, :mod:`assistant.answering.homophones`);
            ``off``: as typed.
        llm_url: Base URL of an OpenAI-compatible server ending in ``/v1``
            (``ASSISTANT_LLM_URL``, e.g. ``http://127.0.0.1:11434/v1``); empty = no
            LLM answer (see :mod:`assistant.answering.llm`).
        llm_model: Model name sent to that server (``ASSISTANT_LLM_MODEL``).
        llm_api_key: Optional bearer token for it (``ASSISTANT_LLM_API_KEY``); never
            stored in the index manifest nor shown in ``repr``.
        llm_timeout: Seconds the whole reply may take, connection and streaming
            included (``ASSISTANT_LLM_TIMEOUT``); past it the extractive answer is used.
        ocr: Whether pages without a text layer (scanned PDF pages, image-only OFD
            pages) are read by OCR (``ASSISTANT_OCR``): ``on`` (the default) or
            ``off``, which reports them "needs OCR" and skips them.
        ocr_max_pages: At most this many pages of one file are recognized by OCR
            (``ASSISTANT_OCR_MAX_PAGES``); the file's further scanned pages are
            skipped and named in its report.
        allowed_hosts: Host names the web app answers to, comma-separated
            (``ASSISTANT_ALLOWED_HOSTS``); empty = the localhost names and the address
            it is bound to; ``*`` = any. Another ``Host`` gets 400.
        public_url: The app's address for the links it gives (``ASSISTANT_PUBLIC_URL``,
            e.g. ``https://zc.example.gov.cn/``); empty = the address it was asked on.
        frame_ancestors: Pages that may embed the app (``ASSISTANT_FRAME_ANCESTORS``, the
            CSP ``frame-ancestors`` sources, e.g. ``https://portal.example.gov.cn``);
            empty = none (``X-Frame-Options: DENY``).
        max_waiting: Questions of one browser session or API client that may wait in
            the queue at once (``ASSISTANT_MAX_WAITING``); more are refused at once.
        db: Where questions and answers are logged (``ASSISTANT_DB``): an SQLAlchemy URL
            such as ``postgresql://user:pass@host/db``, or a path to an SQLite file; empty
            = ``data/assistant.sqlite3`` beside the index folder. Never stored in the
            index manifest (it may hold a password) nor shown in ``repr``.
        log: ``on`` (the default) records every answered question (see
            :mod:`assistant.records`); ``off`` records nothing (``ASSISTANT_LOG``).
        log_days: Logged answers older than this many days are deleted, once a day
            (``ASSISTANT_LOG_DAYS``; 0 = kept for ever).
    """

    corpus: Path = Path("corpus")
    index: Path = Path("index")
    store: str = "file"
    store_token: str = field(default="", repr=False)
    store_db: str = ""
    model: str = DEFAULT_MODEL
    backend: str = "onnx-int8"
    threads: int = 0
    chunk_size: int = 500
    chunk_min: int = 120
    unit_chars: int = 100
    max_file_mb: float = 50.0
    top_k: int = 5
    unit_weight: float = 0.5
    answer_weight: float = 1.0
    procedure_weight: float = 1.0
    joined_chars: int = 1000
    dense_weight: float = 1.0
    bm25_weight: float = 0.5
    rrf_k: int = 60
    fusion: str = "zscore"
    title_weight: float = 0.5
    flat_limit: int = 50_000
    min_score: float = 0.86
    expansion_weight: float = 0.5
    age_shift: float = 0.5
    place_shift: float = 1.0
    outdated_penalty: float = 0.25
    slips: str = "on"
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 30.0
    ocr: str = "on"
    ocr_max_pages: int = 200
    allowed_hosts: str = ""
    public_url: str = ""
    frame_ancestors: str = ""
    max_waiting: int = 3
    db: str = field(default="", repr=False)
    log: str = "on"
    log_days: int = 180

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * 1024 * 1024)

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ValueError(
                f"未知融合方式 unknown fusion {self.fusion!r}（可选 {' / '.join(FUSIONS)}）"
            )
        if self.backend not in BACKENDS:
            raise ValueError(
                f"未知嵌入后端 unknown backend {self.backend!r}（可选 {' / '.join(BACKENDS)}）"
            )
        if self.ocr not in OCR_MODES:
            raise ValueError(
                f"未知 OCR 设置 unknown ocr {self.ocr!r}（可选 {' / '.join(OCR_MODES)}）"
            )

        if self.store != "file" and not self.store.startswith(STORE_SCHEMES):
            raise ValueError(
                f"未知索引存储 unknown store {self.store!r}（可选 file / milvus:///目录 / "
                "milvus://主机:19530 / https://主机:端口）"
            )
        if self.slips not in SLIP_MODES:
            raise ValueError(
                f"未知错字设置 unknown slips {self.slips!r}（可选 {' / '.join(SLIP_MODES)}）"
            )
        if self.log not in LOG_MODES:
            raise ValueError(
                f"未知日志设置 unknown log {self.log!r}（可选 {' / '.join(LOG_MODES)}）"
            )
        if self.log_days < 0:
            raise ValueError(f"日志保留天数不能为负 log_days={self.log_days}")

    @property
    def db_url(self) -> str:
        """The log database as an SQLAlchemy URL (an SQLite path made one)."""
        if "://" in self.db:
            return self.db
        path = Path(self.db) if self.db else self.index.parent / "data" / "assistant.sqlite3"
        return f"sqlite:///{path}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from defaults, then ``ASSISTANT_*`` env vars, then overrides.

        Args:
            env: Environment to read (``os.environ`` when ``None``).
            **overrides: Field values that win over the environment; ``None``
                values are ignored so CLI flags left unset fall through.

        Raises:
            ValueError: When an environment value does not parse as its field's type.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw not in (None, ""):
                values[f.name] = _parse(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the index manifest (paths as strings)."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def _parse(name: str, raw: str, kind: type) -> Any:
    try:
        return kind(raw)
    except ValueError as exc:
        raise ValueError(
            f"环境变量 {ENV_PREFIX}{name.upper()}={raw!r} 无法解析为 {kind.__name__}"
        ) from exc
