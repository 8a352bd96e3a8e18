"""The notebook renderer: in-place updates, throttled; checked by counting published bundles."""

import time

from workbench.notebook import display as display_module
from workbench.notebook.display import MAX_UPDATES_PER_SECOND, NotebookRenderer


class Published(list):
    def __call__(self, bundle, *, display_id=None, update=False):
        self.append((bundle, display_id, update))


def test_text_updates_are_throttled_whatever_the_token_rate(monkeypatch):
    published = Published()
    monkeypatch.setattr(display_module, "publish", published)
    renderer = NotebookRenderer()
    snapshot = ""
    started = time.monotonic()
    while time.monotonic() - started < 0.5:  # a very fast token stream: thousands of deltas
        snapshot += "tok "
        renderer.text("tok ", snapshot)
    renderer.end_text()
    elapsed = time.monotonic() - started
    deltas = len(snapshot) // 4
    assert deltas > 2000
    assert renderer.updates <= MAX_UPDATES_PER_SECOND * elapsed + 2
    text_outputs = [p for p in published if "text/markdown" in p[0]]
    assert len({p[1] for p in text_outputs}) == 1  # one output, updated in place
    assert text_outputs[0][2] is False and all(p[2] for p in text_outputs[1:])
    assert text_outputs[-1][0]["text/markdown"] == snapshot  # the final text is complete


def test_tool_activity_and_footer_have_text_fallbacks(monkeypatch):
    published = Published()
    monkeypatch.setattr(display_module, "publish", published)

    class Result:
        is_error = True
        text = "DDL syntax error at line 3, column 7"

    class Turn:
        def footer(self):
            return "in 1 · out 2"

    renderer = NotebookRenderer()
    renderer.tool_pending("propose_schema")
    renderer.tool_start("propose_schema", {})
    renderer.tool_end("propose_schema", Result(), 0.2)
    renderer.end_turn(Turn())
    plain = [p[0]["text/plain"] for p in published]
    assert plain[0] == "⚙ propose_schema: preparing the call…"
    assert plain[2].startswith("✗ propose_schema failed (0.20 s): DDL syntax error at line 3, column 7")
    assert published[2][2] is True and published[2][1] == published[0][1]  # the status line is updated in place
    assert plain[-1] == "— in 1 · out 2"
    assert all("<div" in p[0]["text/html"] for p in published)


def test_html_in_tool_messages_is_escaped(monkeypatch):
    published = Published()
    monkeypatch.setattr(display_module, "publish", published)
    NotebookRenderer().notice("<img src=x onerror=alert(1)>")
    assert "<img" not in published[0][0]["text/html"] and "&lt;img" in published[0][0]["text/html"]
