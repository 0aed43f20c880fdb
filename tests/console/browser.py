"""A real headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium,
with axe-core from tests/console/node_modules injected for accessibility checks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def require_browser() -> None:
    """Skip without the browser, unless LRS_TEST_BROWSER=required (`make test-browser`)."""
    missing = [p for p in (CHROMIUM, DRIVER, str(AXE)) if not Path(p).exists()]
    if missing:
        if os.environ.get("LRS_TEST_BROWSER") == "required":
            pytest.fail(f"browser tests need {missing}: run `make test-browser`")
        pytest.skip(f"browser tests need {missing} (`make test-browser` installs them)")


def chromium(width: int = 1280, height: int = 900, *, phone: bool = False) -> webdriver.Chrome:
    """A desktop window, or a phone's viewport (desktop windows cannot be that narrow)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if phone:
        metrics = {"width": width, "height": height, "pixelRatio": 2}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.implicitly_wait(10)  # a lookup after a click waits (bounded) for the next page
    return driver


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """A full-page PNG into build/screenshots/ (CI keeps the folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    window = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(window["width"], min(int(height) + 140, 6000))
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(window["width"], window["height"])
    return path


def serious_violations(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 AA rules)."""
    driver.execute_script(AXE.read_text())
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        ".then(r => done(r)).catch(e => done({violations: [{id: 'axe-error', impact: 'critical',"
        " description: String(e), nodes: []}]}));"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v.get("description"),
            "nodes": len(v["nodes"]),
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
