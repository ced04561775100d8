"""Wrong admin passwords, throttled and audited.

:class:`Throttle` counts wrong passwords in a sliding window: after :attr:`per_session`
from one browser session, or :attr:`overall` from all, within :attr:`window` seconds,
each further attempt must wait, longer after every wrong one (5 s, 10 s, 20 s … up to
5 min); an attempt made during the wait is not checked at all. The right password works
once the wait is over. :class:`AdminGate` puts it in front of the password and writes every
login, throttled attempt and admin action to the log's audit table.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ..records import Recorder
from .admin import check_password

FIRST_WAIT = 5.0
LONGEST_WAIT = 300.0


class Throttle:
    """How long an admin login must wait; ``clock`` is injectable for tests."""

    def __init__(
        self,
        per_session: int = 5,
        overall: int = 20,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_session, self.overall, self.window, self.clock = (
            per_session, overall, window, clock,
        )  # fmt: skip
        self._failures: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def wait(self, session: str) -> float:
        """Seconds before ``session`` may try again (0: now)."""
        with self._lock:
            now = self.clock()
            while self._failures and self._failures[0][0] < now - self.window:
                self._failures.popleft()
            mine = [at for at, who in self._failures if who == session]
            waits = [
                self._until(mine, self.per_session, now),
                self._until([at for at, _ in self._failures], self.overall, now),
            ]
            return max(waits)

    def failed(self, session: str) -> None:
        """Count a wrong password from ``session``."""
        with self._lock:
            self._failures.append((self.clock(), session))

    def succeeded(self, session: str) -> None:
        """Forget ``session``'s wrong passwords."""
        with self._lock:
            self._failures = deque(f for f in self._failures if f[1] != session)

    @staticmethod
    def _until(failures: list[float], allowed: int, now: float) -> float:
        over = len(failures) - allowed
        if over < 0:
            return 0.0
        wait = min(FIRST_WAIT * 2**over, LONGEST_WAIT)
        return max(0.0, failures[-1] + wait - now)


class AdminGate:
    """The admin password behind a :class:`Throttle`, every attempt and action audited."""

    def __init__(self, password: str, recorder: Recorder, throttle: Throttle | None = None):
        self.password = password
        self.recorder = recorder
        self.throttle = throttle or Throttle()

    def log_in(self, entered: str, session: str) -> tuple[bool, str]:
        """Whether ``entered`` logs ``session`` in, and what to tell the user."""
        wait = self.throttle.wait(session)
        if wait > 0:
            detail = f"尝试过多，未核对（需等待 {wait:.0f} 秒）"
            self.recorder.audit("login", False, session, detail)
            return False, f"密码错误次数过多，请 {wait:.0f} 秒后再试。"
        if check_password(entered, self.password):
            self.throttle.succeeded(session)
            self.recorder.audit("login", True, session)
            return True, "已登录。"
        self.throttle.failed(session)
        self.recorder.audit("login", False, session, "密码错误")
        wait = self.throttle.wait(session)
        later = f"请 {wait:.0f} 秒后再试。" if wait > 0 else ""
        return False, "密码不正确。" + later

    def audit(self, action: str, session: str, detail: str = "", ok: bool = True) -> None:
        """Record an admin action (upload, replace, remove, rebuild)."""
        self.recorder.audit(action, ok, session, detail[:2000])
