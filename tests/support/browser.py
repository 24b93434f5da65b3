"""Debian's headless chromium driven by selenium, for the report tests (installed by ``make browser``).

The flags keep chromium from reaching out on its own (updates, sync, field trials), so that every network
request the page makes is one the page asked for. Console messages and network events are recorded through
chromedriver's logging capabilities (the DevTools ``Network`` domain underneath).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
ARTIFACTS = Path(
    os.environ.get("ONE_LOGGER_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "out" / "test-artifacts")
)


def require_browser() -> None:
    """Skip (locally) or fail (in CI) when the browser is missing: ``make browser`` installs it."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    message = f"{CHROMIUM} or {CHROMEDRIVER} missing: run `make browser` (Debian's chromium and chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def start_browser() -> Iterator[webdriver.Chrome]:
    """Yield a fresh headless chromium (own profile directory) and quit it afterwards."""
    require_browser()
    profile = tempfile.mkdtemp(prefix="one-logger-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(120)
    driver.get("about:blank")  # leave whatever start page chromium opened
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def network_requests(driver: webdriver.Chrome, document_url: Optional[str] = None) -> List[str]:
    """URLs of every request and WebSocket started since the last call.

    With `document_url`, only the requests made on behalf of that document count: chromium's own pages (its
    new-tab page loads dozens of ``chrome://`` resources at start-up, late on a loaded machine) are not the
    report's doing. A WebSocket names no document, so it always counts.
    """
    urls = []
    for entry in driver.get_log("performance"):
        message: Dict[str, Any] = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            if document_url is None or params.get("documentURL") == document_url:
                urls.append(params["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def console_errors(driver: webdriver.Chrome) -> List[str]:
    """Console messages at error level (``SEVERE``) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
