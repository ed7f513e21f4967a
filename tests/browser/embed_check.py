"""Loads the embeddable programme of the demo event in headless Chromium (through chromedriver),
checks the rendered text holds all eleven programme items in order, and saves a screenshot."""

import json
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ITEMS = [
    ("9:30 Uhr", "Einführung durch die Moderation"),
    ("9:45 Uhr", "Grußwort und Perspektiven der Kleinstadtentwicklung"),
    ("10:00 Uhr", "Handlungsstrategien für Kleinstädte: Der Kleinstadtbericht des BBSR"),
    ("10:15 Uhr", "Die Kleinstadtakademie durch Kleinstädte aktiv gestalten"),
    ("11:00 Uhr", "„Abstimmungsräume, Netzwerk, Öffentlichkeit, Plattform, Kontinuität“ – "
                  "Das Positionspapier des Beirats der Pilotphase Kleinstadtakademie"),
    ("11:15 Uhr", "Sie sind gefragt! I"),
    ("11:30 Uhr", "Pause"),
    ("12:15 Uhr", "Kleinstädte als Orte der Demokratiebildung"),
    ("12:45 Uhr", "Sie sind gefragt! II"),
    ("13:00 Uhr", "„Kleinstädte gemeinsam stärken“"),
    ("14:00 Uhr", "Verabschiedung"),
]

QUERY = '{ events(filter: { text: "Bundestagung" }, first: 5) { nodes { id startsAt } } }'


def demo_event_id(base):
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        events = json.load(response)["data"]["events"]["nodes"]
    return next(e["id"] for e in events if e["startsAt"].startswith("2022-01-21"))


def main(base, screenshot):
    url = f"{base}/embed/events/{demo_event_id(base)}"
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1024,800", "--lang=de-DE"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    failures = []
    try:
        driver.get(url)
        text = driver.execute_script("return document.body.innerText")
        lang = driver.execute_script("return document.documentElement.lang")
        if lang != "de":
            failures.append(f"lang is {lang!r}")
        position = 0
        for time, title in ITEMS:
            at = text.find(time, position)
            at = text.find(title, at) if at >= 0 else -1
            if at < 0:
                failures.append(f"{time} {title} missing or out of order")
            else:
                position = at
        scripts = driver.execute_script("return document.scripts.length")
        if scripts:
            failures.append(f"{scripts} scripts on the page")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1024, min(max(height + 160, 800), 6000))
        driver.save_screenshot(screenshot)
    finally:
        driver.quit()
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"browser: {1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
