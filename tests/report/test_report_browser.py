"""The report in a real headless browser: loads offline, no console errors, one lane per rank, the straggler named.

The run is the hand-built 4-rank run with rank 2 slow (tests/support/multirank_run.py). A screenshot of the page
goes to ``out/test-artifacts/report.png`` (``ONE_LOGGER_TEST_ARTIFACTS`` to change the directory); docs/report.png
is a copy of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from nv_one_logger.cli.main import main
from tests.support.browser import ARTIFACTS, console_errors, network_requests, start_browser
from tests.support.multirank_run import write_run

pytest.importorskip("plotly", reason="the report extra (nv-one-logger-core[report]) is not installed")

WAIT_S = 180  # a loaded 2-core CI machine parses 5 MB of JavaScript slowly; we wait on a condition, not a clock


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    yield from start_browser()


@pytest.fixture(scope="module")
def loaded_report(browser, tmp_path_factory) -> webdriver.Chrome:
    directory = tmp_path_factory.mktemp("run")
    paths = write_run(directory, ranks=4, straggler=2)
    output = directory / "run.html"
    assert main(["report", *map(str, paths), "-o", str(output)]) == 0
    network_requests(browser)  # drop whatever the browser did before the page
    browser.get(output.as_uri())
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('.plotly-graph-div').length > 0 && "
            "Array.from(document.querySelectorAll('.plotly-graph-div')).every(g => g.querySelector('.main-svg'))"
        )
    )
    browser.page_url = output.as_uri()  # type: ignore[attr-defined]
    return browser


def test_no_console_errors_and_no_network_requests(loaded_report):
    assert console_errors(loaded_report) == []
    requests = network_requests(loaded_report, document_url=loaded_report.page_url)
    assert loaded_report.page_url in requests  # the filter sees the page's own load, so it is not vacuous
    assert [url for url in requests if url != loaded_report.page_url and not url.startswith(("data:", "blob:"))] == []


def test_timeline_has_one_lane_per_rank(loaded_report):
    lanes = loaded_report.execute_script(
        "return Array.from(document.querySelectorAll('#timeline-chart .ytick text')).map(t => t.textContent)"
    )
    assert sorted(lanes) == ["rank 0", "rank 1", "rank 2", "rank 3"]


def test_straggler_is_named(loaded_report):
    verdict = loaded_report.find_element(By.ID, "lagging-verdict").text
    assert verdict == "Lagging ranks: rank 2"
    rows = loaded_report.find_elements(By.CSS_SELECTOR, "#straggler-table tr")
    cells = {row.find_elements(By.TAG_NAME, "td")[0].text: row for row in rows[1:]}
    lagging = cells["training_iteration"].find_elements(By.CSS_SELECTOR, "td.lagging")
    assert [cell.text for cell in lagging] == ["2.16 s", "rank 2 (2.16 s)"]


def test_iteration_and_loss_charts_have_a_line_per_rank(loaded_report):
    traces = loaded_report.execute_script(
        "return [document.getElementById('iterations-chart').data.map(t => t.name), "
        "document.getElementById('numbers-0-chart').data.map(t => t.name), "
        "document.querySelector('#numbers-0 h2').textContent]"
    )
    ranks = ["rank 0", "rank 1", "rank 2", "rank 3"]
    assert traces == [ranks, ranks, "Event values: training_metrics.loss"]


def test_errors_are_in_time_order(loaded_report):
    rows = loaded_report.find_elements(By.CSS_SELECTOR, "#error-table tr")[1:]
    kinds = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")][2:6] for row in rows]
    assert kinds == [
        ["rank 3", "application error", "training_loop", "rank 3 lost a shard (ValueError)"],
        ["rank 1", "application error", "training_loop", "rank 1 retried a read (ValueError)"],
        ["rank 0", "telemetry data error", "incomplete_telemetry_data", "exporter dropped 3 records"],
    ]


def test_screenshot_is_written(loaded_report):
    height = loaded_report.execute_script("return document.body.scrollHeight")
    loaded_report.set_window_size(1400, min(int(height) + 40, 6000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = Path(ARTIFACTS) / "report.png"
    assert loaded_report.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
