"""report.html: written by train and `aekit report`, self-contained, and rendered by a real
headless Chromium (phone and laptop widths) with no failed request and every image decoded."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import aekit
from aekit.cli.main import main
from aekit.report import plots


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A small stacked AE on 1,000 MNIST digits: loss curves, reconstructions, features."""
    out = tmp_path_factory.mktemp("report") / "run"
    aekit.fit_run(aekit.ModelConfig(arch="stacked", hidden=(64, 16)),
                  aekit.TrainConfig(epochs=3, batch_size=100),
                  aekit.DataConfig(source="mnist", data_dir=str(data_dir), limit=1000), out)
    return out


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r"src='data:image/png;base64,([^']+)'",
                                                    page)]


def test_train_writes_self_contained_report(run_dir: Path) -> None:
    page = (run_dir / "report.html").read_text()
    figures = sorted(p.name for p in (run_dir / "figures").glob("*.png"))
    assert figures == ["features.png", "loss.png", "reconstructions.png", "unit_0_top.png"]
    images = _images(page)
    assert len(images) == len(figures)
    assert sorted(images) == sorted((run_dir / "figures" / f).read_bytes() for f in figures)
    assert not re.search(r"(src|href)=['\"](?!data:)", page)  # nothing to fetch, no links
    assert not any(tag in page for tag in ("<script", "<link", "@import", "url("))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    final = json.loads((run_dir / "metrics.json").read_text())["final"]
    assert f"<th>mse</th><td>{final['mse']:.5g}</td>" in page
    assert f"<th>pca_mse</th><td>{final['pca_mse']:.5g}</td>" in page
    assert "<th>hidden</th><td>[64, 16]</td>" in page  # the configuration
    assert page.count("<tr><td class='num'>") == 3  # one history row per epoch


def test_report_command_picks_up_new_figures(run_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    copy = shutil.copytree(run_dir, tmp_path / "run")
    plots.loss_curves([{"epoch": 1, "train_loss": 2.0, "val_loss": None}],
                      copy / "figures" / "anomaly_scores.png")
    (copy / "figures" / "broken.png").write_bytes(b"not a png")
    assert main(["report", str(copy)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {copy / 'report.html'}"
    page = (copy / "report.html").read_text()
    assert len(_images(page)) == 5  # the new figure, not the broken file
    assert "Anomaly scores (figures/anomaly_scores.png)" in page
    assert "broken" not in page


def test_report_of_a_folder_that_is_no_run_names_it(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert f"{tmp_path}: not a run directory (no config.json)" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


# --- a real browser ------------------------------------------------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0")
PAGE_STATE = """JSON.stringify({
  images: Array.from(document.images, i => [i.complete, i.naturalWidth, i.naturalHeight,
                                            i.getBoundingClientRect().width]),
  viewport: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  headings: Array.from(document.querySelectorAll('h2'), h => h.textContent),
})"""


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


class DevTools:
    """Just enough of the Chrome DevTools Protocol, over a websocket on 127.0.0.1: commands to
    one page (a flattened session) and the events received while waiting for their replies."""

    def __init__(self, socket: Any):
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._id = 0
        self.session: str | None = None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=deadline - time.monotonic())))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium not found on PATH (CI installs Debian's chromium package)")
    from websockets.sync.client import connect

    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "about:blank"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    port_file = profile / "DevToolsActivePort"  # port, then the browser's websocket path
    deadline = time.monotonic() + 60
    while not (port_file.exists() and len(port_file.read_text().split()) == 2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"chromium did not start (exit code {process.poll()})")
        time.sleep(0.1)
    port, path = port_file.read_text().split()
    try:
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as socket:
            yield DevTools(socket)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize(("width", "height", "mobile"), [(390, 844, True), (1280, 900, False)])
def test_report_renders_in_headless_chromium(browser: Any, run_dir: Path, tmp_path: Path,
                                             width: int, height: int, mobile: bool) -> None:
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    browser.session = browser.send("Target.attachToTarget", targetId=target,
                                   flatten=True)["sessionId"]
    browser.events.clear()
    browser.send("Network.enable")
    browser.send("Page.enable")
    browser.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                 deviceScaleFactor=1, mobile=mobile)
    browser.send("Page.navigate", url=(run_dir / "report.html").as_uri())
    browser.wait_for("Page.loadEventFired")
    state = json.loads(browser.send("Runtime.evaluate", expression=PAGE_STATE,
                                    returnByValue=True)["result"]["value"])
    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png",
                                         captureBeyondViewport=True)["data"])
    (tmp_path / f"screenshot-{width}.png").write_bytes(shot)  # kept to look at
    browser.send("Target.closeTarget", targetId=target)
    browser.session = None

    requested = [e["params"]["request"]["url"] for e in browser.events
                 if e.get("method") == "Network.requestWillBeSent"]
    failed = [e["params"] for e in browser.events if e.get("method") == "Network.loadingFailed"]
    assert failed == []
    assert requested and all(u.startswith(("file:", "data:")) for u in requested), requested
    assert len(state["images"]) == 4
    for complete, natural_width, natural_height, shown_width in state["images"]:
        assert complete and natural_width > 0 and natural_height > 0
        assert 0 < shown_width <= width
    assert state["viewport"] == width
    assert state["scrollWidth"] <= width  # nothing sticks out sideways, even on a phone
    assert state["headings"] == ["Final metrics", "Figures", "Configuration", "History"]
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
