"""The review page in a real browser (headless Chromium through Selenium and chromedriver): open a
batch's results, correct a value by selecting text, clear one with a key, accept the others,
reload (state kept), save; the saved file loads as labeled examples for `finx retrain`.

Skips with the reason when Chromium or chromedriver is missing (`make test` installs them where
the machine allows, like OCR).
"""

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from finx.review.app import create_app
from finx.review.session import open_session
from finx.schemas import get_schema
from finx.training.examples import load_examples
from tests.support.network import free_loopback_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)
ROOT = Path(__file__).resolve().parents[2]

RECEIPT_A = (
    "\nGARDENIA BAKERIES (KL) SDN BHD\nLOT 3, JALAN PELABUR 23/1, 40300 SHAH ALAM\nDATE: 17/05/2018\nTOTAL RM 7.05\n"
)
RECEIPT_B = "SHOP B\nTOTAL 12.50\n"
SELECT = """
const [start, end] = arguments;
const doc = document.getElementById("doc");
const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
let position = 0, node, range = document.createRange(), started = false;
while ((node = walker.nextNode())) {
  const length = node.textContent.length;
  if (!started && start <= position + length) { range.setStart(node, start - position); started = true; }
  if (started && end <= position + length) { range.setEnd(node, end - position); break; }
  position += length;
}
const selection = window.getSelection();
selection.removeAllRanges();
selection.addRange(range);
"""


def source(text: str, path: str, value: str) -> dict:
    start = text.index(value)
    return {"path": path, "value": value, "start": start, "end": start + len(value), "match": "exact", "score": 1.0,
            "page": 1, "line": text[:start].count("\n") + 1}  # fmt: skip


def batch_results(folder: Path) -> Path:
    """A batch's input folder and results file, as `finx batch` writes them."""
    (folder / "in").mkdir()
    (folder / "in" / "a.txt").write_text(RECEIPT_A, encoding="utf-8")
    (folder / "in" / "b.txt").write_text(RECEIPT_B, encoding="utf-8")
    a = {"company": "GARDENIA BAKERIES (KL) SDN BHD", "date": "17/05/2018", "address": None, "total": "7.0"}
    b = {"company": "SHOP B", "date": None, "address": None, "total": "12.50"}
    lines = [
        {"path": "b.txt", "status": "ok", "result": {"data": b, "confidence": {"company": 0.97, "total": 0.9},
         "sources": [source(RECEIPT_B, "company", "SHOP B"), source(RECEIPT_B, "total", "12.50")]}},
        {"path": "a.txt", "status": "ok", "result": {"data": a, "confidence": {"company": 0.93, "date": 0.81, "total": 0.41},
         "sources": [source(RECEIPT_A, "company", a["company"]), source(RECEIPT_A, "date", "17/05/2018"),
                     source(RECEIPT_A, "total", "7.0")]}},
    ]  # fmt: skip
    results = folder / "results.jsonl"
    results.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return results


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[str, Path]]:

    results = batch_results(tmp_path)
    out = tmp_path / "reviewed.jsonl"
    session = open_session(results, tmp_path / "in", get_schema("receipt"), out)
    with serving(session) as url:
        yield url, out


@contextlib.contextmanager
def serving(session) -> Iterator[str]:
    """The review page of `session` on a free loopback port, for as long as the block runs."""
    import uvicorn

    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(create_app(session), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def field_value(browser, name: str) -> str:
    return browser.find_element("id", f"f-{name}").get_attribute("value")


def wait_for(condition, seconds: float = 10.0) -> None:
    """Poll until the condition holds; an element the page re-rendered meanwhile counts as "not yet"."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(StaleElementReferenceException):
            if condition():
                return
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_reviewer_corrects_accepts_and_saves_and_the_file_retrains(page, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    url, out = page
    browser.get(url)
    assert browser.find_element(By.ID, "doc-id").text == "a.txt"  # the least confident document first
    assert browser.find_element(By.ID, "progress").text == "0 done / 2 left"
    assert browser.find_element(By.ID, "doc").get_attribute("textContent") == RECEIPT_A
    marks = {mark.get_attribute("data-path"): mark.text for mark in browser.find_elements(By.CSS_SELECTOR, "mark")}
    assert marks == {"company": "GARDENIA BAKERIES (KL) SDN BHD", "date": "17/05/2018", "total": "7.0"}

    # correct the total by selecting the right text in the document
    start = RECEIPT_A.index("7.05")
    browser.execute_script(SELECT, start, start + 4)
    total = browser.find_element(By.CSS_SELECTOR, ".field[data-name=total]")
    total.find_element(By.CSS_SELECTOR, ".use-selection").click()
    wait_for(lambda: total.find_element(By.CSS_SELECTOR, ".saved-note").text == "kept")
    assert field_value(browser, "total") == "7.05"

    # clear the date with the keyboard: k moves to the previous field (total -> address -> date), c clears it
    browser.find_element(By.TAG_NAME, "body").send_keys("k", "k", "c")
    date = browser.find_element(By.CSS_SELECTOR, ".field[data-name=date]")
    wait_for(lambda: date.find_element(By.CSS_SELECTOR, ".saved-note").text == "kept")

    # a closed tab loses nothing: the decisions are back after a reload
    browser.refresh()
    assert (field_value(browser, "total"), field_value(browser, "date")) == ("7.05", "")
    assert field_value(browser, "company") == "GARDENIA BAKERIES (KL) SDN BHD"
    if os.environ.get("FINX_REVIEW_SCREENSHOT"):  # the README's picture
        browser.save_screenshot(os.environ["FINX_REVIEW_SCREENSHOT"])

    browser.find_element(By.ID, "save").click()  # accept the rest and save
    wait_for(lambda: browser.find_element(By.ID, "doc-id").text == "b.txt")
    assert browser.find_element(By.ID, "progress").text == "1 done / 1 left"
    browser.refresh()
    assert browser.find_element(By.ID, "progress").text == "1 done / 1 left"

    report = load_examples(out)  # what `finx retrain --examples` reads
    assert report.errors == []
    (example,) = report.examples
    assert example.id == "a.txt" and example.text == RECEIPT_A
    assert example.target == {
        "company": "GARDENIA BAKERIES (KL) SDN BHD",
        "date": None,
        "address": None,
        "total": "7.05",
    }
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["sources"] == {"total": [start, start + 4]} and saved["source"] == "review"


def test_a_bad_correction_is_refused_with_its_reason_and_nothing_is_saved(page, browser) -> None:
    from selenium.webdriver.common.by import By

    url, out = page
    browser.get(url + "/doc/1")  # b.txt
    browser.find_element(By.ID, "save").click()
    wait_for(lambda: browser.find_element(By.ID, "progress").text == "1 done / 1 left")  # the page after saving
    browser.get(url + "/doc/0")
    total = browser.find_element(By.ID, "f-total")
    total.clear()
    total.send_keys("x" * 300)  # over the schema's maxLength
    browser.find_element(By.ID, "save").click()
    wait_for(lambda: "does not fit receipt" in browser.find_element(By.ID, "error").text)
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["b.txt"]


EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{target}/doc/0">
<input name="company" value="EVIL CORP"><input name="date" value="01/01/1999">
<input name="address" value="NOWHERE"><input name="total" value="999.99">
</form><script>document.getElementById("f").submit();</script></body></html>"""


@pytest.fixture
def foreign_origin(tmp_path: Path, page) -> Iterator[str]:
    """A second local origin (another port) serving a page that posts a hidden form to the review page."""
    import http.server

    url, _ = page
    site = tmp_path / "evil"
    site.mkdir()
    (site / "index.html").write_text(EVIL_PAGE.format(target=url), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_a_page_from_another_origin_cannot_save(page, browser, foreign_origin) -> None:
    url, out = page
    browser.get(foreign_origin)
    wait_for(lambda: browser.current_url.startswith(url))  # the hidden form was submitted
    assert "refused: a same-site request may not change anything" in browser.page_source  # another port
    assert not out.exists()
    browser.get(url + "/doc/0")  # the review page itself still works, and shows no foreign value
    assert "EVIL CORP" not in browser.page_source


@pytest.fixture
def pdf_page(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """A review of one invoice PDF (the batch example), with its values located as a batch would."""

    from finx.ingest import read_document

    (tmp_path / "in").mkdir()
    pdf = (ROOT / "examples" / "batch" / "invoices" / "acme-invoice.pdf").read_bytes()
    (tmp_path / "in" / "acme.pdf").write_bytes(pdf)
    text = read_document(pdf, "acme.pdf").text
    company = text.splitlines()[0]
    data = {"company": company, "date": "21/02/2026", "address": None, "total": None}
    line = {"path": "acme.pdf", "status": "ok", "result": {"data": data, "confidence": {"company": 0.95, "date": 0.6},
            "sources": [source(text, "company", company), source(text, "date", "21/02/2026")]}}  # fmt: skip
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(line) + "\n", encoding="utf-8")
    session = open_session(results, tmp_path / "in", get_schema("receipt"), tmp_path / "reviewed.jsonl")
    with serving(session) as url:
        yield url, tmp_path / "reviewed.jsonl", text


def test_a_pdf_shows_its_page_with_every_values_box_and_a_box_sets_the_field(pdf_page, browser) -> None:
    from selenium.webdriver.common.by import By

    url, _, _ = pdf_page
    browser.get(url + "/doc/0")
    image = browser.find_element(By.CSS_SELECTOR, "svg.page image")
    wait_for(lambda: browser.execute_script(
        "return fetch(arguments[0]).then(r => r.ok && r.headers.get('content-type'))", image.get_attribute("href")
    ) == "image/png")  # fmt: skip
    boxes = browser.find_elements(By.CSS_SELECTOR, "rect.box")
    assert [box.get_attribute("data-path") for box in boxes] == ["company", "date"]
    assert [box.get_attribute("class") for box in boxes] == ["box sure active", "box unsure"]  # company is focused
    width, height = (
        float(value)
        for value in browser.find_element(By.CSS_SELECTOR, "svg.page").get_dom_attribute("viewBox").split()[2:]
    )
    for box in boxes:
        x, y = float(box.get_attribute("x")), float(box.get_attribute("y"))
        assert 0 <= x < width and 0 <= y < height
    browser.find_element(By.ID, "f-address").click()
    browser.find_element(By.TAG_NAME, "body").click()  # leave the text box; the address field stays focused
    boxes[1].click()
    wait_for(lambda: field_value(browser, "address") == "21/02/2026")
    if os.environ.get("FINX_REVIEW_PAGE_SCREENSHOT"):
        browser.save_screenshot(os.environ["FINX_REVIEW_PAGE_SCREENSHOT"])
