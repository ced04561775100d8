"""BM25 tokens: normalization, the user dictionary, stopwords and answer types."""

from __future__ import annotations

import pytest

from assistant.index.tokens import Tokenizer, answer_types, asked_types, normalize_text


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(["官渡区市场监督管理局", "广州市临时救助实施细则"])


def test_queries_are_normalized_like_documents() -> None:
    assert normalize_text("二〇一八年　知识产权") == "2018年 知识产权"
    assert normalize_text("ＡＢＣ１２３") == "ABC123"


def test_doc_numbers_match_in_any_bracket(tokenizer: Tokenizer) -> None:
    text = tokenizer.words("依据穗府办规〔2021〕19号文件")
    for variant in ("穗府办规[2021]19号", "穗府办规（2021）19号", "穗府办规〔2021〕19号"):
        assert "穗府办规〔2021〕19号" in tokenizer.words(variant)
    assert "穗府办规〔2021〕19号" in text


def test_dictionary_words_stay_whole_and_stopwords_go(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.words("请问官渡区市场监督管理局的电话是什么？")
    assert "官渡区市场监督管理局" in tokens
    assert not {"请问", "的", "是", "什么", "？"} & set(tokens)
    tokens = tokenizer.words("按照《广州市临时救助实施细则》执行")
    assert "广州市临时救助实施细则" in tokens and "按照" in tokens


def test_numbers_keep_their_units(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.words("2018年安排知识产权专项经费484万元")
    assert {"2018年", "484万元"} <= set(tokens)


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ("自2019年7月1日起实施，有效期5年，总套数554套", ["#日期", "#年", "#套"]),
        ("安排专项经费484万元，另补助1.5亿元", ["#元", "#元"]),
        ("咨询电话：0871-63123456，手机13812345678", ["#电话", "#电话"]),
        ("官市监函〔2020〕18号", ["#文号"]),
        ("3月15日前提交，占比50%", ["#日期", "#%"]),
        # Working days are days; 万 and 亿 multiply any unit.
        ("应在5个工作日内递交材料，3工作日内答复", ["#天", "#天"]),
        ("积分制入户类指标为1.6万个，总面积5.6万平方米", ["#个", "#平方米"]),
        # Durations in Chinese numerals; not ordinals, grades, months or days of a date.
        ("补助最多发放十八个月，审核在十个工作日内完成", ["#月", "#天"]),
        ("合同期两年，第三年起续签；一年级新生三月报到", ["#年"]),
        ("于次月十五日前发放", []),
        ("于次月15日前发放，公示期为15日", ["#日期", "#天"]),
        ("没有数字的句子", []),
    ],
)
def test_passages_get_a_token_per_answer_they_hold(text: str, types: list[str]) -> None:
    assert answer_types(normalize_text(text)) == types


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("一共建了多少套房？", ["#套"]),
        ("补贴能领几年？", ["#年"]),
        ("2018年知识产权专项经费是多少？", ["#元"]),
        ("这个文件的文号是什么？", ["#文号"]),
        ("什么时候开始实施？", ["#日期"]),
        ("申请后多久能办好？", ["#年", "#月", "#天"]),
        ("办事大厅的电话是多少？", ["#电话"]),
        ("临时救助的对象有哪些？", []),
        ("第二件能补多少？", ["#元", "#%"]),  # a bare 多少: an amount or a share
        ("个人缴费的比例是多少？", ["#%"]),
        ("一般在每年几月份？", ["#日期"]),  # a month of the year, not a count of months
        ("钱几号前能到账？", ["#日期"]),
        ("一签要签几年，每次多少元？", ["#年", "#元"]),
        ("材料要在几个工作日内交到？", ["#天"]),
        ("营业执照的有效期是多长？", ["#年", "#月", "#天"]),
        # A time frame is not what is asked: 在…期限内 and 有效期届满后 frame the question.
        ("在缓缴期限内欠下的费用怎么处理？", []),
        ("许可证有效期届满后还能用吗？", []),
    ],
)
def test_questions_get_the_tokens_of_the_answers_they_ask_for(
    question: str, types: list[str]
) -> None:
    assert asked_types(normalize_text(question)) == types


def test_passage_and_question_tokens_share_the_answer_type(tokenizer: Tokenizer) -> None:
    passage = tokenizer("全市共建成保障性住房554套")
    question = tokenizer.query("全市共建成保障性住房多少套？")
    assert "#套" in passage and "#套" in question
    assert "#套" not in tokenizer.words("全市共建成保障性住房多少套？")
