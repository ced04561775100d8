"""猜你想问 from a document's structure: its sections' headings as questions.

A section headed 申请材料 answers "申请材料有哪些？", one headed 办理流程 "办理流程是怎样
的？": :func:`heading_question` turns a heading whose last word says what it holds
(:data:`ASKING`) into the question it answers, and keeps a heading that already is a
question (五、创业担保贷款有哪些申请条件？). Headings that say nothing askable (总则, 附件2,
第三章 待遇支付) give none. :func:`structure_questions` collects them for a document, in
its order.
"""

from __future__ import annotations

import re

import numpy as np

from ..documents.headings import without_number
from ..index.stores.base import Store
from .question import ASKING as QUESTION_WORDS

# A heading's last word → how its question ends. General words of what a section holds.
ASKING: tuple[tuple[tuple[str, ...], str], ...] = (
    (("材料", "资料", "证件", "对象", "范围", "情形", "内容", "事项", "渠道", "途径"), "有哪些？"),
    (("条件", "资格", "要求", "标准", "待遇"), "是什么？"),
    (("流程", "程序", "步骤", "方式", "方法", "手续"), "是怎样的？"),
    (("金额", "额度", "比例", "数额"), "是多少？"),
    (("期限", "时限"), "是多久？"),
    (("时间", "日期"), "是什么时候？"),
    (("地点", "地址"), "在哪里？"),
)
MAX_TOPIC = 12  # characters of a heading that names a topic; a longer one is a sentence
MAX_QUESTION = 24  # characters of a heading that is a question
# Headings that point elsewhere (其他事项, 下列条件) ask nothing by themselves.
_VAGUE = re.compile(r"^其他|以下|下列|如下")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+[？?]?")


def heading_question(heading: str) -> str:
    """The question a section headed ``heading`` answers, or ``""`` (see the module doc)."""
    words = without_number(heading.strip()).rstrip("：:。")
    if not _HAN_ONLY.fullmatch(words) or _VAGUE.search(words):
        return ""
    if words.endswith(("？", "?")) or QUESTION_WORDS.search(words):  # a question already
        if len(words) > MAX_QUESTION:
            return ""
        return words if words[-1] in "？?" else words + "？"
    if not 2 <= len(words) <= MAX_TOPIC:
        return ""
    for endings, ending in ASKING:
        if words.endswith(endings):
            return words + ending
    return ""


def structure_questions(index: Store, doc: str) -> list[tuple[str, str]]:
    """The questions the headings of document ``doc`` (its path in ``index``) answer, in its
    order, each as (the heading's label in section paths, the question)."""
    number = next((i for i, d in enumerate(index.documents) if d.path == doc), None)
    if number is None:
        return []
    found: dict[str, str] = {}
    for row in np.flatnonzero(index.chunk_docs == number):
        for heading in index.chunk(int(row)).section_path:
            question = heading_question(heading)
            if question and question not in found.values():
                found.setdefault(heading, question)
    return list(found.items())
