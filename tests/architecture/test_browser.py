"""The architecture SVG in a real Chromium, served from a folder with nothing else in it."""

import io

import pytest

from workbench.architecture import Architecture

from .test_drawing import spec

pytestmark = pytest.mark.browser
KINDS = ["users", "cdn", "load-balancer", "api-gateway", "service", "worker", "postgres", "redis", "kafka",
         "object-storage", "prometheus", "grafana", "jaeger", "vault", "elasticsearch"]


def test_every_icon_is_visible_and_nothing_is_requested(browser, serve_folder, tmp_path):
    from PIL import Image

    from ..conftest import ARTIFACTS, screenshot

    folder = tmp_path / "shared-folder"
    folder.mkdir()
    svg = Architecture.from_dict(spec(30, KINDS)).render()
    (folder / "architecture.svg").write_text(svg, encoding="utf-8")
    base, served = serve_folder(folder)
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    requests, failures, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/architecture.svg")
    page.wait_for_load_state("networkidle")
    network = [u for u in requests if not u.startswith("data:")]
    assert network == [f"{base}/architecture.svg"] and failures == []
    # the server saw the page and the browser's own favicon probe, nothing the SVG asked for
    assert set(served) <= {"/architecture.svg", "/favicon.ico"} and "/architecture.svg" in served
    assert [e for e in errors if "404" not in e] == [] and len(errors) <= served.count("/favicon.ico")
    decoded = page.evaluate("""async () => {
        const images = [...document.querySelectorAll('symbol image')];
        const sizes = await Promise.all(images.map(img => new Promise(resolve => {
            const probe = new Image();
            probe.onload = () => resolve(probe.naturalWidth);
            probe.onerror = () => resolve(0);
            probe.src = img.getAttribute('xlink:href');
        })));
        return sizes;
    }""")
    assert len(decoded) == len(KINDS) and all(width > 0 for width in decoded)
    boxes = page.evaluate("""() => [...document.querySelectorAll('use')].map(u => {
        const r = u.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })""")
    assert len(boxes) == 30
    shot = screenshot(page)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "architecture-30-nodes.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    for x, y, w, h in boxes:  # each icon's box has drawn, non-white pixels
        crop = image.crop((int(x), int(y), int(x + w), int(y + h))).tobytes()
        painted = sum(1 for i in range(0, len(crop), 3) if crop[i] + crop[i + 1] + crop[i + 2] < 700)
        assert painted > 0.02 * (len(crop) / 3), (x, y)
    page.close()
