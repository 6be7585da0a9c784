"""The site in a real Chromium (Debian's chromium and chromium-driver, driven by Selenium).

Against the session's `quotes serve` (tests/conftest.py: site_server). Screenshots of every
page visited are saved under test-output/browser/ (QUOTES_TEST_OUTPUT moves test-output).
These tests fail, never skip, when Chromium is missing: .ci/run installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

OUTPUT = Path(os.environ.get("QUOTES_TEST_OUTPUT", Path(__file__).parents[1] / "test-output"))
SHOTS = OUTPUT / "browser"


@pytest.fixture(scope="module")
def browser():
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail(
            "Chromium and its driver are needed: apt-get install chromium chromium-driver",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(site_server, site_index):
    return site_server, site_index.stem


def shot(driver, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    return path


def rows(db: Path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn.execute(sql, params).fetchall()


# Code-point offsets (as Python and the index count them) of the characters of the article
# text inside elements of a class, read from the page's DOM text.
SPANS_JS = """
const box = document.querySelector('.article-text');
function span(cls) {
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  let pos = 0, start = null, end = null, text = '';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const n = Array.from(node.data).length;
    if (node.parentElement.closest('.' + cls)) {
      if (start === null) { start = pos; }
      end = pos + n;
      text += node.data;
    }
    pos += n;
  }
  return {start: start, end: end, text: text};
}
const q = document.getElementById('the-quote');
return {quote: span('hl-quote'), cue: span('hl-cue'), mention: span('hl-mention'),
        text: box.textContent,
        background: q ? getComputedStyle(q).backgroundColor : null};
"""


def check_marks(driver, quote, article_text: str) -> None:
    found = driver.execute_script(SPANS_JS)
    assert found["text"] == article_text  # the page shows the article exactly as stored
    assert found["quote"] == {"start": quote["start"], "end": quote["end"], "text": quote["text"]}
    assert found["cue"] == {
        "start": quote["cue_start"],
        "end": quote["cue_end"],
        "text": article_text[quote["cue_start"] : quote["cue_end"]],
    }
    assert found["mention"] == {
        "start": quote["speaker_start"],
        "end": quote["speaker_end"],
        "text": quote["speaker_mention"],
    }
    assert found["background"] not in (None, "rgba(0, 0, 0, 0)", "transparent")


def test_a_quote_page_marks_the_quote_cue_and_mention_at_their_offsets(browser, site, site_index):
    base, name = site
    quotes = rows(
        site_index,
        "select quotes.*, articles.text as article_text from quotes "
        "join articles on articles.id = quotes.article_id "
        "left join speakers on speakers.id = quotes.speaker_id "
        "where cue_start is not null and speaker_start is not null "
        "order by speakers.name like '%Konashenkov%' desc, "
        "articles.source like 'odd/crlf%' desc, quotes.id",
    )
    konashenkov = quotes[0]
    crlf = next(q for q in quotes if "\U0001f600" in q["text"])  # \r\n and an emoji before it
    for label, quote in (("quote-page", konashenkov), ("quote-page-crlf-emoji", crlf)):
        browser.get(f"{base}/{name}/quote/{quote['id']}")
        check_marks(browser, quote, quote["article_text"])
        shot(browser, label)


def test_from_a_speaker_to_each_quote_and_back(browser, site, site_index):
    base, name = site
    speaker = rows(
        site_index, "select * from speaker_stats where articles > 1 order by quotes desc, id"
    )[0]
    quotes = {
        r["id"]: r for r in rows(site_index, "select * from quotes where speaker_id = ?", [speaker["id"]])
    }
    speaker_url = f"{base}/{name}/speaker/{speaker['id']}"
    browser.get(speaker_url)
    shot(browser, "speaker-page")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.quote-link")]
    assert len(links) == len(quotes) == speaker["quotes"]
    for n, link in enumerate(links):
        browser.find_element(By.CSS_SELECTOR, f'a.quote-link[href="{link.removeprefix(base)}"]').click()
        WebDriverWait(browser, 10).until(expected_conditions.url_to_be(link))
        quote = quotes[int(link.rsplit("/", 1)[1])]
        title = browser.find_element(By.CSS_SELECTOR, "h1.quote-title").text
        assert " ".join(quote["text"].split()) in " ".join(title.split())
        if n == 0:
            shot(browser, "speaker-first-quote")
        browser.find_element(By.CSS_SELECTOR, ".fact-speaker a").click()
        WebDriverWait(browser, 10).until(expected_conditions.url_to_be(speaker_url))
        assert browser.find_element(By.CSS_SELECTOR, "h1.speaker-name").text == speaker["name"]


@pytest.mark.parametrize("typed", ["US-led", '"face of', ""])
def test_searching_what_people_type(browser, site, site_index, typed):
    base, name = site
    label = {"US-led": "us-led", '"face of': "face-of", "": "empty"}[typed]
    # the site's search page, through its form
    browser.get(f"{base}/{name}/search")
    box = browser.find_element(By.CSS_SELECTOR, "form.quotes-search input[name=q]")
    box.clear()
    box.send_keys(typed)
    box.submit()
    WebDriverWait(browser, 10).until(
        expected_conditions.url_contains("?" + urlencode({"q": typed}))
    )
    assert browser.find_elements(By.CSS_SELECTOR, ".message-error") == []
    shot(browser, f"search-{label}")
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "ol.search-quotes mark")]
    words = {" ".join(re.findall(r"[^\W_]+", m.lower())) for m in marks}
    if typed == "US-led":
        assert marks and words == {"us led"}  # "US-led" and the seeds' "US -led"
    elif typed == '"face of':
        assert marks and words == {"face of"}  # the phrase, marked whole
    else:
        assert marks == [] and browser.find_elements(By.CSS_SELECTOR, "ol.search-quotes") == []
    # the canned query, through Datasette's form
    browser.get(f"{base}/{name}/search_quotes")
    box = browser.find_element(By.CSS_SELECTOR, "form input[name=q]")
    box.clear()
    box.send_keys(typed)
    box.submit()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("q="))
    assert browser.find_elements(By.CSS_SELECTOR, ".message-error") == []
    shot(browser, f"search-quotes-query-{label}")
    linked = browser.find_elements(By.CSS_SELECTOR, f'td.col-text a[href^="/{name}/quote/"]')
    assert bool(linked) == (typed != "")


def test_the_quotes_table_leads_with_quote_speaker_and_article(browser, site):
    base, name = site
    browser.get(f"{base}/{name}/quotes?_facet=speaker_id")
    headers = [th.get_attribute("data-column") for th in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns th")]
    assert headers[:4] == ["text", "speaker_id", "article_id", "confidence"]
    confidence = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns td.col-confidence")
    assert confidence.is_displayed() and confidence.location["x"] + confidence.size["width"] < 1280
    first = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns td.col-text")
    assert first.size["width"] > 200
    browser.execute_script("arguments[0].scrollIntoView()", first)
    shot(browser, "quotes-table")


def test_a_statement_reported_in_several_articles(browser, site, site_index):
    base, name = site
    (group,) = rows(
        site_index,
        "select statement_id, min(id) as id, count(*) as n from quotes "
        "where statement_id is not null group by statement_id "
        "having count(distinct article_id) > 1 order by count(*) desc limit 1",
    )
    browser.get(f"{base}/{name}/quote/{group['id']}")
    section = browser.find_element(By.CSS_SELECTOR, "section.also-reported")
    assert len(section.find_elements(By.CSS_SELECTOR, "li")) == group["n"] - 1
    browser.execute_script("window.scrollTo(0, 0)")
    shot(browser, "quote-page-statement")
