"""Start the web app in a child process on a free port, and stop it after.

:func:`running` is how the browser tests and the benchmarks run the app as a
user would: a separate ``python -m assistant serve`` (or ``app.py``) process,
waited for until its page is served.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

SERVE = ("-m", "assistant", "serve")


@contextmanager
def running(
    env: Mapping[str, str],
    log: Path | None = None,
    timeout: float = 600,
    command: Sequence[str] = SERVE,
    cwd: Path | None = None,
) -> Iterator[str]:
    """Run the web app on a free 127.0.0.1 port for the duration of the block.

    Args:
        env: Variables added to this process's environment (``ASSISTANT_*``, …).
        log: File for the app's output (default: this process's output).
        timeout: Seconds to wait for the page, which includes a first index build.
        command: What ``python`` runs: ``python -m assistant serve`` by default,
            ``("app.py",)`` with ``cwd`` at a checkout for the README's command.
        cwd: Where it runs (default: here).

    Yields:
        The app's URL, once its page is served.

    Raises:
        RuntimeError: The app exited before serving, or did not serve in time.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        **env,
    }
    url = f"http://127.0.0.1:{port}/"
    output = log.open("wb") if log else None
    app = subprocess.Popen(
        [sys.executable, *command], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
    )
    try:
        _wait_until_served(app, url, timeout, log)
        yield url
    finally:
        app.terminate()
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        if output:
            output.close()


def _wait_until_served(
    app: subprocess.Popen[bytes], url: str, timeout: float, log: Path | None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if app.poll() is not None:
            raise RuntimeError(f"the app exited with {app.returncode}; see {log or 'its output'}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not serve {url} in {timeout:.0f} s") from None
            time.sleep(0.5)
