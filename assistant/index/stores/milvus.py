"""The Milvus store: one generation as four collections in a Milvus database.

Picked by ``ASSISTANT_STORE`` (see :class:`~assistant.settings.Settings`):
``milvus:///path/dir`` runs milvus-lite embedded (the database is ``dir/milvus.db``),
``milvus://host:19530`` or ``https://host:port`` is a Milvus server (Standalone or
Distributed: the same ``pymilvus`` API), with ``ASSISTANT_STORE_TOKEN`` and
``ASSISTANT_STORE_DB``. A generation ``g_<time>_<id>`` is::

    g_…_chunks     id = chunk row; doc (document row), data (the chunk as JSON), tokens
                   (its BM25 token ids), doc_type / issuer / issued_on / path (the
                   filters' fields), dense (FLOAT_VECTOR), sparse (BM25, see below)
    g_…_units      id, chunk, vector: the chunks' sentence units
    g_…_sentences  id, chunk, start, end, vector: the quotable sentences (optional)
    g_…_meta       documents, user dictionary, vocabulary, BM25 vocabularies, as JSON
                   pieces; last a ``complete`` row: without it the generation is a leftover

BM25 is ours, not Milvus's function over a jieba-analyzed field: each chunk's sparse
vector holds the BM25 weight of each of its tokens (bm25s's, so the user dictionary,
stopwords and answer-type tokens stay the tokenizer's) and, in dimensions after those,
its document title's; a query's sparse vector weighs its tokens 1 (or the expansion
weight) and their title dimensions by the title weight, so one inner-product search
gives exactly the file store's BM25 score (docs/milvus.md has the measurement).
Dense vectors are searched exactly (FLAT) up to ``flat_limit``, by HNSW above.

After the ``complete`` row the alias ``live`` is moved to the generation (one
``alter_alias``: instances sharing the database see the switch at once); the manifest,
written next, names it (see :mod:`assistant.index.builder`). One index per database: a
build drops every other generation in it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .base import HNSW, Contents
from .sparse import Bm25Weights

if TYPE_CHECKING:
    from ...settings import Settings
    from ..manifest import Manifest
    from .milvus_read import MilvusStore

KINDS = ("chunks", "units", "sentences", "meta")
PIECE = 16_000  # characters of JSON a meta row holds (VARCHAR is at most 65 535 bytes)
BATCH = 1000  # rows an insert sends
TEXT = 65_535
_CLIENTS: dict[tuple[str, str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class MilvusPlace:
    """A Milvus database, as ``ASSISTANT_STORE`` names it (see :class:`~.base.Place`).

    Attributes:
        name: The address without credentials, as the manifest records it.
        uri: What ``pymilvus`` connects to: the milvus-lite database file, or the server.
        token: ``user:password`` or a token (never recorded).
        db: The database name (``""`` = the server's default).
    """

    name: str
    uri: str
    token: str = field(default="", repr=False)
    db: str = ""

    @classmethod
    def of(cls, name: str, settings: Settings) -> MilvusPlace:
        """The place ``name`` names, with the credentials of ``settings``.

        Raises:
            ValueError: Not a Milvus address.
        """
        parts = urlsplit(name)
        token = settings.store_token
        if parts.username:  # user:password@ in the address: used, never recorded
            token = token or f"{parts.username}:{parts.password or ''}"
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        if parts.scheme == "milvus" and not netloc:
            if not parts.path.startswith("/"):
                raise ValueError(f"milvus-lite 需要绝对路径 needs an absolute path: {name!r}")
            folder = Path(parts.path)
            return cls(f"milvus://{folder}", str(folder / "milvus.db"), token, settings.store_db)
        if parts.scheme not in ("milvus", "http", "https") or not netloc:
            raise ValueError(f"不是 Milvus 地址 not a Milvus address: {name!r}")
        scheme = "https" if parts.scheme == "https" else "http"
        recorded = f"{parts.scheme}://{netloc}"
        return cls(recorded, f"{scheme}://{netloc}", token, settings.store_db)

    def client(self) -> Any:
        """A client of this database (one per process and address, shared by threads)."""
        from pymilvus import MilvusClient

        key = (self.uri, self.token, self.db)
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                if not self.uri.startswith("http"):
                    Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
                extra = {"db_name": self.db} if self.db else {}
                try:
                    _CLIENTS[key] = MilvusClient(uri=self.uri, token=self.token, **extra)
                except Exception as error:  # pymilvus's own exceptions, or a lite lock
                    raise OSError(
                        f"无法连接 Milvus cannot open {self.name}（milvus-lite 只能由一个进程"
                        f"打开 only one process may open a milvus-lite folder）: {error}"
                    ) from error
            return _CLIENTS[key]

    def release(self) -> None:
        """Close this process's client (milvus-lite: the database is then free for another
        process; one process at a time may open it)."""
        with _CLIENTS_LOCK:
            client = _CLIENTS.pop((self.uri, self.token, self.db), None)
        if client is not None:
            client.close()
        if not self.uri.startswith("http"):  # milvus-lite serves the file from this process
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)

    def open(self, manifest: Manifest) -> MilvusStore:
        """Open the generation ``manifest`` names (``ValueError`` when it is incomplete)."""
        from .milvus_read import MilvusStore

        client = self.client()
        if not self.complete(manifest.generation):
            raise ValueError(f"Milvus 中没有完整的 {manifest.generation}")
        for kind in KINDS[:-1]:
            if client.has_collection(name := f"{manifest.generation}_{kind}"):
                _load(client, name)
        return MilvusStore(client, manifest)

    def complete(self, generation: str) -> bool:
        """Whether ``generation``'s meta collection holds its ``complete`` row."""
        client = self.client()
        if not client.has_collection(f"{generation}_meta"):
            return False
        _load(client, f"{generation}_meta")
        found = client.query(f"{generation}_meta", filter='kind == "complete"', limit=1)
        return bool(found)

    def cleanup(self, keep: set[str]) -> None:
        """Drop the collections of generations not in ``keep`` (old ones, and leftovers
        of a build that stopped half-way)."""
        client = self.client()
        for name in client.list_collections():
            generation = name.rsplit("_", 1)[0]
            if name.startswith("g_") and generation not in keep:
                client.drop_collection(name)

    def write(self, contents: Contents, flat_limit: int) -> tuple[str, dict[str, Any]]:
        """Write ``contents`` as a new generation, mark it complete, move the aliases to
        it; return its name and the dense index's type and parameters."""
        client = self.client()
        generation = f"g_{dt.datetime.now():%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"
        dimension = contents.vectors.shape[1]
        info = _index_info(len(contents.vectors), flat_limit)
        info["units"] = _index_info(len(contents.units.vectors), flat_limit)
        bm25 = Bm25Weights.of(contents)
        chunks, units = _chunk_fields(dimension), _unit_fields(dimension)
        _create(client, f"{generation}_chunks", chunks)
        _insert(client, f"{generation}_chunks", _chunk_rows(contents, bm25))
        _create(client, f"{generation}_units", units)
        _insert(client, f"{generation}_units", _unit_rows(contents))
        written = [
            (f"{generation}_chunks", chunks, info),
            (f"{generation}_units", units, info["units"]),
        ]
        if (sentences := contents.sentences) is not None:
            fields = _sentence_fields(dimension)
            _create(client, f"{generation}_sentences", fields)
            said = zip(sentences.chunks.tolist(), sentences.spans.tolist(), sentences.vectors)
            rows = (
                {"id": i, "chunk": c, "start": a, "end": b, "vector": v}
                for i, (c, (a, b), v) in enumerate(said)
            )
            _insert(client, f"{generation}_sentences", rows)
            written.append((f"{generation}_sentences", fields, {}))
            info["sentences"] = {"count": len(sentences.chunks)}
        meta = _meta_fields()
        _create(client, f"{generation}_meta", meta)
        _insert(client, f"{generation}_meta", _meta_rows(contents, bm25))
        written.append((f"{generation}_meta", meta, {}))
        for name, fields, how in written:  # indexed once, over all rows (see _index)
            client.flush(name)
            _index(client, name, fields, how)
        done = {"id": -1, "kind": "complete", "part": 0, "data": "", "v": [0.0, 0.0]}
        _insert(client, f"{generation}_meta", [done])
        client.flush(f"{generation}_meta")
        _move_aliases(client, generation)
        return generation, info


def _load(client: Any, name: str) -> None:
    """Load collection ``name`` for searching, unless it is loaded (each server start,
    or each process for milvus-lite, begins with none loaded)."""
    from pymilvus.client.types import LoadState

    if client.get_load_state(name).get("state") != LoadState.Loaded:
        client.load_collection(name)


def _index_info(count: int, flat_limit: int) -> dict[str, Any]:
    if count <= flat_limit:
        return {"type": "FLAT"}
    return {"type": "HNSW", **HNSW}


def _chunk_fields(dimension: int) -> list[tuple[str, str, dict[str, Any]]]:
    text = {"max_length": TEXT}
    return [
        ("id", "INT64", {"is_primary": True}),
        ("doc", "INT64", {}),
        ("data", "VARCHAR", text),
        ("tokens", "VARCHAR", text),
        ("doc_type", "VARCHAR", {"max_length": 256}),
        ("issuer", "VARCHAR", {"max_length": 2048}),
        ("issued_on", "VARCHAR", {"max_length": 64}),
        ("path", "VARCHAR", {"max_length": 4096}),
        ("dense", "FLOAT_VECTOR", {"dim": dimension}),
        ("sparse", "SPARSE_FLOAT_VECTOR", {}),
    ]


def _unit_fields(dimension: int) -> list[tuple[str, str, dict[str, Any]]]:
    """A unit's fields: its chunk, its vector, and its chunk's filter fields."""
    filters = _chunk_fields(dimension)[4:8]
    return [
        ("id", "INT64", {"is_primary": True}),
        ("chunk", "INT64", {}),
        ("doc", "INT64", {}),
        *filters,
        ("vector", "FLOAT_VECTOR", {"dim": dimension}),
    ]


def _sentence_fields(dimension: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("id", "INT64", {"is_primary": True}),
        ("chunk", "INT64", {}),
        ("start", "INT32", {}),
        ("end", "INT32", {}),
        ("vector", "FLOAT_VECTOR", {"dim": dimension}),
    ]


def _meta_fields() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("id", "INT64", {"is_primary": True}),
        ("kind", "VARCHAR", {"max_length": 64}),
        ("part", "INT64", {}),
        ("data", "VARCHAR", {"max_length": TEXT}),
        ("v", "FLOAT_VECTOR", {"dim": 2}),  # Milvus wants a vector in every collection
    ]


def _create(client: Any, name: str, fields: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Create collection ``name`` with ``fields``, not indexed yet (see :func:`_index`)."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    for field_name, kind, params in fields:
        schema.add_field(field_name, getattr(DataType, kind), **params)
    client.create_collection(name, schema=schema, consistency_level="Strong")


def _index(
    client: Any, name: str, fields: list[tuple[str, str, dict[str, Any]]], info: dict[str, Any]
) -> None:
    """Index the vectors of collection ``name`` as ``info`` says, then load it.

    Indexing after the bulk insert builds each index once over the flushed rows: a
    collection indexed (and so loaded) from the start has milvus-lite build an HNSW index
    for every segment each flush and compaction makes, again and again as they merge.
    A field's index call that fails once its index exists is done: pymilvus retries a call
    whose first attempt milvus-lite had carried out (seen at a million units, a build of
    minutes inside the call: "index already exists for field 'vector'").
    """
    for field_name, kind, _ in fields:
        index = client.prepare_index_params()
        if kind == "FLOAT_VECTOR":
            if info.get("type") == "HNSW":
                # as one JSON "params" value, the wire format a Milvus server and milvus-lite
                # both read (milvus-lite ignores them flat and builds with M 16, ef 200)
                hnsw = {"M": info["M"], "efConstruction": info["efConstruction"]}
                index.add_index(
                    field_name, index_type="HNSW", metric_type="IP", params={"params": hnsw}
                )
            else:
                index.add_index(field_name, index_type="FLAT", metric_type="IP")
        elif kind == "SPARSE_FLOAT_VECTOR":
            index.add_index(field_name, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        else:
            continue
        try:
            client.create_index(name, index)
        except Exception:  # pymilvus's own exceptions
            if not client.list_indexes(name, field_name=field_name):
                raise
    _load(client, name)


def _insert(client: Any, name: str, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            client.insert(name, batch)
            batch = []
    if batch:
        client.insert(name, batch)


def _filter_fields(contents: Contents) -> list[dict[str, Any]]:
    """Each chunk's document row and the fields filters are pushed down to."""
    documents = contents.documents
    doc_row = {d.path: i for i, d in enumerate(documents)}
    fields = []
    for chunk in contents.chunks:
        source = documents[doc_row[chunk.doc]].source
        fields.append(
            {
                "doc": doc_row[chunk.doc],
                "doc_type": source.doc_type,
                "issuer": source.issuer,
                "issued_on": source.issued_on,
                "path": chunk.doc,
            }
        )
    return fields


def _chunk_rows(contents: Contents, bm25: Bm25Weights) -> Iterator[dict[str, Any]]:
    tokens = contents.tokens
    for row, (chunk, fields) in enumerate(zip(contents.chunks, _filter_fields(contents))):
        data = json.dumps(chunk.to_dict(), ensure_ascii=False)
        if len(data.encode("utf-8")) > TEXT:
            raise ValueError(f"段落过长 chunk {chunk.id} is over {TEXT} bytes as JSON")
        yield {
            "id": row,
            **fields,
            "data": data,
            "tokens": json.dumps(tokens.ids_of(row).tolist()),
            "dense": contents.vectors[row],
            "sparse": bm25.vector(row, fields["doc"]),
        }


def _unit_rows(contents: Contents) -> Iterator[dict[str, Any]]:
    fields, units = _filter_fields(contents), contents.units
    pairs = zip(units.chunks.tolist(), units.vectors, strict=True)
    for i, (chunk, vector) in enumerate(pairs):
        yield {"id": i, "chunk": chunk, **fields[chunk], "vector": vector}


def _meta_rows(contents: Contents, bm25: Bm25Weights) -> Iterator[dict[str, Any]]:
    blobs = {
        "documents": json.dumps([d.to_dict() for d in contents.documents], ensure_ascii=False),
        "words": json.dumps(contents.words, ensure_ascii=False),
        "vocabulary": contents.vocabulary.dumps(),
        "token_vocab": json.dumps(contents.tokens.vocab, ensure_ascii=False),
        "bm25_vocab": json.dumps(bm25.vocab, ensure_ascii=False),
        "bm25_titles": json.dumps(bm25.titles, ensure_ascii=False),
    }
    row = 0
    for kind, text in blobs.items():
        for part, start in enumerate(range(0, max(len(text), 1), PIECE)):
            piece = text[start : start + PIECE]
            yield {"id": row, "kind": kind, "part": part, "data": piece, "v": [0.0, 0.0]}
            row += 1


def _move_aliases(client: Any, generation: str) -> None:
    """Point the alias ``live`` at this generation (its meta collection) in one step."""
    if "live" in client.list_aliases().get("aliases", []):
        client.alter_alias(f"{generation}_meta", "live")
    else:
        client.create_alias(f"{generation}_meta", "live")


def live_generation(client: Any) -> str:
    """The generation the alias ``live`` points at (``""`` when there is none)."""
    if "live" not in client.list_aliases().get("aliases", []):
        return ""
    return str(client.describe_alias("live")["collection_name"]).rsplit("_", 1)[0]
