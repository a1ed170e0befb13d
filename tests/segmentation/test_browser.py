"""report.html in a real browser: headless Chromium renders the persona cards.

CI installs Debian's ``chromium`` (see ``.ci/run``); elsewhere the test skips.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from segmentation import make_customers, segment
from segmentation.plots import segment_colors
from segmentation.report import HTML_REPORT, write_outputs

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (CI installs it: apt-get install chromium)",
)
WIDTH, HEIGHT = 1200, 2000


def _chromium(profile, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    result = segment(make_customers(120, random_state=4), k="auto", k_range=(2, 6))
    write_outputs(result, out)
    return result, out / HTML_REPORT


def test_rendered_dom_has_the_persona_cards(report, tmp_path):
    result, page = report
    done = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count('class="card persona"') == result.k
    for p in result.personas:
        assert p.name in dom


def test_screenshot_is_not_blank_and_shows_the_cards(report, tmp_path):
    result, page = report
    shot = tmp_path / "shot.png"
    done = _chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={WIDTH},{HEIGHT}",
        page.as_uri(),
    )
    assert shot.is_file(), done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    # Not blank: text and pictures make the page far from one flat colour.
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500
    # The cards' top borders are painted in the segment colours near the top
    # of the page (the cards come first): each colour covers a card's width.
    top = pixels[: HEIGHT // 2]
    for color in segment_colors(result.k):
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        match = np.all(np.abs(top - rgb) <= 3, axis=2)
        rows = match.sum(axis=1)
        assert rows.max() > 200, f"no card border in {color}"
