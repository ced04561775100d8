"""Answering: a question → the best passages → a cited answer, rendered.

``question`` checks and normalizes a question once; ``conversation`` takes a
follow-up that does not name its topic in the topic of the earlier turns;
``search`` ranks passages (dense + BM25, fused); ``answer`` quotes the sentences
that answer (chosen by ``composition``), or refuses (``relevance`` judges, ``refusal`` says
why);
``render`` turns the structured answer into text, Markdown, HTML or JSON;
``evaluation`` scores retrieval on question sets. Imports :mod:`assistant.index`
and :mod:`assistant.documents`, never the app.
"""
