"""A small headless-Chromium driver for the report tests, on the DevTools protocol over a pipe.

No Python package is needed beyond the standard library: Chromium is started with
``--remote-debugging-pipe`` and speaks JSON messages separated by NUL bytes on file descriptors 3
(commands in) and 4 (responses and events out). The tests use it to open a report from disk,
record every network request, console message, exception, JavaScript dialog and CSP violation,
evaluate expressions in the page and take screenshots.

``find_chromium()`` returns the browser or ``None``; tests skip when it is ``None`` (and fail
under CI, where ``scripts/system-deps.sh`` installs it).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _log() -> Any:
    """Chromium's own messages: to $SWARMSCOPE_CHROMIUM_LOG when set (debugging), else away."""
    path = os.environ.get("SWARMSCOPE_CHROMIUM_LOG")
    return open(path, "ab") if path else subprocess.DEVNULL


class CDPError(RuntimeError):
    pass


def _high(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Browser:
    """One Chromium process; :meth:`open` gives a :class:`Page`."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="swarmscope-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Move the child's ends above 4, so that putting them on 3 and 4 cannot clobber them.
        to_chrome_r, from_chrome_w = (_high(to_chrome_r), _high(from_chrome_w))
        # bash puts the pipe ends on fds 3 and 4, where Chromium expects them (dash cannot
        # redirect from descriptors above 9).
        script = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        self.proc = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", script, executable, *FLAGS, f"--user-data-dir={self._profile}",
             "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=_log())
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.pages: dict[str, Page] = {}

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._replies[-1] = {"closed": True}
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._cond:
                        self._replies[msg["id"]] = msg
                        self._cond.notify_all()
                else:
                    page = self.pages.get(msg.get("sessionId", ""))
                    if page is not None:
                        page._event(msg)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        with self._cond:
            self._next_id += 1
            mid = self._next_id
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while mid not in self._replies:
                if -1 in self._replies:
                    raise CDPError("Chromium exited")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no reply to {method} within {self.timeout} s")
                self._cond.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        self.pages[page.session] = page
        page.setup(width, height)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Installed before any page script: counts every way a payload could announce itself.
TRAPS = """
(() => {
  window.__hits = [];
  const hit = (what) => window.__hits.push(String(what));
  window.alert = (m) => hit('alert:' + m);
  window.confirm = (m) => { hit('confirm:' + m); return false; };
  window.prompt = (m) => { hit('prompt:' + m); return null; };
  Object.defineProperty(window, 'pwned', { set(v) { hit('pwned:' + v); }, get() { return undefined; } });
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp = (window.__csp || []);
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
  });
})();
"""


class Page:
    """A tab: records requests, console output, exceptions, dialogs and CSP violations."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.exceptions: list[str] = []
        self.log: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        self._loaded = threading.Event()

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def setup(self, width: int, height: int) -> None:
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": TRAPS})
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _event(self, msg: dict[str, Any]) -> None:
        method, p = msg["method"], msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            self.console.append((p["type"], text))
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif method == "Log.entryAdded":
            e = p["entry"]
            self.log.append((e["level"], f"{e.get('source')}: {e.get('text')} {e.get('url', '')}"))
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(p.get("message", ""))
            threading.Thread(target=self.send, args=("Page.handleJavaScriptDialog",
                                                      {"accept": False}), daemon=True).start()
        elif method == "Page.loadEventFired":
            self._loaded.set()

    def goto(self, url: str, timeout: float = 30.0) -> None:
        self._loaded.clear()
        res = self.send("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise CDPError(f"navigation to {url} failed: {res['errorText']}")
        if not self._loaded.wait(timeout):
            raise CDPError(f"{url} did not finish loading within {timeout} s")

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": await_promise})
        if "exceptionDetails" in res:
            raise CDPError(f"{expression!r} raised: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CDPError(f"{expression!r} still false after {timeout} s")
            time.sleep(0.1)

    def click(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 16000), "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (CSP violations included)."""
        out = [f"console.{t}: {m}" for t, m in self.console if t in ("error", "assert")]
        out += [f"exception: {e}" for e in self.exceptions]
        out += [f"log {lvl}: {m}" for lvl, m in self.log if lvl == "error"]
        return out
