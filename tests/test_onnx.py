"""The ONNX embedder against the torch one (the oracle), on the real bundled model.

The bundled model folder is hard-linked into a temp folder, so the exports of this
module stay apart from the model cache. One torch export (~15 s), then int8 and fp32
graphs, and a few hundred real passages and questions through each backend.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.evaluation import compact, read_questions
from assistant.documents.chunking import chunk
from assistant.documents.ingest import load_document
from assistant.index import IndexUnavailable, open_index, passage_text
from assistant.index.embedders import E5_PROMPTS, bundled, onnx
from assistant.index.embedders.onnx import OnnxEmbedder
from assistant.index.embedders.pytorch import SentenceTransformerEmbedder
from assistant.settings import Settings

from .conftest import SEED, SHARED, SHARED_CORPUS

HTML = SHARED_CORPUS / "html"
QA = [*read_questions(SHARED / "eval" / "policy_qa.jsonl"),
      *read_questions(SHARED / "eval" / "seed_qa.jsonl")]  # fmt: skip


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = bundled.ensure_bundled_model()
    target = tmp_path_factory.mktemp("model") / source.name
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns("onnx"))
    return target


def load(model_dir: Path, quantize: bool, **options: object) -> OnnxEmbedder:
    normalizer = bundled.load_normalizer(model_dir)
    return OnnxEmbedder(
        "bundled", model_dir, prompts=E5_PROMPTS, quantize=quantize, preprocess=normalizer,
        source=bundled.SOURCE_SHA256, **options,
    )  # fmt: skip


@pytest.fixture(scope="module")
def onnx_fp32(model_dir: Path) -> OnnxEmbedder:
    before = onnx.export_count()
    embedder = load(model_dir, quantize=False)
    assert onnx.export_count() == before + 1  # the first use exports
    return embedder


@pytest.fixture(scope="module")
def onnx_int8(model_dir: Path, onnx_fp32: OnnxEmbedder) -> OnnxEmbedder:
    before = onnx.export_count()
    embedder = load(model_dir, quantize=True)
    assert onnx.export_count() == before  # quantized from the cached fp32 graph
    return embedder


@pytest.fixture(scope="module")
def oracle(model_dir: Path) -> SentenceTransformerEmbedder:
    """The torch embedder, as the package loads it for the bundled model."""
    normalizer = bundled.load_normalizer(model_dir)
    return SentenceTransformerEmbedder(
        "bundled", model_dir, prompts=dict(E5_PROMPTS), preprocess=normalizer
    )


def passages_of(name: str) -> list[str]:
    """What is embedded for each chunk of one real document."""
    path = HTML / name if (HTML / name).is_file() else SHARED_CORPUS / "seed" / name
    return [passage_text(c) for c in chunk(load_document(path, SHARED_CORPUS))]


@pytest.fixture(scope="module")
def passages() -> list[str]:
    """80 real passages, a few from each of 16 HTML pages."""
    names = sorted(p.name for p in HTML.glob("*.html"))[:16]
    return [text for name in names for text in passages_of(name)[:5]][:80]


@pytest.fixture(scope="module")
def queries() -> list[str]:
    return [q["question"] for q in QA]


@pytest.fixture(scope="module")
def reference(
    oracle: SentenceTransformerEmbedder, passages: list[str], queries: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The oracle's vectors of the passages and of the queries (computed once)."""
    return oracle.encode_passages(passages), oracle.encode_queries(queries)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_int8_vectors_are_close_to_torch(
    onnx_int8: OnnxEmbedder, reference: tuple[np.ndarray, np.ndarray], passages: list[str],
    queries: list[str],
) -> None:  # fmt: skip
    assert len(passages) >= 50 and len(queries) >= 50
    for ours, ref in [
        (onnx_int8.encode_passages(passages), reference[0]),
        (onnx_int8.encode_queries(queries), reference[1]),
    ]:
        assert ours.dtype == np.float32 and ours.shape == ref.shape == (len(ref), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        assert cosines(ours, ref).min() >= 0.97


def test_fp32_vectors_equal_torch(
    onnx_fp32: OnnxEmbedder, reference: tuple[np.ndarray, np.ndarray], passages: list[str],
    queries: list[str],
) -> None:  # fmt: skip
    assert cosines(onnx_fp32.encode_passages(passages), reference[0]).min() > 0.9999
    assert cosines(onnx_fp32.encode_queries(queries), reference[1]).min() > 0.9999


def test_int8_finds_the_same_top_passage_as_torch(
    onnx_int8: OnnxEmbedder, oracle: SentenceTransformerEmbedder
) -> None:
    """Policy questions over their own documents' passages: the same best passage.

    Where torch itself has a near-tie (its two best within 0.005), int8's rounding may
    pick the other one of the pair.
    """
    items = [q for q in QA if q["doc"] and (HTML / q["doc"]).is_file()]
    pool: list[str] = []
    for doc in dict.fromkeys(q["doc"] for q in items):
        answers = [compact(q["answer"]) for q in items if q["doc"] == doc]
        texts = passages_of(doc)
        holding = [t for t in texts if any(a in compact(t) for a in answers)]
        pool += list(dict.fromkeys([*holding, *texts]))[:6]
    questions = [q["question"] for q in items]
    assert len(questions) >= 30 and len(pool) >= 100
    ours = onnx_int8.encode_queries(questions) @ onnx_int8.encode_passages(pool).T
    ref = oracle.encode_queries(questions) @ oracle.encode_passages(pool).T
    same = ours.argmax(1) == ref.argmax(1)
    lost = ref.max(1) - ref[np.arange(len(questions)), ours.argmax(1)]
    assert np.all(same | (lost < 0.005)) and same.mean() >= 0.9


def test_the_export_is_cached_and_reused(model_dir: Path, onnx_int8: OnnxEmbedder) -> None:
    before = onnx.export_count()
    again = load(model_dir, quantize=True)
    assert onnx.export_count() == before
    assert again.model_path == onnx_int8.model_path and again.backend == "onnx-int8"
    key = onnx.cache_key(model_dir, bundled.SOURCE_SHA256)
    names = sorted(p.name for p in (model_dir / "onnx").iterdir())  # no temp folder left
    assert names == [f"model-fp32-{key}.onnx", f"model-int8-{key}.onnx"]


@pytest.mark.parametrize("quantize", [False, True])
def test_length_grouped_batches_match_one_at_a_time(
    model_dir: Path, onnx_int8: OnnxEmbedder, passages: list[str], quantize: bool
) -> None:
    embedder = load(model_dir, quantize=quantize, batch_size=4)
    texts = [p[: 20 + 13 * i] for i, p in enumerate(passages[:20])][::-1]  # mixed lengths
    calls: list[tuple[int, int]] = []
    batched = embedder.encode_passages(texts, on_progress=lambda d, t: calls.append((d, t)))
    single = np.concatenate([embedder.encode_passages([t]) for t in texts])
    assert calls == [(4, 20), (8, 20), (12, 20), (16, 20), (20, 20)]
    # int8: onnxruntime quantizes activations with one scale per batch, so a text's vector
    # moves a little with its batch mates (measured min 0.9988).
    assert cosines(batched, single).min() > (0.995 if quantize else 0.999)
    assert embedder.encode_queries([]).shape == (0, 384)


@pytest.mark.parametrize("quantize", [False, True])
def test_a_vector_depends_on_its_text_alone(
    onnx_fp32: OnnxEmbedder, onnx_int8: OnnxEmbedder, passages: list[str], quantize: bool
) -> None:
    """A passage gets the same bytes embedded alone and among texts of other lengths: int8
    runs one text per call, since it quantizes each call's activations with one scale
    (fp32 keeps its batches: they change nothing)."""
    embedder = onnx_int8 if quantize else onnx_fp32
    texts = [p[: 20 + 37 * i] for i, p in enumerate(passages[:12])]  # 12 lengths
    among = embedder.encode_passages(texts)
    alone = np.concatenate([embedder.encode_passages([t]) for t in texts])
    np.testing.assert_array_equal(among, alone)
    np.testing.assert_array_equal(embedder.encode_passages(texts[::-1]), among[::-1])


def test_batches_side_by_side_match_one_session(
    model_dir: Path, onnx_int8: OnnxEmbedder, passages: list[str]
) -> None:
    """A build's many texts run on single-thread sessions side by side: the same
    batches, the same vectors as on one session over all cores (the oracle)."""
    embedder = load(model_dir, quantize=True, threads=2, batch_size=8)
    texts = passages[:48]
    embedder.side_by_side_from = len(texts)
    calls: list[tuple[int, int]] = []
    side_by_side = embedder.encode_passages(texts, on_progress=lambda d, t: calls.append((d, t)))
    assert embedder._workers.qsize() == 2  # both sessions made, and given back
    embedder.side_by_side_from = len(texts) + 1
    one_session = embedder.encode_passages(texts)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (len(texts), len(texts))
    np.testing.assert_allclose(side_by_side, one_session, atol=1e-5)


@pytest.fixture(scope="module")
def onnx_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed letter indexed with the default backend (int8 ONNX)."""
    work = tmp_path_factory.mktemp("onnx-index")
    (work / "corpus").mkdir()
    assert SEED is not None
    shutil.copy(SEED, work / "corpus" / SEED.name)
    settings = Settings(corpus=work / "corpus", index=work / "index")
    assert settings.backend == "onnx-int8"
    # built by a process like the one that asks below, with this process's environment (the
    # model cache may have been redirected by an earlier session fixture): any export happens
    # here, and the ask finds the cached graph
    command = ["build", "--corpus", str(settings.corpus), "--index", str(settings.index)]
    subprocess.run([sys.executable, "-m", "assistant", *command], check=True, timeout=600)
    return settings


def test_an_index_is_searched_only_with_its_own_backend(onnx_index: Settings) -> None:
    torch_settings = onnx_index.with_(backend="torch")
    with pytest.raises(IndexUnavailable, match=r"backend.*onnx-int8.*torch.*assistant build"):
        open_index(torch_settings)
    assert open_index(onnx_index).manifest.model.backend == "onnx-int8"


def test_ask_on_the_onnx_path_imports_no_torch(onnx_index: Settings) -> None:
    code = (
        "import json, sys; from assistant.app.cli import main; "
        f"main(['ask', '2018年知识产权专项经费是多少？', '--index', {str(onnx_index.index)!r}, "
        "'--json']); heavy = ('torch', 'transformers', 'sentence_transformers'); "
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    answer, modules = result.stdout.strip().splitlines()
    assert json.loads(answer)["found"] and "484万元" in json.loads(answer)["answer"]
    assert json.loads(modules) == []
