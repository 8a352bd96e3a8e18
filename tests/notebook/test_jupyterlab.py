"""The tour in JupyterLab, driven by a real Chromium: run all cells, see the diagrams and the design
explorer, save, reload, and find the explorer where it was left."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from workbench.notebook.jupyterlab import command

from ..conftest import ARTIFACTS, PROJECT, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.kernel]
TOKEN = "workbench-test-token"


@pytest.fixture
def jupyterlab(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(PROJECT / "notebooks" / "00-tour.ipynb", root / "00-tour.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(WORKBENCH_HOME=str(root / ".workbench"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"))
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(command(root, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                                      f"--IdentityProvider.token={TOKEN}"), env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "jupyterlab.log").read_text()
                time.sleep(0.3)
        yield base, root
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def prompts(page):
    return page.evaluate("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                         ".map(p => p.textContent.trim())")


def explorer_tab(page):
    return page.evaluate("() => document.querySelector('.workbench-explorer .lm-TabBar-tab.lm-mod-current')"
                         "?.textContent.trim()")


def open_and_run(browser, base, notebook, errors):
    """Open a notebook in JupyterLab and run all its cells; returns the page once every cell ran."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/lab/tree/{notebook}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    run_all(page)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = prompts(page)
        if state and all(p not in ("[ ]:", "[*]:") for p in state):
            break
        page.wait_for_timeout(500)
    return page


def run_all(page):
    for _ in range(5):  # the menu item does nothing until the kernel session is wired up: try again
        dialog = page.query_selector(".jp-Dialog .jp-mod-accept")
        if dialog is not None:  # on a slow machine JupyterLab may ask which kernel to start: the default one
            dialog.click()
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        try:
            page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                                   ".some(p => p.textContent.trim() !== '[ ]:')", timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - nothing started yet
            page.keyboard.press("Escape")


def test_the_tour_runs_in_jupyterlab_and_the_explorer_survives_save_and_reload(browser, jupyterlab):
    base, root = jupyterlab
    errors = []
    page = open_and_run(browser, base, "00-tour.ipynb", errors)
    state = prompts(page)
    assert state == [f"[{i}]:" for i in range(1, len(state) + 1)], state  # every cell ran, in order
    assert page.evaluate("() => document.querySelectorAll("
                         "'[data-mime-type=\"application/vnd.jupyter.stderr\"]').length") == 0
    # the ER diagram (%er: an SVG image) and the architecture (inline SVG with icons) are drawn
    er = page.evaluate("""() => { const cell = [...document.querySelectorAll('.jp-CodeCell')].find(c =>
        c.querySelector('.jp-InputArea-editor').textContent.startsWith('%er main'));
        const img = cell.querySelector('.jp-OutputArea-output img'); img.scrollIntoView();
        const r = img.getBoundingClientRect(); return [img.naturalWidth, r.width, r.height]; }""")
    assert er[0] > 0 and er[1] > 100 and er[2] > 100
    arch = page.evaluate("""() => { const svgs = [...document.querySelectorAll('.jp-OutputArea-output svg')]
        .filter(s => s.querySelector('use')); const s = svgs[0]; s.scrollIntoView();
        const r = s.getBoundingClientRect(); return [svgs.length, s.querySelectorAll('use').length, r.width, r.height]; }""")
    assert arch[0] >= 2 and arch[1] >= 10 and arch[2] > 200 and arch[3] > 100
    # the design explorer: visible, five tabs; pick the schema tab
    page.evaluate("() => document.querySelector('.workbench-explorer').scrollIntoView()")
    box = page.locator(".workbench-explorer").bounding_box()
    assert box and box["width"] > 400 and box["height"] > 100
    tabs = page.locator(".workbench-explorer .lm-TabBar-tab").all_inner_texts()
    assert [t.strip() for t in tabs] == ["Overview", "Schema", "Architecture", "Experiments", "Decisions"]
    page.locator(".workbench-explorer .lm-TabBar-tab", has_text="Schema").click()
    page.wait_for_function("() => document.querySelector('.workbench-explorer .workbench-er svg')"
                           "?.getBoundingClientRect().width > 100")
    assert explorer_tab(page) == "Schema"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "jupyterlab-tour.png").write_bytes(screenshot(page, full_page=False))
    # save: the widget state goes into the notebook; reload: the explorer is back, on the same tab
    page.click(".jp-Notebook")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=30_000)
    saved = json.loads((root / "00-tour.ipynb").read_text())
    state = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(m["model_name"] == "TabModel" and m["state"].get("selected_index") == 1 for m in state.values())
    page.reload()
    page.wait_for_selector(".workbench-explorer .workbench-er svg", timeout=60_000)
    page.wait_for_timeout(1000)  # let the notebook finish laying out before scrolling to the explorer
    page.evaluate("() => document.querySelector('.workbench-explorer').scrollIntoView()")
    page.wait_for_timeout(500)
    assert explorer_tab(page) == "Schema"
    assert page.evaluate("() => document.querySelector('.workbench-explorer .workbench-er svg')"
                         ".getBoundingClientRect().width") > 100
    (ARTIFACTS / "jupyterlab-explorer-reloaded.png").write_bytes(screenshot(page, element=".workbench-explorer"))
    assert errors == []
    page.close()


def test_the_er_explorer_widget_finds_and_focuses_a_table_and_python_sees_it(browser, jupyterlab):
    """%er --explore and the ERExplorer widget in JupyterLab: find a table, see its neighbourhood; the
    kernel reads the focus the person chose."""
    import nbformat

    from workbench.schema import Schema
    from workbench.testing.synthetic import synthetic_ddl

    base, root = jupyterlab
    schema = Schema.from_ddl(synthetic_ddl(300), "postgres")
    referred = {fk.ref_table for t in schema.tables.values() for fk in t.foreign_keys}
    target = next(k for k, t in schema.tables.items() if t.foreign_keys and k in referred)
    cells = ["%load_ext workbench",
             "from workbench.schema import Schema\nfrom workbench.testing.synthetic import synthetic_ddl\n"
             "big = Schema.from_ddl(synthetic_ddl(300), 'postgres')",
             "%er big --explore",
             "from workbench.notebook.er_explorer import ERExplorer\nx = ERExplorer(big.er())\nx",
             "print('FOCUS', x.focus)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "explore.ipynb")
    errors = []
    page = open_and_run(browser, base, "explore.ipynb", errors)
    page.wait_for_function("() => document.querySelectorAll('.wb-explorer.wb-ready').length === 2", timeout=60_000)
    widget = page.locator(".wb-explorer").nth(1)
    widget.scroll_into_view_if_needed()
    widget.locator("input").fill(target)
    widget.locator("input").press("Enter")
    widget.locator(".wb-focus svg").wait_for()
    shown = widget.locator(".wb-focus-table").evaluate_all("gs => gs.map(g => g.dataset.table)")
    assert target in shown and len(shown) > 1
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "jupyterlab-er-explorer.png").write_bytes(widget.screenshot())
    last = page.locator(".jp-CodeCell").nth(4)
    last.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(f"() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => "
                           f"o.textContent.includes('FOCUS {target}'))", timeout=60_000)
    assert errors == []
    page.close()
