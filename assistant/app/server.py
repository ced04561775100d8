"""How the web app is served: Gradio mounted on a FastAPI app that also serves original files.

Entry point: :func:`run`. Besides the Gradio page it serves ``original/<path>``: the
corpus file of a document in the loaded index (the source cards link to it), and
nothing else — a path that is not exactly an indexed document's (``../``, absolute,
``%2e%2e``, backslashes) is 404. The page is marked Chinese (``<html lang="zh-CN">``)
and Gradio's own strings are shown in Chinese whatever the browser's language.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..answering.render import ORIGINALS
from ..documents.readers.base import decode_text
from .admin import Library
from .guard import Guard
from .suggest import Suggester, add_route

BIND = "127.0.0.1"  # the default address served on
# Seconds a stopped app (SIGTERM, Ctrl+C) lets answers in progress finish. Gradio's heartbeat
# streams (one per open page or API client) are ended at once: otherwise uvicorn would wait for
# them for ever (until the service manager's SIGKILL).
STOP_GRACE = 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html", ".docx": DOCX}
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")  # served with the encoding they are in
PAGE_SUFFIXES = (".html", ".htm")
# Saved pages often hide their body until their scripts (which do not run here) show it.
SHOWN = b"<style>body {visibility: visible !important}</style>"
# A saved web page runs nothing and loads nothing: no scripts on the app's origin, no requests out.
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Gradio picks its language from navigator.language when the page loads: say Chinese first.
CHINESE = (
    (re.compile(rb'<html\s+lang="en"'), b'<html lang="zh-CN"'),
    (
        re.compile(rb"<head>"),
        b"<head><script>for (const [name, value] of "
        b'[["language", "zh-CN"], ["languages", ["zh-CN", "zh"]]]) '
        b"Object.defineProperty(navigator, name, {get: () => value});</script>",
    ),
)


def original_file(library: Library, requested: str) -> Path | None:
    """The corpus file of the indexed document whose path is ``requested``, else ``None``.

    Only a path that is exactly one in the index's document list counts, and only
    when the file is (still) inside the corpus.
    """
    searcher = library.searcher
    if searcher is None or requested not in {d.path for d in searcher.index.documents}:
        return None
    corpus = library.settings.corpus.resolve()
    path = (corpus / requested).resolve()
    return path if path.is_relative_to(corpus) and path.is_file() else None


def original_response(path: Path) -> Any:
    """The file as the browser should show it: PDF and text inline (text in its own
    encoding), a web page sandboxed and made visible, a DOCX as a download."""
    from fastapi.responses import FileResponse, Response

    suffix = path.suffix.lower()
    media_type = MEDIA_TYPES.get(suffix, "application/octet-stream")
    headers = {"X-Content-Type-Options": "nosniff"}
    if suffix in TEXT_SUFFIXES:
        data = path.read_bytes()
        media_type = MEDIA_TYPES.get(suffix, "text/plain") + f"; charset={decode_text(data)[1]}"
        if suffix in PAGE_SUFFIXES:
            data = SHOWN + data if (at := _head_end(data)) < 0 else data[:at] + SHOWN + data[at:]
        headers["Content-Security-Policy"] = SANDBOX
        return Response(data, media_type=media_type, headers=headers)
    if suffix != ".pdf":  # Chromium shows no PDF in a sandboxed page
        headers["Content-Security-Policy"] = SANDBOX
    disposition = "attachment" if suffix == ".docx" else "inline"
    return FileResponse(
        path, media_type=media_type, headers=headers, filename=path.name,
        content_disposition_type=disposition,
    )  # fmt: skip


def _head_end(page: bytes) -> int:
    """Where the page's ``<head …>`` tag ends, or -1."""
    found = re.search(rb"<head(\s[^>]*)?>", page, re.IGNORECASE)
    return found.end() if found else -1


def web_app(
    blocks: Any, library: Library, suggester: Suggester | None = None, **options: Any
) -> Any:
    """The ASGI app: ``original/<path>`` (and ``suggest`` with a ``suggester``) beside the
    Gradio ``blocks`` (``options`` go to :func:`gradio.mount_gradio_app`), its page in
    Chinese, behind :class:`.guard.Guard`."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(f"/{ORIGINALS}{{requested:path}}")
    def original(requested: str) -> Any:
        path = original_file(library, requested)
        if path is None:
            raise HTTPException(status_code=404, detail="没有这个文件")
        return original_response(path)

    if suggester is not None:
        add_route(app, suggester)
    page = ChinesePage(gr.mount_gradio_app(app, blocks, path="/", **options))
    return Guard(page, library.settings, blocks, os.environ.get("GRADIO_SERVER_NAME", BIND))


def run(blocks: Any, library: Library, suggester: Suggester | None = None, **options: Any) -> None:
    """Serve :func:`web_app` on ``GRADIO_SERVER_NAME``:``GRADIO_SERVER_PORT`` until stopped."""
    import uvicorn

    host = os.environ.get("GRADIO_SERVER_NAME", BIND)
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    app = web_app(blocks, library, suggester, **options)
    print(f"政策问答助手 running on http://{host}:{port}/", flush=True)
    if host in ("0.0.0.0", "::") and not library.settings.allowed_hosts:
        print(
            "提示：只接受以 localhost 或 127.0.0.1 访问；其他地址请设置 ASSISTANT_ALLOWED_HOSTS"
            "（如 zc.example.gov.cn,10.1.2.3）。",
            flush=True,
        )
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=STOP_GRACE
    )
    server = uvicorn.Server(config)
    exit_on = server.handle_exit

    def handle_exit(sig: int, frame: Any) -> None:
        for stop in _stop_events(app):  # Gradio's heartbeat streams end at once
            stop.set()
        exit_on(sig, frame)

    server.handle_exit = handle_exit  # type: ignore[method-assign]
    server.run()


def _stop_events(app: Any) -> list[Any]:
    """The ``stop_event`` of each Gradio app mounted in ``app`` (under its middleware)."""
    while not hasattr(app, "routes") and hasattr(app, "app"):
        app = app.app
    mounted = [getattr(r, "app", None) for r in getattr(app, "routes", ())]
    return [m.stop_event for m in mounted if hasattr(m, "stop_event")]


class ChinesePage:
    """ASGI middleware: the page (``GET /``) as :data:`CHINESE` says; everything else as is."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def rewrite(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            page = bytes(body)
            if page.lstrip().lower().startswith(b"<!doctype html>"):
                for pattern, replacement in CHINESE:
                    page = pattern.sub(replacement, page, count=1)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(page)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, rewrite)
