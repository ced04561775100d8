"""政策问答助手 — an offline assistant for Chinese policy documents.

The folders follow the pipeline; each imports only the ones above it::

    types, settings          Source, Document, Chunk, Hit, Answer; Settings
    documents/               files → Document → Chunk   (readers/, headings, cleaning,
                                                          metadata, chunking, ingest)
    index/                   Chunk → vectors + BM25 tokens in a store (embedders/, tokens,
                                                          stores/, manifest, builder)
    answering/               question → Hit → Answer → text/Markdown/HTML (question,
                                                          conversation, search, answer,
                                                          render, evaluation)
    app/                     the CLI, the Gradio app and its 管理 actions
"""

from __future__ import annotations

__version__ = "0.1.0"
