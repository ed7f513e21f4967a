"""Opens GraphiQL at /graphql in headless Chromium that can reach no host but 127.0.0.1 (every other
name is unresolvable and every proxied request goes to a closed port), waits for the schema to
load (the documentation explorer shows the Query type), runs a query of towns from the editor and
finds the town's name in the result pane, sends a header from the headers editor, opens a dialog,
and saves a screenshot. Fails on any Content-Security-Policy violation but the one the dialog's
scroll lock causes, on any console error, and on any request that leaves the loopback address or
fails."""

import json
import sys
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

QUERY = "{ towns(first: 1) { nodes { name } } }"

# Recorded before any script of the page runs (DevTools scripts are outside the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push({
    directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
  });
});
"""


def expected_town(base):
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]["towns"]["nodes"][0]["name"]


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--lang=en-US",
        # Offline but for the server: no name resolves, and whatever still goes out meets a
        # proxy on a closed port.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    return driver


def editor_value(driver, selector):
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.CodeMirror.getValue() : null",
        selector,
    )


def set_editor(driver, selector, text):
    driver.execute_script(
        "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1])", selector, text
    )


def run_and_wait(driver, wait, previous):
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    wait.until(lambda d: (editor_value(d, ".result-window .CodeMirror") or "") not in ("", previous))
    return editor_value(driver, ".result-window .CodeMirror")


def network_problems(driver, base_host):
    """Requests to any host but the server's, and requests that failed."""
    problems = []
    urls = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            parsed = urllib.parse.urlsplit(url)
            if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname != base_host:
                problems.append(f"request to another host: {url}")
        elif message["method"] == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params["requestId"], params["requestId"])
            problems.append(f"request failed ({params.get('errorText')}): {url}")
    return problems


def main(base, screenshot):
    town = expected_town(base)
    base_host = urllib.parse.urlsplit(base).hostname
    driver = browser()
    wait = WebDriverWait(driver, 30)
    failures = []
    try:
        driver.get(f"{base}/graphql")
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-container")))

        # The schema: the documentation explorer lists the root type once introspection is done.
        driver.find_element(
            By.CSS_SELECTOR, "button[aria-label='Show Documentation Explorer']"
        ).click()
        try:
            wait.until(lambda d: any(
                link.text == "Query"
                for link in d.find_elements(By.CSS_SELECTOR, ".graphiql-doc-explorer-type-name")
            ))
        except TimeoutException:
            failures.append("the documentation explorer never showed the Query type")

        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")))
        set_editor(driver, ".graphiql-query-editor .CodeMirror", QUERY)
        try:
            result = run_and_wait(driver, wait, "")
            nodes = json.loads(result)["data"]["towns"]["nodes"]
            if [node["name"] for node in nodes] != [town]:
                failures.append(f"result pane shows {nodes!r}, not {town!r}")
        except (TimeoutException, ValueError, KeyError, TypeError) as error:
            failures.append(f"no result with the town: {error!r}")
        driver.save_screenshot(screenshot)

        # The headers editor reaches the server: a bad bearer token is refused.
        driver.find_element(By.XPATH, "//button[normalize-space()='Headers']").click()
        headers_editor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, headers_editor)))
        set_editor(driver, headers_editor, '{"Authorization": "Bearer not-a-token"}')
        try:
            previous = editor_value(driver, ".result-window .CodeMirror")
            refused = run_and_wait(driver, wait, previous)
            if "UNAUTHENTICATED" not in refused:
                failures.append(f"a bad token was not refused: {refused}")
        except TimeoutException:
            failures.append("no answer with the Authorization header")

        # A dialog opens and closes. Radix's scroll lock then adds a <style> element, which the
        # policy refuses; page.css keeps the body from scrolling anyway. That one refusal is
        # expected, and no other.
        driver.find_element(By.CSS_SELECTOR, "button[aria-label='Open settings dialog']").click()
        try:
            wait.until(lambda d: d.find_elements(By.XPATH, "//*[@role='dialog']//*[normalize-space()='Settings']"))
        except TimeoutException:
            failures.append("the settings dialog did not open")
        time.sleep(1)
        styles = driver.execute_script(
            "return Array.from(document.querySelectorAll('style'), (s) => s.textContent)"
        )
        webdriver.ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        time.sleep(1)
        scroll_lock = bool(styles) and all("with-scroll-bars-hidden" in style for style in styles)
        for violation in driver.execute_script("return window.__violations"):
            if not (
                scroll_lock
                and violation["directive"] == "style-src-elem"
                and violation["blocked"] == "inline"
                and violation["source"].endswith("/graphiql.min.js")
            ):
                failures.append(f"CSP violation: {violation}")
        for entry in driver.get_log("browser"):
            text = entry["message"]
            if "Content Security Policy" in text or entry["level"] == "SEVERE":
                expected = (
                    # The refused token above.
                    ("/graphql " in text and "status of 401" in text)
                    # The scroll lock's <style> element, checked above.
                    or (scroll_lock and "/graphiql.min.js" in text
                        and "Applying inline style violates" in text)
                )
                if not expected:
                    failures.append(f"console {entry['level']}: {text}")
        failures += network_problems(driver, base_host)
    finally:
        driver.quit()
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"graphiql offline: {1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
