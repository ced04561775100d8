"""The Chinese the assistant knows, in one place, below every stage of the pipeline.

- :mod:`.numerals`: Chinese numerals, their characters and the one parser (cn2an);
- :mod:`.dates`: dates as documents write them (2020年8月31日, 二〇二〇年八月三十一日);
- :mod:`.doc_numbers`: 文号 in any written form;
- :mod:`.answer_types`: the kinds of answer (:class:`~.answer_types.AnswerType`: #元, #日期 …);
- :mod:`.words`: the word lists (units, question words, stopwords …), data in ``words.toml``.

Nothing here imports from the rest of the package: documents, index and answering read it.
"""
