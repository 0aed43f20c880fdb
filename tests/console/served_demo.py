"""A served LRS loaded by `make demo`, and what the browser tests do on it: sign in, wait for
a navigation, count elements, run axe-core."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.console.browser import serious_violations
from tests.server.served import load_demo, served_process

KEY, SECRET = "console-admin", "console-admin-secret"


@contextmanager
def served_demo(data: Path) -> Iterator[str]:
    """The base URL of a served LRS on `data` that `make demo` has loaded."""
    with served_process(data, KEY, SECRET) as (base, _):
        load_demo(base, KEY, SECRET)
        yield base


def sign_in(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/console/")
    if "/signin" not in driver.current_url:
        return
    driver.find_element(By.ID, "key").send_keys(KEY)
    driver.find_element(By.ID, "secret").send_keys(SECRET)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    arrive(driver, lambda url: "/signin" not in url)


def arrive(driver: WebDriver, where: Callable[[str], bool]) -> None:
    """Wait (bounded) for the navigation a click started to land where expected."""
    WebDriverWait(driver, 15).until(lambda d: where(d.current_url))


def count(driver: WebDriver, selector: str) -> int:
    """How many elements match, now (no implicit wait for ones that should not exist)."""
    found: int = driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length", selector
    )
    return found


def no_serious_violations(driver: WebDriver) -> None:
    violations = serious_violations(driver)
    assert violations == [], violations
