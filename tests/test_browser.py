"""The HTML report in a real browser (headless Chromium via chromedriver): no console errors, no
network requests, the key sections visible, a screenshot saved. Skipped where Chromium is absent
(.ci/run installs Debian's chromium and chromium-driver)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.support.paths import EXAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="headless Chromium/chromedriver not installed")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1280,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


CASES = {
    "egfr_l858r_met_amp": (["--cnv", EXAMPLES / "egfr_l858r_met_amp.cnv.tsv", "--prior-therapy", "osimertinib"], "PLASMA_P001_T1", "MET amplification"),
    "egfr_ex19del_kras_pik3ca": (["--cnv", EXAMPLES / "egfr_ex19del_kras_pik3ca.cnv.tsv", "--prior-therapy", "osimertinib"], "PLASMA_P002", "KRAS G12D"),
    "kif5b_ret": (["--fusions", EXAMPLES / "kif5b_ret.fusions.tsv"], "PLASMA_P003_T1", "KIF5B::RET"),
    "no_findings": (["--prior-therapy", "osimertinib", "--driver", "EGFR L858R"], "PLASMA_P004", "This plasma sample is not informative for resistance (stated driver not detected)"),
}


@pytest.mark.parametrize("name", CASES)
def test_report_in_headless_chromium(browser, run_cli, tmp_path, name):
    from selenium.webdriver.common.by import By

    extra, sample, key_text = CASES[name]
    result = run_cli(["annotate", EXAMPLES / f"{name}.vcf.gz", *extra, "--format", "html", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    page = tmp_path / f"{sample}.html"
    browser.get_log("performance"), browser.get_log("browser")  # drop what the start page logged
    browser.get(page.as_uri())
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2")]
    for section in ("Sample and specimen", "Findings in context", "Alterations detected",
                    "Therapy options", "Clinical trials enrolling these alterations", "Methods and limitations"):
        assert section in headings
    assert "Resistance summary" in headings or "Diagnostic summary" in headings
    assert key_text in browser.find_element(By.ID, "summary").text
    assert "Research use only" in browser.find_element(By.TAG_NAME, "body").text
    # the sort script works: clicking the VAF heading sorts the variants table without errors
    tables = browser.find_elements(By.ID, "variants-table")
    if tables:
        tables[0].find_elements(By.CSS_SELECTOR, "thead th")[4].click()
        assert tables[0].find_elements(By.CSS_SELECTOR, "thead th")[4].get_attribute("aria-sort") == "ascending"
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert page.as_uri() in requests
    outside = [u for u in requests if not u.startswith(("file://", "chrome://", "about:", "data:"))]
    assert outside == [], outside
    shot = tmp_path / f"{sample}.png"
    browser.save_screenshot(str(shot))
    svgs = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert all(svg.size["width"] > 300 for svg in svgs)
    assert shot.stat().st_size > 10_000
