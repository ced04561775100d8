"""The Gradio web app (minimal until the app issue lands): ask a question, get a cited answer.

Entry point: :func:`serve`. On first start with no index, it builds one from the
corpus. Respects ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT`` and the
``ASSISTANT_*`` settings.
"""

from __future__ import annotations

import html
import logging

from .answer import answer
from .index import build, read_manifest
from .search import Searcher
from .settings import Settings

log = logging.getLogger(__name__)
EXAMPLES = [
    "2018年知识产权专项经费是多少？",
    "在广州，一个家庭一年之内领的临时救助金最多能有多少？",
    "公租房的住房租赁补贴期限是几年？",
]


def reply_markdown(searcher: Searcher, question: str) -> str:
    """The answer to ``question`` as Markdown; document text is escaped, never rendered as HTML."""
    try:
        result = answer(searcher, question)
    except ValueError as error:
        return f"**{html.escape(str(error))}**"
    return html.escape(result.text).replace("\n", "  \n")


def create_app(settings: Settings) -> object:
    """Build the Gradio Blocks app over the index at ``settings.index``."""
    import gradio as gr

    searcher = Searcher.open(settings)
    with gr.Blocks(title="政策问答助手") as app:
        gr.Markdown("# 政策问答助手\n根据已收录的政策文件和答复函回答问题，每句都注明出处。")
        question = gr.Textbox(label="您的问题", placeholder="例如：2018年知识产权专项经费是多少？")
        ask = gr.Button("提问", variant="primary")
        reply = gr.Markdown(label="回答")
        gr.Examples(EXAMPLES, inputs=question)
        ask.click(lambda q: reply_markdown(searcher, q), question, reply, api_name="ask")
        question.submit(lambda q: reply_markdown(searcher, q), question, reply)
    return app


def serve(settings: Settings | None = None) -> None:
    """Start the app; build the index first if there is none."""
    settings = settings or Settings.from_env()
    if read_manifest(settings.index) is None:
        log.warning("没有索引，正在从 %s 构建 building the index …", settings.corpus)
        report = build(settings, progress=True)
        log.warning("索引已建好 index built: %d chunks in %.0f s", report.chunks, report.seconds)
    create_app(settings).launch()
