"""Shared fixtures: an isolated workbench home per test, the loopback fake API, real kernels,
and service checks that skip on a laptop but fail in CI (WORKBENCH_CI=1)."""

from __future__ import annotations

import os
import queue
import shutil
import time
from pathlib import Path

import pytest

from workbench.testing import FakeAnthropic

CI = os.environ.get("WORKBENCH_CI") == "1"
KEY = "sk-ant-test-0123456789abcdef"
# the shared folder beside the project: public sample schemas (corpus/) and the user's agent (seeds/), read
# where they are, never copied into the project; absent → those tests skip
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WORKBENCH_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
CORPUS = SHARED / "corpus"
PROJECT = Path(__file__).resolve().parents[1]
_ENV_TO_CLEAR = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_USE_BEDROCK",
                 "CLAUDE_CODE_USE_VERTEX", "WORKBENCH_MODEL", "WORKBENCH_AGENTS_PATH", "WORKBENCH_MAX_STEPS",
                 "WORKBENCH_BUDGET", "ANTHROPIC_PROFILE", "ANTHROPIC_CONFIG_DIR")


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, except in CI, where it must be there."""
    if not condition:
        if CI:
            pytest.fail(f"{reason} — in CI (WORKBENCH_CI=1) this test must run, not skip")
        pytest.skip(reason)


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"schema corpus not found at {CORPUS} (tests read ../shared/corpus when present)")
    return path


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own working directory and workbench home, and no real credentials."""
    for var in _ENV_TO_CLEAR:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / ".anthropic-config"))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / ".workbench"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fake():
    with FakeAnthropic(api_key=KEY) as server:
        yield server


@pytest.fixture
def api_env(fake, monkeypatch):
    """The environment a user has: a key and (here) the base URL of the fake."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("WORKBENCH_MAX_RETRIES", "2")
    return fake


# -- real kernels -----------------------------------------------------------------------------
class Kernel:
    """A real IPython kernel (jupyter_client) that runs code and returns its iopub outputs."""

    def __init__(self, cwd: Path) -> None:
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env=dict(os.environ))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, *, timeout: float = 120, interrupt_after_output: bool = False,
            interrupt_on: str | None = None, interrupt_delay: float = 0.3) -> dict:
        """Execute `code`; returns {'outputs': [...], 'status': 'ok'|'error', 'error': content|None}."""
        msg_id = self.kc.execute(code)
        outputs: list[dict] = []
        interrupted = False
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"kernel did not finish within {timeout} s: {code[:80]!r}")
            try:
                msg = self.kc.get_iopub_msg(timeout=remaining)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind in ("stream", "display_data", "update_display_data", "execute_result", "error"):
                outputs.append({"type": kind, **content})
                if interrupt_after_output and not interrupted and kind in ("display_data", "update_display_data") \
                        and "text/markdown" in content.get("data", {}):
                    interrupted = True
                    self.km.interrupt_kernel()
                if interrupt_on and not interrupted and interrupt_on in content.get("data", {}).get("text/plain", ""):
                    interrupted = True
                    time.sleep(interrupt_delay)
                    self.km.interrupt_kernel()
            elif kind == "status" and content["execution_state"] == "idle":
                break
        reply = self.reply_to(msg_id)
        error = next((o for o in outputs if o["type"] == "error"), None)
        return {"outputs": outputs, "status": reply["content"]["status"], "error": error, "reply": reply["content"]}

    def reply_to(self, msg_id: str, timeout: float = 120) -> dict:
        """The shell reply to the request `msg_id` (replies to other requests, e.g. a kernel_info sent while the
        kernel was starting, are skipped: on a loaded machine they can arrive first)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no shell reply to {msg_id} within {timeout} s")
            try:
                reply = self.kc.get_shell_msg(timeout=remaining)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def texts(result: dict, mime: str = "text/plain") -> str:
    """All text of a kernel result's outputs (final state of updated displays included)."""
    parts = []
    previous = None
    for out in result["outputs"]:
        if out["type"] == "stream":
            # one print can arrive in several stream messages (the kernel flushes on a timer): join them as written
            if previous is not None and previous["type"] == "stream" and previous["name"] == out["name"]:
                parts[-1] += out["text"]
            else:
                parts.append(out["text"])
        elif out["type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
        elif "data" in out:
            parts.append(out["data"].get(mime, out["data"].get("text/plain", "")))
        previous = out
    return "\n".join(parts)


@pytest.fixture
def kernel(isolated):
    k = Kernel(isolated)
    yield k
    k.stop()


@pytest.fixture
def start_kernel(isolated):
    """Start kernels on demand (for restart tests); all are stopped at the end."""
    started: list[Kernel] = []

    def start() -> Kernel:
        k = Kernel(isolated)
        started.append(k)
        return k

    yield start
    for k in started:
        k.stop()


def has_chromium() -> bool:
    return shutil.which("chromium") is not None or Path("/usr/bin/chromium").exists()


# -- real database servers ----------------------------------------------------------------------
def _pg_admin_url() -> str:
    from workbench.config import settings

    url = settings().pg_url
    return url.rsplit("/", 1)[0] + "/postgres"


def _server_up(kind: str) -> bool:
    try:
        if kind == "postgres":
            import psycopg

            psycopg.connect(_pg_admin_url(), connect_timeout=3).close()
        else:
            import pymysql

            pymysql.connect(**_mysql_args(), connect_timeout=3).close()
        return True
    except Exception:
        return False


def _mysql_args() -> dict:
    from urllib.parse import urlparse

    from workbench.config import settings

    u = urlparse(settings().mysql_url.replace("mysql+pymysql", "mysql"))
    return {"host": u.hostname or "127.0.0.1", "port": u.port or 3306, "user": u.username or "root",
            "password": u.password or ""}


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for the test (dropped afterwards); its URL."""
    import uuid

    need(_server_up("postgres"), "PostgreSQL is not reachable at WORKBENCH_PG_URL")
    import psycopg

    name = "wbt_" + uuid.uuid4().hex[:10]
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield _pg_admin_url().rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def mysql_url():
    """A fresh MariaDB/MySQL database for the test (dropped afterwards); its URL."""
    import uuid

    need(_server_up("mysql"), "MariaDB/MySQL is not reachable at WORKBENCH_MYSQL_URL")
    import pymysql

    args = _mysql_args()
    name = "wbt_" + uuid.uuid4().hex[:10]
    conn = pymysql.connect(**args, autocommit=True)
    conn.cursor().execute(f"CREATE DATABASE {name}")
    conn.close()
    auth = args["user"] + (f":{args['password']}" if args["password"] else "")
    yield f"mysql+pymysql://{auth}@{args['host']}:{args['port']}/{name}"
    conn = pymysql.connect(**args, autocommit=True)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    conn.close()


def run_script(url: str, text: str, dialect: str) -> None:
    """Run a SQL script on the database at `url` with the workbench's script runner."""
    from sqlalchemy import create_engine

    from workbench.config import sqlalchemy_url
    from workbench.schema.statements import execute_script

    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            execute_script(raw, text, dialect)
            if dialect != "postgres":
                raw.commit()
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


# -- a real browser ------------------------------------------------------------------------------
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    need(has_chromium(), "Chromium is not installed (/usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright for Python is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


MERMAID_JS = ROOT / ".cache" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


@pytest.fixture(scope="session")
def mermaid_page(browser):
    """A blank page with Mermaid loaded (the version scripts/setup.sh installs): page.evaluate to render text."""
    need(MERMAID_JS.exists(), f"Mermaid is not installed at {MERMAID_JS} (scripts/setup.sh --browser installs it)")
    page = browser.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(MERMAID_JS))
    page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict', maxTextSize: 200000})")
    yield page
    page.close()


@pytest.fixture
def serve_folder():
    """Serve a folder over HTTP on 127.0.0.1; returns a function folder → (base URL, list of paths requested)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def serve(folder):
        log: list[str] = []

        class Recording(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                log.append(self.path)

        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Recording, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", log

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


ARTIFACTS = PROJECT / "test-artifacts"


def screenshot(page, *, full_page: bool = True, element: str | None = None) -> bytes:
    """A PNG of the page (or of one element) through the DevTools protocol (Playwright's own
    screenshot() waits forever with Debian's Chromium 156 here, while Page.captureScreenshot answers at once)."""
    import base64

    cdp = page.context.new_cdp_session(page)
    try:
        params: dict = {"format": "png"}
        if element:  # scrolled into view (inside any scrolling container), then clipped to its box
            page.locator(element).first.scroll_into_view_if_needed()
            box = page.locator(element).first.bounding_box()
            params["clip"] = {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"], "scale": 1}
        elif full_page:
            size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params.update({"captureBeyondViewport": True,
                           "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}})
        return base64.b64decode(cdp.send("Page.captureScreenshot", params)["data"])
    finally:
        cdp.detach()
