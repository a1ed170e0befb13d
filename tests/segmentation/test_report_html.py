"""report.html: one self-contained, escaped, parseable page."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image

from segmentation import make_customers, segment
from segmentation.report import HTML_REPORT, write_outputs

HOSTILE = "<script>alert(1)</script>"


class _Collector(HTMLParser):
    """Every tag with its attributes, and the text, of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A run whose column names, values and file name are HTML."""
    data = make_customers(90, random_state=2).rename(
        columns={"Spending Score (1-100)": HOSTILE, "Gender": "<b>sex</b>"}
    )
    data["<b>sex</b>"] = data["<b>sex</b>"].replace("Female", "<i>F&amp;</i>")
    out = tmp_path_factory.mktemp("hostile")
    path = out / "<img src=x onerror=alert(2)>.csv"
    data.to_csv(path, index=False)
    result = segment(path, ["Age", "income", "script"], k="auto", k_range=(2, 5))
    paths = write_outputs(result, out)
    return result, paths


def test_writes_html_and_plots(hostile_report):
    _, paths = hostile_report
    assert HTML_REPORT in paths
    assert any(name.endswith(".png") for name in paths)
    md = paths["report.md"].read_text()
    for name in paths:
        if name.endswith(".png"):
            assert f"]({name})" in md


def test_parses_and_is_self_contained(hostile_report):
    result, paths = hostile_report
    html = paths[HTML_REPORT].read_text(encoding="utf-8")
    page = _parse(html)
    tags = [t for t, _ in page.tags]
    assert tags[0] == "html" and "body" in tags and "main" in tags
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    # No reference leaves the file: no http(s) anywhere, every src is data:.
    assert not re.search(r"https?://", html, flags=re.IGNORECASE)
    for tag, attrs in page.tags:
        assert "href" not in attrs, tag
        if "src" in attrs:
            assert tag == "img" and attrs["src"].startswith("data:image/png;base64,")
    assert "url(" not in html and "@import" not in html
    # The persona cards are there, one per segment, in order.
    cards = [a for t, a in page.tags if "persona" in a.get("class", "")]
    assert [int(a["data-segment"]) for a in cards] == list(range(result.k))
    text = " ".join(page.text)
    for p in result.personas:
        assert p.name in text and p.actions[0] in text


def test_user_text_is_escaped(hostile_report):
    result, paths = hostile_report
    html = paths[HTML_REPORT].read_text(encoding="utf-8")
    assert HOSTILE not in html and "<b>sex</b>" not in html
    assert "<img src=x" not in html and "<i>F" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Escaped, it reads back as the original text.
    text = " ".join(_parse(html).text)
    assert HOSTILE in text and "<b>sex</b>" in text and "<i>F&amp;</i>" in text
    assert result.source.endswith("onerror=alert(2)>.csv")


def test_every_embedded_image_decodes(hostile_report):
    _, paths = hostile_report
    html = paths[HTML_REPORT].read_text(encoding="utf-8")
    srcs = [a["src"] for t, a in _parse(html).tags if t == "img"]
    pngs = [name for name in paths if name.endswith(".png")]
    assert len(srcs) == len(pngs) >= 6
    for src in srcs:
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        image.load()
        assert image.format == "PNG" and min(image.size) > 100


def test_no_plots_writes_no_html(tmp_path):
    result = segment(make_customers(60), k=3)
    paths = write_outputs(result, tmp_path, plots=False)
    assert set(paths) == {
        "segments.csv",
        "profiles.csv",
        "report.md",
        "summary.json",
        "model.json",
    }
    assert not list(tmp_path.glob("*.png")) and not (tmp_path / HTML_REPORT).exists()
    assert "![" not in paths["report.md"].read_text()


def test_given_k_and_data_quality_notes(tmp_path):
    data = make_customers(60)
    data.loc[[3, 7], "Age"] = None
    result = segment(data, k=3, drop_missing=True)
    html = write_outputs(result, tmp_path)[HTML_REPORT].read_text()
    assert "2 rows dropped for missing values" in html
    assert "k = 3 was given" in html


@pytest.mark.parametrize("flag, html", [([], True), (["--no-plots"], False)])
def test_cli_plots_flag(tmp_path, capsys, flag, html):
    from segmentation.cli import main

    assert main(["demo", "--n", "60", "--out", str(tmp_path), *flag]) == 0
    assert (tmp_path / HTML_REPORT).exists() is html
    assert bool(list(tmp_path.glob("*.png"))) is html
