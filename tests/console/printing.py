"""Printing a console page as Chromium does (DevTools Page.printToPDF through Selenium's
print_page) and checking that nothing is cut off: laid out for print at the paper's
printable width, no element runs past it, and every table row is in the PDF's text."""

from __future__ import annotations

import base64
import io
import math
import re
import unicodedata
from dataclasses import dataclass

from pypdf import PdfReader
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.print_page_options import PrintOptions

CM = 96 / 2.54  # CSS pixels per centimetre
POINTS = 72 / 2.54  # PDF points per centimetre
MARGIN_CM = 1.2  # the console's @page margin (12 mm), given to the printer as well


@dataclass(frozen=True, slots=True)
class Paper:
    name: str
    width_cm: float
    height_cm: float

    @property
    def printable(self) -> tuple[int, int]:
        """The area inside the margins, in whole CSS pixels (rounded down)."""
        return (
            math.floor((self.width_cm - 2 * MARGIN_CM) * CM),
            math.floor((self.height_cm - 2 * MARGIN_CM) * CM),
        )


A4 = Paper("A4", 21.0, 29.7)
LETTER = Paper("Letter", 21.59, 27.94)  # 8.5 x 11 in

OVERFLOWING = r"""
const width = arguments[0];
const out = [];
if (document.documentElement.scrollWidth > width) {
  out.push('the page: ' + document.documentElement.scrollWidth + ' px');
}
for (const el of document.querySelectorAll('main *')) {
  if (!el.getClientRects().length) continue;
  const box = el.getBoundingClientRect();
  if (box.right > width + 0.5 || box.left < -0.5) {
    const cls = el.getAttribute('class');
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (cls ? '.' + cls.trim().split(/\s+/).join('.') : '');
    out.push(name + ': ' + Math.round(box.left) + '..' + Math.round(box.right) + ' px');
  }
}
const texts = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
for (let node = texts.nextNode(); node; node = texts.nextNode()) {
  const range = document.createRange();
  range.selectNodeContents(node);
  const box = range.getBoundingClientRect();  // text can run out of its box unseen by it
  if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
    out.push('"' + node.textContent.trim().slice(0, 40) + '" in '
      + node.parentElement.tagName.toLowerCase() + ': '
      + Math.round(box.left) + '..' + Math.round(box.right) + ' px');
  }
}
return out;
"""
ROWS = """
return [...document.querySelectorAll('main table tr')]
  .filter(row => row.getClientRects().length)
  .map(row => row.innerText);
"""


class PrintLayout:
    """The page laid out as for print at a paper's printable width (media `print`)."""

    def __init__(self, driver: WebDriver, paper: Paper) -> None:
        self.driver, self.paper = driver, paper

    def __enter__(self) -> PrintLayout:
        width, height = self.paper.printable
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    def overflowing(self) -> list[str]:
        """Elements of the report that run past the printable width (they would be cut)."""
        found: list[str] = self.driver.execute_script(OVERFLOWING, self.paper.printable[0])
        return found

    def rows(self) -> list[str]:
        """The text of every table row that prints."""
        found: list[str] = self.driver.execute_script(ROWS)
        return found

    def pages_needed(self) -> int:
        """The pages the laid-out page fills end to end."""
        height: int = self.driver.execute_script("return document.documentElement.scrollHeight")
        return math.ceil(height / self.paper.printable[1])

    def shown(self, selector: str) -> bool:
        found: bool = self.driver.execute_script(
            "const el = document.querySelector(arguments[0]);"
            "return !!el && getComputedStyle(el).display !== 'none';",
            selector,
        )
        return found


def print_pdf(driver: WebDriver, paper: Paper) -> PdfReader:
    """The current page printed on `paper` with the console's margins, as a PDF."""
    options = PrintOptions()
    options.page_width, options.page_height = paper.width_cm, paper.height_cm
    options.margin_top = options.margin_bottom = MARGIN_CM
    options.margin_left = options.margin_right = MARGIN_CM
    options.background = True
    return PdfReader(io.BytesIO(base64.b64decode(driver.print_page(options))))


def page_size_cm(pdf: PdfReader) -> tuple[float, float]:
    box = pdf.pages[0].mediabox
    return round(float(box.width) / POINTS, 2), round(float(box.height) / POINTS, 2)


def _squeezed(text: str) -> str:
    """Text without whitespace or ligatures: wrapped cells and PDF text compare equal."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def rows_missing(pdf: PdfReader, rows: list[str]) -> list[str]:
    """The rows whose text is not in the PDF, in order: a cut-off column loses its cells."""
    printed = _squeezed("".join(page.extract_text() for page in pdf.pages))
    return [row for row in rows if _squeezed(row) not in printed]
