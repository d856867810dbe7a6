#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""web_browser.py URL ADDR HTML_ADDR OUTDIR — the lookup page in headless Chromium (Debian's chromium-driver and
python3-selenium): open the front page, type ADDR (a host the relay probe listed) into the form, submit, and check
the address's page says it is listed, with its code and the evidence (the probe's transcript, the tester's and the
server's lines, the reverse DNS seen then); press "Request a retest" and see the request queued; then look up
HTML_ADDR, whose reason holds HTML, and check the markup shows as text and runs nothing (no alert). A screenshot of
each step goes to OUTDIR. Prints one line per check ("ok - ..." or "FAIL - ...") and exits 1 on the first failure."""
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,900", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--lang=en-US",
                f"--user-data-dir={profile}", "--disable-crash-reporter", "--disable-breakpad"):
        opts.add_argument(arg)
    service = Service("/usr/bin/chromedriver", log_path=os.path.join(profile, "chromedriver.log"))
    return webdriver.Chrome(service=service, options=opts)


def check(what, ok, got=""):
    if ok:
        print(f"ok - {what}")
        return
    print(f"FAIL - {what}")
    if got:
        print(f"#   got: {got}")
    raise SystemExit(1)


def main(base, addr, html_addr, outdir):
    os.makedirs(outdir, exist_ok=True)
    profile = os.path.join(os.environ.get("TMPDIR", "/tmp"), "chrome-profile")
    os.makedirs(profile, exist_ok=True)
    started = time.monotonic()
    d = browser(profile)
    try:
        wait = WebDriverWait(d, 10)
        d.get(base + "/")
        check("the front page shows the lookup form", d.find_element(By.ID, "addr").is_displayed())
        d.save_screenshot(os.path.join(outdir, "01-form.png"))
        d.find_element(By.ID, "addr").send_keys(addr)
        d.save_screenshot(os.path.join(outdir, "02-typed.png"))
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        check("submitting goes to the address's own page", d.current_url == f"{base}/lookup/{addr}", d.current_url)
        verdict = d.find_element(By.ID, "verdict").text
        check("the page says the address is listed", verdict == f"{addr} is listed.", verdict)
        table = d.find_element(By.CSS_SELECTOR, "table.zones").text
        check("… with the code dnsbld answers", "127.0.0.2" in table, table)
        tester = [e.text for e in d.find_elements(By.CSS_SELECTOR, "pre.transcript span.tester")]
        server = [e.text for e in d.find_elements(By.CSS_SELECTOR, "pre.transcript span.server")]
        check("… and the evidence: the tester's lines, EHLO first", tester[:1] == ["EHLO probe.rbl.example"],
              repr(tester))
        check("… the server's lines, its greeting first", bool(server) and server[0].startswith("220 "),
              repr(server))
        rdns = d.find_element(By.CSS_SELECTOR, "p.rdns").text
        check("… the reverse DNS seen at probe time", rdns.startswith("Reverse DNS at the time: "), rdns)
        d.save_screenshot(os.path.join(outdir, "03-listed.png"))
        d.find_element(By.ID, "retest").click()
        wait.until(EC.presence_of_element_located((By.ID, "queue-position")))
        check("pressing the button queues a retest, back on the page", d.current_url == f"{base}/lookup/{addr}",
              d.current_url)
        state = d.find_element(By.ID, "retest-state").text
        check("… which shows the place in the queue", "position 1 in the queue" in state, state)
        check("… and offers no second button", not d.find_elements(By.ID, "retest"))
        d.save_screenshot(os.path.join(outdir, "04-queued.png"))
        d.get(f"{base}/lookup/{html_addr}")
        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        table = d.find_element(By.CSS_SELECTOR, "table.zones").text
        check("a reason holding HTML is shown as text", "<script>alert(1)</script>" in table, table)
        try:
            d.switch_to.alert
            check("… and runs nothing (no alert)", False, "an alert is open")
        except NoAlertPresentException:
            check("… and runs nothing (no alert)", True)
        check("… and makes no element", not d.find_elements(By.CSS_SELECTOR, "td script"))
        d.save_screenshot(os.path.join(outdir, "05-html-reason.png"))
    finally:
        d.quit()
    print(f"# browser steps done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])
