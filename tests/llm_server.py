"""A real local server speaking the OpenAI chat-completions protocol, with scripted replies.

:class:`ScriptedServer` answers each request by the :class:`Script` registered for its model
name, as server-sent events when the request asks for a stream, and records the requests.
Used by the LLM tests and the browser test of a streamed model answer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.settings import Settings


@dataclass
class Script:
    """What the server does for one model name.

    Attributes:
        pieces: The answer, one SSE event per piece (joined for a JSON reply).
        status: HTTP status; not 200 sends ``error_message`` as an OpenAI error object.
        json_only: Reply with one JSON object even when a stream is asked for.
        delay: Seconds to wait before the headers.
        stall: Seconds to wait after the first piece.
        hold: Sent after the first piece only once this is set (or the server stops): a
            test sees the first piece alone for as long as it needs, whatever the load.
        error_message: The error object's message for a status other than 200.
        raw: A body sent as it is, instead of an answer.
    """

    pieces: tuple[str, ...] = ()
    status: int = 200
    json_only: bool = False
    delay: float = 0.0
    stall: float = 0.0
    hold: threading.Event | None = None
    error_message: str = "internal error"
    raw: bytes = b""


class _QuietServer(ThreadingHTTPServer):
    """Clients that time out close the connection mid-reply: expected here, not printed."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 speaking the chat-completions protocol."""

    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def released(self, script: Script) -> bool:
        """Wait for ``script.hold``: False when the server stops first."""
        while script.hold is not None and not script.hold.wait(0.05):
            if self.stopping.is_set():
                return False
        return True

    def settings(self, model: str, script: Script, **changes: Any) -> Settings:
        """Register ``script`` for ``model``; settings pointing at this server."""
        self.scripts[model] = script
        return Settings(llm_url=self.url, llm_model=model, llm_timeout=10.0).with_(**changes)


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # chunked streaming, as Ollama and vLLM send it

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            server.requests.append({"path": self.path, "headers": dict(self.headers), **body})
            script = server.scripts[body["model"]]
            if server.stopping.wait(script.delay):
                return
            if script.raw:
                return self.send(200, "text/plain", script.raw)
            if script.status != 200:
                error = {"error": {"message": script.error_message, "type": "server_error"}}
                return self.send(script.status, "application/json", json.dumps(error).encode())
            if not body.get("stream") or script.json_only:
                message = {"role": "assistant", "content": "".join(script.pieces)}
                reply = {"object": "chat.completion", "choices": [{"message": message}]}
                return self.send(200, "application/json", json.dumps(reply).encode())
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.chunk(b'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n')
            for n, piece in enumerate(script.pieces):
                delta = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                self.chunk(f"data: {json.dumps(delta, ensure_ascii=False)}\n\n".encode())
                if n == 0 and (server.stopping.wait(script.stall) or not server.released(script)):
                    return
            self.chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def send(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


def serving() -> ScriptedServer:
    """A started :class:`ScriptedServer` (stop it with :meth:`ScriptedServer.stop`)."""
    scripted = ScriptedServer()
    scripted.thread.start()
    return scripted
