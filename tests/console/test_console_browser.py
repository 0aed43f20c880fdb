"""The console in a real headless Chromium against a served LRS holding the demo's data:
sign in, the rates chart, a learner's evidence, a bad roster's line errors, a credential's
secret shown once, sign-out, inert statement content, a refused cross-site post, and no
serious or critical accessibility violation (axe-core) on the main pages (issue 18)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.console.browser import chromium, require_browser, screenshot
from tests.console.printing import (
    A4,
    LETTER,
    Paper,
    PrintLayout,
    page_size_cm,
    print_pdf,
    rows_missing,
)
from tests.console.served_demo import (
    KEY,
    SECRET,
    arrive,
    count,
    no_serious_violations,
    served_demo,
    sign_in,
)

HOSTILE = "<img src=x onerror=alert(1)>"
BAD_ROSTER = (
    "learner,name,department\n"
    "rep0@example.com,Rep 0,Sales DACH\n"
    "not-an-email,Nobody,Sales DACH\n"
    "rep0@example.com,Twice,Sales DACH\n"
)


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One served LRS for the module, loaded by `make demo` and one hostile statement."""
    require_browser()
    with served_demo(tmp_path_factory.mktemp("console")) as base:
        hostile = {
            "actor": {"objectType": "Agent", "name": HOSTILE, "mbox": "mailto:x@example.com"},
            "verb": {"id": "http://example.org/verbs/said", "display": {"en-US": HOSTILE}},
            "object": {"id": "http://example.org/a", "definition": {"name": {"en": HOSTILE}}},
        }
        stored = httpx.post(
            f"{base}/xapi/statements",
            json=hostile,
            auth=(KEY, SECRET),
            headers={"X-Experience-API-Version": "2.0.0"},
        )
        assert stored.status_code == 200, stored.text
        yield base


@pytest.fixture(scope="module")
def driver(lrs: str) -> Iterator[WebDriver]:
    browser = chromium()
    try:
        yield browser
    finally:
        browser.quit()


def test_sign_in_and_see_the_rates_chart_with_its_table(driver: WebDriver, lrs: str) -> None:
    driver.get(f"{lrs}/console/signin")
    no_serious_violations(driver)
    screenshot(driver, "01-signin")
    sign_in(driver, lrs)
    assert driver.current_url.endswith("/console/outcomes")
    charts = driver.find_elements(By.CSS_SELECTOR, "#rates svg.chart")
    assert charts, "no rates chart"
    assert charts[0].find_elements(By.CSS_SELECTOR, "circle")  # the demo's data points
    table = driver.find_element(By.CSS_SELECTOR, "#rates table").text
    assert "Sales Berlin" in table
    assert "Sales Pilot" not in table  # 4 people: below the minimum group size
    assert "%" in table
    assert "Product knowledge" in driver.find_element(By.TAG_NAME, "main").text
    no_serious_violations(driver)
    screenshot(driver, "02-outcomes")


def test_the_kpi_page_draws_each_estimate_with_its_interval(driver: WebDriver, lrs: str) -> None:
    """The planted effect's interval lies right of zero; the placebo's crosses it."""
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/outcomes")
    driver.find_element(By.LINK_TEXT, "Outcomes and KPIs").click()
    arrive(driver, lambda url: url.endswith("/console/outcomes/kpis"))
    revenue = _estimate(driver, "Product knowledge and Revenue per rep (kEUR)")
    assert revenue["includes_zero"] == "no"
    assert 0 < revenue["low"] < revenue["estimate"] < revenue["high"]
    assert revenue["zero_x"] < revenue["bar"][0] < revenue["point_x"] < revenue["bar"][1]
    assert "that is an improvement" in revenue["text"]
    assert "Pre-period check passed" in revenue["text"]
    assert "Sales Pilot (12 periods): fewer than 5 people" in revenue["text"]
    assert "Minimum group size 5 people" in revenue["text"]
    coffee = _estimate(driver, "Product knowledge and Office coffee per person (cups)")
    assert coffee["includes_zero"] == "yes"
    assert coffee["low"] <= 0 <= coffee["high"]
    assert coffee["bar"][0] < coffee["zero_x"] < coffee["bar"][1]
    assert "The interval includes zero: the data are consistent with no effect." in coffee["text"]
    method = driver.find_element(By.CSS_SELECTOR, "#impact").text
    assert "wild cluster bootstrap" in method
    no_serious_violations(driver)
    screenshot(driver, "10-kpis-impact")


def _estimate(driver: WebDriver, heading: str) -> dict[str, Any]:
    """What one outcome x KPI block shows: its text, its table's Estimate row, and where
    the chart puts the zero line, the bar and the point (page pixels)."""
    article = driver.find_element(
        By.XPATH, f"//article[contains(@class, 'impact')][.//h3[normalize-space()='{heading}']]"
    )
    cells = [
        c.text
        for c in article.find_elements(
            By.XPATH, ".//table[contains(@class, 'numbers')]//tr[th='Estimate']/td"
        )
    ]
    drawn = driver.execute_script(
        "const svg = arguments[0].querySelector('svg.interval');"
        "const x = el => { const r = el.getBoundingClientRect(); return [r.left, r.right]; };"
        "return {zero: x(svg.querySelector('line.zero'))[0],"
        " bar: x(svg.querySelector('g.r0 line.bar')),"
        " point: x(svg.querySelector('g.r0 circle.point'))};",
        article,
    )
    point = drawn["point"]
    return {
        "text": article.text.replace("\n", " "),
        "estimate": float(cells[0]),
        "low": float(cells[1]),
        "high": float(cells[2]),
        "includes_zero": cells[3],
        "zero_x": drawn["zero"],
        "bar": drawn["bar"],
        "point_x": (point[0] + point[1]) / 2,
    }


def test_impact_download_is_csv_with_a_bom(lrs: str) -> None:
    with httpx.Client(base_url=lrs) as client:
        client.post("/console/signin", data={"key": KEY, "secret": SECRET})
        answer = client.get("/console/outcomes/impact.csv")
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbfoutcome,outcome_name,kpi,kpi_name")
    assert "Product knowledge" in answer.content.decode("utf-8-sig")


@pytest.mark.parametrize("paper", [A4, LETTER], ids=lambda paper: paper.name)
@pytest.mark.parametrize(
    "report",
    [
        "/console/outcomes?outcome=product-knowledge",
        "/console/outcomes",
        "/console/outcomes/kpis",
    ],
)
def test_a_report_prints_whole_on_a4_and_letter(
    driver: WebDriver, lrs: str, report: str, paper: Paper
) -> None:
    """Laid out for print at the paper's printable width nothing runs past it, and the PDF
    Chromium prints on that paper holds every table row, on no more pages than the layout
    fills (a section kept whole that is taller than what is left of a page would add one)."""
    sign_in(driver, lrs)
    driver.get(f"{lrs}{report}")
    with PrintLayout(driver, paper) as layout:
        assert not layout.shown("header.top"), "the navigation prints"
        assert layout.shown("main svg.chart"), "the chart does not print"
        assert layout.overflowing() == []
        rows = layout.rows()
        needed = layout.pages_needed()
    pdf = print_pdf(driver, paper)
    width, height = page_size_cm(pdf)  # Chromium rounds to whole points
    assert abs(width - paper.width_cm) < 0.05
    assert abs(height - paper.height_cm) < 0.05
    assert 1 <= len(pdf.pages) <= needed, (len(pdf.pages), needed)  # no page pushed over
    assert len(rows) > 3
    assert rows_missing(pdf, rows) == []


def test_a_report_too_wide_for_letter_is_caught(driver: WebDriver, lrs: str) -> None:
    """The print check can fail: a rates table forced wider than the page is found both in
    the layout and by the rows the PDF lost."""
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/outcomes?outcome=product-knowledge")
    driver.execute_script(
        "for (const t of document.querySelectorAll('table.pivot'))"
        " { t.style.tableLayout = 'auto'; t.style.width = '1400px'; }"
    )
    with PrintLayout(driver, LETTER) as layout:
        assert any(found.startswith("table.pivot") for found in layout.overflowing())
        rows = layout.rows()
    assert rows_missing(print_pdf(driver, LETTER), rows) != []


def test_ingest_download_is_csv_with_a_bom(lrs: str) -> None:
    with httpx.Client(base_url=lrs) as client:
        client.post("/console/signin", data={"key": KEY, "secret": SECRET})
        answer = client.get("/console/ingest.csv")
    assert answer.status_code == 200
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "platform,day,statements"
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) >= 200  # the demo's


def test_rates_download_is_csv_with_a_bom(lrs: str) -> None:
    with httpx.Client(base_url=lrs) as client:
        client.post("/console/signin", data={"key": KEY, "secret": SECRET})
        answer = client.get("/console/outcomes/rates.csv?granularity=month")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbfoutcome,org_unit,period")


def test_open_a_learners_evidence(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/outcomes/attainments?outcome=product-knowledge")
    driver.find_element(By.CSS_SELECTOR, "main table tbody a").click()
    arrive(driver, lambda url: "/console/outcomes/learner" in url)
    evidence = driver.find_element(By.TAG_NAME, "main").text
    assert "Product knowledge" in evidence
    assert "passed" in evidence  # the verb, readable, not an IRI or a UUID
    no_serious_violations(driver)
    screenshot(driver, "03-learner")


def test_the_map_editor_validates_with_a_dry_run(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/outcomes/map")
    assert "product-knowledge" in (
        driver.find_element(By.ID, "document").get_attribute("value") or ""
    )
    driver.find_element(By.CSS_SELECTOR, "button[value=validate]").click()
    preview = driver.find_element(By.ID, "preview").text
    assert "Dry run over all" in preview
    assert "product-knowledge modules" in preview
    no_serious_violations(driver)
    screenshot(driver, "04-map-dry-run")
    box = driver.find_element(By.ID, "document")
    box.clear()
    box.send_keys('{"name": "x", "outcomes": [{"id": "bad id", "name": "n"}]}')
    driver.find_element(By.CSS_SELECTOR, "button[value=validate]").click()
    problems = driver.find_element(By.ID, "problems").text
    assert "$.outcomes[0].id" in problems
    assert "$.outcomes[0].criteria" in problems


def test_a_bad_roster_shows_its_line_errors_before_storing(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/outcomes/upload")
    no_serious_violations(driver)
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(BAD_ROSTER)
    driver.find_element(By.CSS_SELECTOR, "button[value=store]").click()
    problems = driver.find_element(By.ID, "problems").text
    assert "nothing was stored" in problems
    assert "line 3" in problems
    assert "line 4" in problems
    screenshot(driver, "05-roster-errors")
    with httpx.Client(base_url=lrs, auth=(KEY, SECRET)) as api:
        roster = api.get("/outcomes/roster", params={"limit": 500}).json()["entries"]
    assert "Twice" not in {entry["name"] for entry in roster}


def test_create_a_credential_and_see_its_secret_once(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/operations")
    no_serious_violations(driver)
    driver.find_element(By.ID, "cred-name").send_keys("Moodle production")
    driver.find_element(By.CSS_SELECTOR, "#new-credential button[type=submit]").click()
    key = driver.find_element(By.ID, "issued-key").text
    secret = driver.find_element(By.ID, "issued-secret").text
    assert len(secret) >= 24
    screenshot(driver, "06-credential-secret")
    with httpx.Client(base_url=lrs) as client:  # the secret works for the xAPI
        about = client.get(
            "/xapi/statements",
            auth=(key, secret),
            headers={"X-Experience-API-Version": "2.0.0"},
        )
    assert about.status_code == 403  # statements/write only: it exists, and may not read
    driver.get(f"{lrs}/console/operations")
    assert secret not in driver.page_source
    assert key in driver.page_source
    rotate = "button[aria-label='Rotate the secret of Moodle production']"
    driver.find_element(By.CSS_SELECTOR, rotate).click()
    driver.find_element(By.ID, "confirm")  # asked first: the old secret still works
    no_serious_violations(driver)
    driver.find_element(By.ID, "confirm").click()
    rotated = driver.find_element(By.ID, "issued-secret").text
    assert rotated != secret
    assert driver.find_element(By.ID, "issued-key").text == key


def test_hostile_statement_content_shows_as_text_and_runs_nothing(
    driver: WebDriver, lrs: str
) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/statements")
    cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#statements td.actor")]
    assert HOSTILE in cells
    assert count(driver, "main img") == 0
    no_serious_violations(driver)
    screenshot(driver, "07-statements")
    driver.find_element(
        By.LINK_TEXT, driver.find_elements(By.CSS_SELECTOR, "#statements a")[0].text
    ).click()
    assert HOSTILE in driver.find_element(By.CSS_SELECTOR, "dd.actor").text
    assert HOSTILE in driver.find_element(By.CSS_SELECTOR, "pre.json").text
    # No image element was made, and an alert would have interrupted the commands above.
    assert count(driver, "img") == 0


class _Attacker(BaseHTTPRequestHandler):
    """Another origin serving a form that posts to the console without the CSRF token."""

    target = ""

    def do_GET(self) -> None:
        page = (
            f'<!doctype html><form id="f" method="post" action="{self.target}">'
            '<input name="name" value="planted"><input name="scopes" value="all">'
            '<button id="go" type="submit">go</button></form>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: object) -> None:
        return None


def test_a_cross_site_form_post_is_refused(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    _Attacker.target = f"{lrs}/console/operations/credentials"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        driver.find_element(By.ID, "go").click()
        assert "refused" in driver.find_element(By.TAG_NAME, "main").text
    finally:
        server.shutdown()
        server.server_close()
    with httpx.Client(base_url=lrs, auth=(KEY, SECRET)) as api:
        names = [c["name"] for c in api.get("/admin/credentials").json()["credentials"]]
    assert "planted" not in names


def test_ingest_overview_names_the_platform(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.get(f"{lrs}/console/ingest")
    text = driver.find_element(By.TAG_NAME, "main").text
    assert f"bootstrap ({KEY})" in text
    no_serious_violations(driver)
    screenshot(driver, "08-ingest")


def test_phone_width_outcomes_page(lrs: str) -> None:
    phone = chromium(390, 844, phone=True)
    try:
        sign_in(phone, lrs)
        for page, name in (("outcomes", "09-outcomes-phone"), ("outcomes/kpis", "11-kpis-phone")):
            phone.get(f"{lrs}/console/{page}")
            width = phone.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{page} scrolls sideways on a phone"
            screenshot(phone, name)
    finally:
        phone.quit()


def test_sign_out(driver: WebDriver, lrs: str) -> None:
    sign_in(driver, lrs)
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    arrive(driver, lambda url: url.endswith("/console/signin"))
    driver.get(f"{lrs}/console/outcomes")
    assert driver.current_url.endswith("/console/signin")
    assert count(driver, "form.signout") == 0
