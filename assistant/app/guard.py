"""The app's front door: hosts, security headers, admin-only uploads and fair queueing.

:class:`Guard` wraps the whole ASGI app (:func:`assistant.app.server.web_app`):

- **Host**: a request whose ``Host`` is not in ``ASSISTANT_ALLOWED_HOSTS`` (by default
  the localhost names and the address the app is bound to) gets 400, so a DNS name
  rebound to 127.0.0.1 reaches nothing; links are built from ``ASSISTANT_PUBLIC_URL``
  when it is set (:func:`app_url`).
- **Headers** on every response: a Content-Security-Policy (:func:`policy`: the app's
  own origin only; the page's inline scripts by their SHA-256, measured on each page
  served), ``X-Frame-Options: DENY`` (or ``frame-ancestors`` from
  ``ASSISTANT_FRAME_ANCESTORS``), ``X-Content-Type-Options: nosniff`` and a
  ``Referrer-Policy``. No ``/openapi.json`` or ``/docs``.
- **Uploads** (``/gradio_api/upload``) only from a browser logged in to the 管理 tab:
  its login sets a cookie holding a token of :data:`ADMINS` (Gradio itself cannot tell
  who uploads).
- **Queueing** (:class:`FairQueue`): at most ``ASSISTANT_MAX_WAITING`` questions of one
  browser session or API client wait at once, further ones are refused at once with
  :data:`BUSY`; one client address may have at most :data:`HOST_WAITING` waiting, and
  the waiting questions are taken in turn by address, so a flood from one address
  cannot keep others out; waiting questions whose client has stopped listening are
  dropped.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from ..settings import Settings

BUSY = "您的问题正在排队，请稍候再问"
FOREIGN_HOST = "不允许的主机名（Host）：请通过本服务配置的地址访问。"
UPLOAD_REFUSED = "上传文件需要先在“管理”页登录。"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
HIDDEN = ("/openapi.json", "/docs", "/redoc", "/gradio_api/openapi.json", "/gradio_api/docs")
API = "/gradio_api"
JOIN, DATA, UPLOAD = f"{API}/queue/join", f"{API}/queue/data", f"{API}/upload"
CALL = re.compile(rf"{API}/call/(?:v2/)?[^/]+")  # a join by API name: POST /call/<api>
CALL_STREAM = re.compile(rf"{API}/call/(?:v2/)?[^/]+/([0-9a-f]+)")  # and its stream (GET)
HOST_WAITING = 64  # questions waiting from one client address
GRACE = 10.0  # seconds a waiting question may go without a listener before it is dropped
MAX_JOIN_BYTES = 1 << 20
CSP = b"content-security-policy"
NONE = "'none'"
COOKIE = "assistant_admin"
ADMIN_HOURS = 12
INLINE_SCRIPT = re.compile(rb"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


class AdminTokens:
    """Tokens of the browsers logged in to the 管理 tab, each valid :data:`ADMIN_HOURS`."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}

    def issue(self) -> str:
        """A new token (put in the browser's cookie by the login)."""
        now = time.monotonic()
        self._expiry = {t: e for t, e in self._expiry.items() if e > now}
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + ADMIN_HOURS * 3600
        return token

    def valid(self, token: str) -> bool:
        """Whether ``token`` was issued and has not expired."""
        return self._expiry.get(token, 0.0) > time.monotonic()


ADMINS = AdminTokens()
# Run in the page after a login: the token returned becomes a same-site cookie.
SET_COOKIE_JS = (
    f"(token) => {{ if (token) document.cookie = '{COOKIE}=' + token + "
    f"'; path=/; max-age={ADMIN_HOURS * 3600}; SameSite=Strict'; }}"
)


def allowed_hosts(settings: Settings, bind: str) -> frozenset[str] | None:
    """The host names accepted (``None``: any, for ``ASSISTANT_ALLOWED_HOSTS=*``)."""
    named = [h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()]
    if "*" in named:
        return None
    if not named:
        named = [*LOCAL_HOSTS, bind.lower()]
    return frozenset(h.strip("[]") for h in named)


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:7860`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def app_url(settings: Settings, request: Any) -> str:
    """The app's address for links, ending in ``/``: ``ASSISTANT_PUBLIC_URL`` when set,
    else the request's (its Host already checked by :class:`Guard`)."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/"
    return str(request.base_url) if request is not None else ""


def policy(settings: Settings, scripts: Sequence[bytes] = ()) -> str:
    """The Content-Security-Policy: this origin only; inline scripts by their hashes.

    Measured on the Gradio page in Chromium: it needs inline styles (its components set
    them), ``data:``/``blob:`` images and media, and ``'unsafe-eval'`` for the page's
    own ``js`` (Gradio runs it with ``new Function``)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'" for s in scripts
    )
    ancestors = settings.frame_ancestors.strip() or NONE
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'unsafe-eval' {hashes}".strip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


class FairQueue:
    """Per-client limits and turn-taking over Gradio's queue (``blocks._queue``).

    Gradio keeps one FIFO list of waiting events per concurrency group; this refuses a
    join past the limits and reorders each list after a join so that the clients'
    addresses take turns (a client's n-th waiting question comes after every other
    client's (n-1)-th), and drops waiting questions nobody listens for.
    """

    def __init__(self, blocks: Any, per_session: int, per_host: int = HOST_WAITING) -> None:
        self.blocks = blocks
        self.per_session = per_session
        self.per_host = per_host
        self.listening: dict[str, int] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def _waiting(self) -> list[Any]:
        queue = getattr(self.blocks, "_queue", None)
        if queue is None:
            return []
        return [e for q in queue.event_queue_per_concurrency_id.values() for e in q.queue]

    def refusal(self, session: str, host: str) -> str:
        """:data:`BUSY` when a client with this session and address may not join now."""
        waiting = self._waiting()
        if sum(e.session_hash == session for e in waiting) >= self.per_session:
            return BUSY
        if sum(_host(e) == host for e in waiting) >= self.per_host:
            return BUSY
        return ""

    def take_turns(self) -> None:
        """Order each waiting list by (the question's place among its address's, arrival)."""
        queue = getattr(self.blocks, "_queue", None)
        if queue is None:
            return
        for group in queue.event_queue_per_concurrency_id.values():
            seen: dict[str, int] = {}
            ranked = []
            for event in group.queue:
                host = _host(event)
                seen[host] = seen.get(host, -1) + 1
                ranked.append((seen[host], event.enqueue_time, event))
            group.queue[:] = [event for *_, event in sorted(ranked, key=lambda r: r[:2])]

    async def sweep(self) -> None:
        """Drop the waiting questions whose client has not listened for :data:`GRACE` s."""
        queue = getattr(self.blocks, "_queue", None)
        if queue is None:
            return
        now = time.monotonic()
        gone = {
            e.session_hash
            for e in self._waiting()
            if now - e.enqueue_time > GRACE and not self.listening.get(e.session_hash)
        }
        for session in gone:
            await queue.clean_events(session_hash=session)

    def start_sweeping(self) -> None:
        """Sweep every few seconds from now on (once)."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(GRACE / 4)
            await self.sweep()

    def stream_session(self, path: str, query: bytes) -> str:
        """The session a ``queue/data`` or ``call`` stream listens for, else ``""``."""
        if path == DATA:
            return (parse_qs(query.decode("latin-1")).get("session_hash") or [""])[0]
        if match := CALL_STREAM.fullmatch(path):
            queue = getattr(self.blocks, "_queue", None)
            event = queue.event_ids_to_events.get(match.group(1)) if queue else None
            return event.session_hash if event is not None else match.group(1)
        return ""


def _host(event: Any) -> str:
    client = getattr(event.request, "client", None)
    return client.host if client else ""


class Guard:
    """ASGI middleware: the checks and headers of the module docstring around ``app``."""

    def __init__(self, app: Any, settings: Settings, blocks: Any, bind: str) -> None:
        self.app = app
        self.settings = settings
        self.hosts = allowed_hosts(settings, bind)
        self.queue = FairQueue(blocks, settings.max_waiting)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        host = headers.get(b"host", b"").decode("latin-1")
        if self.hosts is not None and host_name(host) not in self.hosts:
            await self._refuse(send, 400, FOREIGN_HOST, scope)
            return
        path, method = scope.get("path", ""), scope.get("method", "")
        if path in HIDDEN:
            await self._refuse(send, 404, "Not Found", scope)
            return
        if method == "POST" and path == UPLOAD and not self._admin(headers):
            await self._refuse(send, 403, UPLOAD_REFUSED, scope)
            return
        if method == "POST" and (path == JOIN or CALL.fullmatch(path)):
            await self._join(scope, receive, self._with_headers(scope, send))
            return
        if session := self.queue.stream_session(path, scope.get("query_string", b"")):
            self.queue.listening[session] = self.queue.listening.get(session, 0) + 1
            try:
                await self.app(scope, receive, self._with_headers(scope, send))
            finally:
                self.queue.listening[session] -= 1
                if not self.queue.listening[session]:
                    del self.queue.listening[session]
            return
        await self.app(scope, receive, self._with_headers(scope, send))

    def _admin(self, headers: dict[bytes, bytes]) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie is no login
            return False
        token = cookie.get(COOKIE)
        return token is not None and ADMINS.valid(token.value)

    async def _join(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A queue join: refused at once past the limits, else passed on (its body
        replayed), then the waiting questions reordered to take turns."""
        body, more = bytearray(), True
        while more:
            message = await receive()
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > MAX_JOIN_BYTES:
                await self._refuse(send, 413, "请求过大。", scope, wrapped=True)
                return
        try:
            session = json.loads(body).get("session_hash") or ""
        except (ValueError, AttributeError):
            session = ""
        client = scope.get("client") or ("", 0)
        if refusal := self.queue.refusal(str(session), client[0]):
            await self._refuse(send, 429, refusal, scope, wrapped=True)
            return
        self.queue.start_sweeping()
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)
        self.queue.take_turns()

    async def _refuse(
        self, send: Any, status: int, detail: str, scope: dict[str, Any], wrapped: bool = False
    ) -> None:
        """A JSON ``{"detail": …}`` response (what Gradio's page shows for a failed join)."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        data = json.dumps({"detail": detail}, ensure_ascii=False).encode()
        out = send if wrapped else self._with_headers(scope, send)
        await out(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await out({"type": "http.response.body", "body": data})

    def _with_headers(self, scope: dict[str, Any], send: Any) -> Any:
        """``send`` adding the security headers; an HTML page's inline scripts are hashed
        into its policy (so its body is held until complete)."""
        start: dict[str, Any] = {}
        body = bytearray()

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-type" in names and _is_html(headers):
                    start.update(message)
                    return
                await send({**message, "headers": self._secured(headers, names)})
                return
            if not start or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            page = bytes(body)
            scripts = [m.group(1) for m in INLINE_SCRIPT.finditer(page) if m.group(1).strip()]
            headers = list(start.get("headers", []))
            names = {k.lower() for k, _ in headers}
            await send({**start, "headers": self._secured(headers, names, scripts)})
            await send({"type": "http.response.body", "body": page})

        return sending

    def _secured(
        self, headers: list[tuple[bytes, bytes]], names: set[bytes], scripts: Sequence[bytes] = ()
    ) -> list[tuple[bytes, bytes]]:
        added = {
            b"x-content-type-options": b"nosniff",
            b"referrer-policy": b"same-origin",
            CSP: policy(self.settings, scripts).encode(),
        }
        if not self.settings.frame_ancestors.strip():
            added[b"x-frame-options"] = b"DENY"
        ancestors = f"; frame-ancestors {self.settings.frame_ancestors.strip() or NONE}".encode()
        # A response's own policy (an original file's sandbox) gets the frame-ancestors too.
        kept = [
            (k, v + ancestors if k.lower() == CSP and b"frame-ancestors" not in v else v)
            for k, v in headers
        ]
        return kept + [(k, v) for k, v in added.items() if k not in names]


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
