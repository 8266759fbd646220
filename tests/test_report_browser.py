"""A real browser opens a generated report: headless Chromium takes a screenshot, and
the screenshot must show a rendered page (not a blank or error page); and, laid out at
1400 px, every column of the filter table is visible without scrolling and the
summary line is at the top.

Needs the Debian ``chromium`` package (``.ci/run`` installs it). Without it the test
is skipped on a workstation, but fails under CI (``CI`` set), so CI cannot pass by
silently skipping it.
"""

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from report_fixtures import make_run
from satori import formats
from satori.report.build import build_report


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def need_chromium() -> str:
    browser = find_chromium()
    if browser is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("CI is set but chromium is not installed (.ci/run installs the Debian chromium package)")
        pytest.skip("chromium not installed (apt-get install chromium); this test runs under CI")
    return browser


def _flags(profile_dir, size):
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile_dir}", f"--window-size={size[0]},{size[1]}"]


def screenshot(browser: str, html_path, png_path, profile_dir, size=(1280, 2000)) -> subprocess.CompletedProcess:
    cmd = [browser] + _flags(profile_dir, size) + [f"--screenshot={png_path}", f"file://{os.path.abspath(html_path)}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


# Measures the laid-out page and writes the numbers into <body data-measure="...">; the
# report itself has no script, so a copy of it gets this one for the test.
MEASURE = """<script>
window.addEventListener("load", function () {
  var wrap = document.querySelector("div.tablewrap.filters");
  var table = wrap ? wrap.querySelector("table") : null;
  var ths = table ? table.querySelectorAll("thead th") : [];
  var last = ths.length ? ths[ths.length - 1].getBoundingClientRect() : null;
  var head = document.getElementById("headline");
  var sec = document.getElementById("filters");
  var rows = sec ? Array.prototype.slice.call(sec.querySelectorAll("tbody tr")) : [];
  var folded = rows.filter(function (r) { return r.closest("details") !== null; });
  var dets = sec ? Array.prototype.slice.call(sec.querySelectorAll("details")) : [];
  var out = {
    viewport: window.innerWidth,
    page_scroll: document.documentElement.scrollWidth,
    wrap_scroll: wrap ? wrap.scrollWidth : -1, wrap_client: wrap ? wrap.clientWidth : -1,
    wrap_height: wrap ? wrap.clientHeight : -1, wrap_scroll_height: wrap ? wrap.scrollHeight : -1,
    table_right: table ? table.getBoundingClientRect().right : -1,
    last_th_right: last ? last.right : -1, n_columns: ths.length,
    headers: Array.prototype.map.call(ths, function (t) { return t.textContent.trim(); }),
    headline: head ? head.textContent.trim() : "",
    headline_top: head ? head.getBoundingClientRect().top : -1,
    visible_rows: rows.length - folded.length, folded_rows: folded.length,
    folded_shown: folded.filter(function (r) {
      return r.checkVisibility ? r.checkVisibility() : r.getClientRects().length > 0; }).length,
    details_open: dets.filter(function (d) { return d.open; }).length,
    summaries: dets.map(function (d) { var s = d.querySelector("summary"); return s ? s.textContent.trim() : ""; }),
    section_height: sec ? sec.getBoundingClientRect().height : -1,
    row_height: rows.length ? rows[0].getBoundingClientRect().height : -1
  };
  document.body.setAttribute("data-measure", JSON.stringify(out));
});
</script>"""


def measure(browser: str, html_path, tmp_path, width: int = 1400) -> dict:
    html = open(html_path, encoding="utf-8").read()
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    cmd = [browser] + _flags(tmp_path / "profile_measure", (width, 3000)) + [
        "--virtual-time-budget=5000", "--dump-dom", f"file://{probe}"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    m = re.search(r'data-measure="([^"]*)"', res.stdout)
    assert m, f"no measurement in the dumped DOM; chromium said: {res.stderr[-2000:]}"
    import html as htmllib
    return json.loads(htmllib.unescape(m.group(1)))


N_FILTERS = 40


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    run = make_run(root / "run", steps=("simulate", "train", "filter_motifs", "interpret_raw", "evaluate"))
    # a second annotation (against the simulation's motifs) adds its TF column to the filter table
    # and, as in a real run, most filters match nothing: 40 filters, 3 matched to JASPAR,
    # 2 more only to the simulation's motifs
    tsv = run / "filter_motifs" / formats.FILTER_MOTIFS_TSV
    fm = pd.read_csv(tsv, sep="\t", keep_default_na=False)
    blank = fm.iloc[[3] * (N_FILTERS - len(fm))].assign(filter=range(len(fm), N_FILTERS), n_sites=2)
    fm = pd.concat([fm, blank], ignore_index=True)
    fm.to_csv(tsv, sep="\t", index=False)
    sim = run / "filter_motifs" / "simulation"
    sim.mkdir(parents=True)
    fm.assign(tf=["GATA1", "TAL1", "SP1", "CTCF", "GATA1"] + [""] * (N_FILTERS - 5)).to_csv(
        sim / formats.FILTER_MOTIFS_TSV, sep="\t", index=False)
    return build_report(run, root / "out", max_seqs=5)


def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = need_chromium()
    from PIL import Image

    png = tmp_path / "shot.png"
    res = screenshot(browser, report / formats.REPORT_HTML, png, tmp_path / "profile")
    assert png.is_file(), f"no screenshot; chromium said: {res.stderr[-2000:]}"

    img = np.asarray(Image.open(png).convert("RGB"), dtype=np.float64)
    assert img.shape[:2] == (2000, 1280)
    gray = img.mean(axis=2)
    assert gray.std() > 20, "the screenshot is (nearly) uniform: blank page"
    colours = np.unique((img // 8).astype(np.int64).reshape(-1, 3) @ np.array([1024, 32, 1]))
    assert colours.size > 50, f"only {colours.size} distinct colours: nothing rendered"
    # the page's dark-blue header band is at the top: the CSS was applied
    r, g, b = img[20, 300]
    assert b > 100 and b > r + 40, f"header colour {img[20, 300]} is not the report's blue"
    # and content below it (tables, text) is not blank either
    assert gray[300:2000].std() > 10


def test_filter_table_fits_at_1400_px_and_summary_line_is_on_top(report, tmp_path):
    browser = need_chromium()
    m = measure(browser, report / formats.REPORT_HTML, tmp_path)
    assert m["viewport"] == 1400
    # every column of the filter table, the last one included, is inside the page without scrolling
    assert m["n_columns"] == 11, m["headers"]
    assert m["headers"][-1] == "TF vs the simulation's motifs" and "strand" in m["headers"] and "E" in m["headers"]
    assert m["wrap_scroll"] <= m["wrap_client"], m
    assert 0 < m["last_th_right"] <= m["viewport"], m
    assert m["table_right"] <= m["viewport"] and m["page_scroll"] <= m["viewport"], m
    # all rows readable: the table is not in a fixed-height scroll box
    assert m["wrap_scroll_height"] <= m["wrap_height"] + 1, m
    # the summary line is present, near the top of the page
    assert m["headline"].startswith("3 significant TF pairs (Attn-Raw, JASPAR); precision 0.5 / recall 1"), m["headline"]
    assert 0 < m["headline_top"] < 300
    # the visible table holds only the 3 matched filters; the 37 others are in closed
    # <details> (2 named only by the simulation's motifs, 35 without a match), not laid out
    assert m["visible_rows"] == 3 and m["folded_rows"] == N_FILTERS - 3, m
    assert m["details_open"] == 0 and m["folded_shown"] == 0, m
    assert m["summaries"] == ["2 filters matched only against the simulation's motifs (show)",
                              "35 filters without a match (show)"], m["summaries"]
    # so the section is a few rows tall, not 40
    assert 0 < m["section_height"] < 3 * m["row_height"] + 700, m
