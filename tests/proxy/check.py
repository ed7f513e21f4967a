#!/usr/bin/env python3
"""kleinstadt behind a real shared cache (nginx): what is cached, for whom, and for how long.

Python standard library only. Talks to nginx (--proxy) and to kleinstadt itself (--direct); reads
kleinstadt's Prometheus counter `kleinstadt_http_requests_total` from --direct/metrics to prove,
from the server's side, which requests reached it.

Mode `persisted` (the default) checks a persisted GraphQL document fetched with
`GET /graphql?documentId=sha256:<hex>&variables=<JSON>`:
  0. setup: logs in as staff, creates two events whose titles carry a fresh marker, publishes one,
     leaves the other a draft; the document lists the events whose title contains the marker, so
     anonymous callers see one event and staff see both;
  1. the first anonymous GET through the proxy is a MISS with `Cache-Control: public, max-age=N` and
     an ETag; the second is a HIT with the same body, and kleinstadt's request counter did not move;
     another Accept is another variant (Vary: Accept) with its own content type;
  2. a staff edit (updateEvent, with the version read first) straight to kleinstadt: the proxy may
     still serve the old body at once; max-age + 1 s later it serves the new one;
  3. staff GETs of the same URL through the proxy with `Authorization`: never a HIT, `private,
     no-store`, the draft in the body, every one of them seen by kleinstadt; an anonymous GET
     afterwards does not get the staff answer;
  4. `If-None-Match` with the ETag: 304, directly and through the proxy;
  5. answers that must never be stored: POST, an unknown document (`no-store`, never a HIT).

Mode `rest` (--rest-path) runs steps 1, 2 (editing a town's population) and 4 against a public REST
list that is cacheable already (a dry run of the proxy set-up); step 3 needs the GraphQL contract.

  check.py --proxy http://127.0.0.1:8081 --direct http://127.0.0.1:8080 \\
           --document-id sha256:... --document-file tests/proxy/events.graphql --max-age 2
  check.py --proxy ... --direct ... --rest-path '/api/v1/towns?limit=5' --max-age 2
The staff account is taken from KLEINSTADT_EMAIL and KLEINSTADT_PASSWORD.
"""

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class CheckFailed(Exception):
    pass


def say(message):
    print(message, flush=True)


def expect(condition, message, detail=""):
    if not condition:
        raise CheckFailed(f"{message}{': ' + detail if detail else ''}")
    say(f"   ok: {message}")


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: get_all() for repeated headers
        self.body = body

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None

    def header_all(self, name):
        return (self.headers.get_all(name) or []) if self.headers is not None else []

    @property
    def cache(self):
        return self.header("X-Cache-Status") or "-"

    @property
    def cache_control(self):
        return (self.header("Cache-Control") or "").lower()

    @property
    def directives(self):
        return {part.strip().split("=")[0] for part in self.cache_control.split(",") if part.strip()}

    @property
    def vary(self):
        names = set()
        for line in self.header_all("Vary"):
            names.update(part.strip().lower() for part in line.split(",") if part.strip())
        return names

    def json(self):
        return json.loads(self.body)

    def summary(self):
        return (f"HTTP {self.status}, X-Cache-Status {self.cache}, Cache-Control '{self.header('Cache-Control')}', "
                f"ETag {self.header('ETag')}, Content-Type {self.header('Content-Type')}, "
                f"{len(self.body)} B")


def fetch(url, method="GET", headers=None, body=None, timeout=30):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:  # 304, 4xx, 5xx: an answer like any other here
        return Answer(error.code, error.headers, error.read())


def metrics_count(direct, route, method="GET"):
    """Sum of kleinstadt_http_requests_total over every status for one route and method, read
    from kleinstadt itself (never through the proxy)."""
    text = fetch(direct + "/metrics", headers={"Accept": "text/plain"}).body.decode()
    total = 0.0
    for line in text.splitlines():
        if not line.startswith("kleinstadt_http_requests_total{"):
            continue
        labels, _, value = line.rpartition("} ")
        if f'route="{route}"' in labels and f'method="{method}"' in labels:
            total += float(value)
    return int(total)


class Kleinstadt:
    def __init__(self, direct):
        self.direct = direct
        self.token = None

    def login(self, email, password):
        body = json.dumps({"email": email, "password": password}).encode()
        answer = fetch(self.direct + "/api/v1/auth/login", "POST", {"Content-Type": JSON}, body)
        if answer.status != 200:
            raise CheckFailed(f"login as {email} failed: {answer.summary()} {answer.body[:300]!r}")
        self.token = answer.json()["token"]

    def staff_headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def graphql(self, query, variables=None, staff=True):
        headers = {"Content-Type": JSON, "Accept": JSON}
        if staff:
            headers.update(self.staff_headers())
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        answer = fetch(self.direct + "/graphql", "POST", headers, body)
        try:
            doc = answer.json()
        except ValueError:
            raise CheckFailed(f"GraphQL POST: not JSON: {answer.summary()} {answer.body[:300]!r}") from None
        if answer.status != 200 or doc.get("errors"):
            raise CheckFailed(f"GraphQL POST failed: {answer.summary()} {json.dumps(doc)[:500]}")
        return answer, doc["data"]


def get(base, path, accept=JSON, extra=None):
    headers = {"Accept": accept}
    headers.update(extra or {})
    return fetch(base + path, headers=headers)


def step(title):
    say(f"\n== {title}")


# ---------------------------------------------------------------- the shared steps

def check_miss_then_hit(a, path, route, accept, public_max_age):
    """Step 1: MISS (public, max-age, ETag) then HIT unseen by the server. Returns the first answer."""
    before = metrics_count(a.direct, route)
    first = get(a.proxy, path, accept)
    say(f"   proxy, first GET: {first.summary()}")
    expect(first.status == 200, "the first GET through the proxy answers 200")
    expect(first.cache in ("MISS", "EXPIRED"), f"the first GET is a MISS (X-Cache-Status {first.cache})")
    expect("public" in first.directives, f"its Cache-Control is public ('{first.header('Cache-Control')}')")
    expect(f"max-age={public_max_age}" in first.cache_control.replace(" ", ""),
           f"its Cache-Control has max-age={public_max_age}")
    expect(bool(first.header("ETag")), f"it has an ETag ({first.header('ETag')})")
    after_first = metrics_count(a.direct, route)
    expect(after_first - before == 1,
           f"kleinstadt counted the MISS: kleinstadt_http_requests_total{{route=\"{route}\",method=\"GET\"}} "
           f"{before} -> {after_first}")
    second = get(a.proxy, path, accept)
    say(f"   proxy, second GET: {second.summary()}")
    expect(second.cache == "HIT", f"the second identical GET is a HIT (X-Cache-Status {second.cache})")
    expect(second.body == first.body, "with the same body, byte for byte")
    after_second = metrics_count(a.direct, route)
    expect(after_second == after_first,
           f"kleinstadt never saw the HIT: the counter stayed at {after_second}")
    return first


def wait_for_new_body(a, path, accept, old_body, changed, max_age):
    """Step 2 after the edit: the proxy may serve the old body at once, the new one after max-age + 1 s."""
    edited_at = time.monotonic()
    at_once = get(a.proxy, path, accept)
    say(f"   proxy, at once after the edit: {at_once.summary()}")
    if at_once.cache == "HIT":
        expect(at_once.body == old_body, "a HIT at once still serves the stored old body (allowed until max-age)")
    else:
        expect(changed(at_once.body), "a fetch at once already shows the new value")
    wait = max_age + 1 - (time.monotonic() - edited_at)
    if wait > 0:
        say(f"   waiting {wait:.1f} s (max-age {max_age} s + 1 s)")
        time.sleep(wait)
    later = get(a.proxy, path, accept)
    say(f"   proxy, max-age + 1 s after the edit: {later.summary()}")
    expect(later.status == 200, "it answers 200")
    expect(later.cache != "HIT" or later.body != old_body, "the stale entry is not served as a HIT any more")
    expect(changed(later.body), "the proxy's answer shows the new value")
    again = get(a.proxy, path, accept)
    say(f"   proxy, once more: {again.summary()}")
    expect(again.cache == "HIT" and again.body == later.body, "the new answer is cached in turn (HIT, same body)")
    return later


def check_conditional(a, path, accept):
    """Step 4: If-None-Match with the current ETag -> 304, directly and through the proxy."""
    fresh = get(a.direct, path, accept)
    etag = fresh.header("ETag")
    expect(fresh.status == 200 and bool(etag), f"kleinstadt answers 200 with ETag {etag}")
    direct = get(a.direct, path, accept, {"If-None-Match": etag})
    say(f"   direct, If-None-Match {etag}: {direct.summary()}")
    expect(direct.status == 304, "kleinstadt answers 304 Not Modified")
    expect(direct.body == b"", "with no body")
    expect(direct.header("ETag") == etag, "and the same ETag")
    other = get(a.direct, path, accept, {"If-None-Match": '"0000"'})
    expect(other.status == 200, "a different ETag gets the full answer (200)")
    proxied = get(a.proxy, path, accept, {"If-None-Match": etag})
    say(f"   proxy, If-None-Match {etag}: {proxied.summary()}")
    expect(proxied.status == 304, "the proxy answers 304 Not Modified")
    expect(proxied.body == b"", "with no body")


# ---------------------------------------------------------------- persisted GraphQL documents

CREATE_EVENT = "mutation($input: CreateEventInput!) { createEvent(input: $input) { id version title published } }"
PUBLISH_EVENT = "mutation($id: ID!, $v: Int!) { publishEvent(id: $id, expectedVersion: $v) { id version published } }"
READ_EVENT = "query($id: ID!) { event(id: $id) { id version title published } }"
UPDATE_EVENT = (
    "mutation($id: ID!, $v: Int!, $input: UpdateEventInput!) "
    "{ updateEvent(id: $id, expectedVersion: $v, input: $input) { id version title } }"
)


def persisted(a, args):
    step("0. setup: staff login, two events (one published, one draft), the persisted document")
    document = None
    if args.document_file:
        with open(args.document_file, "rb") as f:
            document = f.read()
        digest = "sha256:" + hashlib.sha256(document).hexdigest()
        expect(args.document_id == digest,
               f"the registered id is sha256 of the document's bytes ({args.document_id})")
    marker = "Proxyprobe " + uuid.uuid4().hex[:10]
    public_title, draft_title, new_title = f"{marker} öffentlich", f"{marker} Entwurf", f"{marker} geändert"
    _, data = a.k.graphql(CREATE_EVENT, {"input": {"title": public_title, "startsAt": "2031-05-04T10:00:00Z"}})
    public_event = data["createEvent"]
    _, data = a.k.graphql(PUBLISH_EVENT, {"id": public_event["id"], "v": public_event["version"]})
    expect(data["publishEvent"]["published"], f"published event {public_event['id']} '{public_title}'")
    _, data = a.k.graphql(CREATE_EVENT, {"input": {"title": draft_title, "startsAt": "2031-05-05T10:00:00Z"}})
    draft_event = data["createEvent"]
    expect(not draft_event["published"], f"draft event {draft_event['id']} '{draft_title}'")

    variables = json.dumps({"text": marker}, separators=(",", ":"), ensure_ascii=False)
    path = "/graphql?" + urllib.parse.urlencode({"documentId": args.document_id, "variables": variables})
    say(f"   URL: {path}")
    route = "/graphql"
    if document is not None:
        # The same document POSTed as text, anonymously and as staff: what the GETs must answer.
        _, anonymous = a.k.graphql(document.decode(), {"text": marker}, staff=False)
        _, staff = a.k.graphql(document.decode(), {"text": marker}, staff=True)
        say(f"   POST, anonymous: {json.dumps(anonymous, ensure_ascii=False)}")
        say(f"   POST, staff: {json.dumps(staff, ensure_ascii=False)}")
        expect(public_title in json.dumps(anonymous, ensure_ascii=False)
               and draft_title not in json.dumps(anonymous, ensure_ascii=False),
               "anonymous callers see the published event only")
        expect(draft_title in json.dumps(staff, ensure_ascii=False), "staff also see the draft")

    def text(answer):
        return answer.body.decode("utf-8", "replace")

    step("1. anonymous persisted GET: MISS, then HIT that kleinstadt never sees")
    direct = get(a.direct, path, GRAPHQL_RESPONSE)
    say(f"   direct: {direct.summary()}, Vary {direct.header_all('Vary')}")
    body = direct.body[:400].decode("utf-8", "replace")
    expect(direct.status == 200, "kleinstadt answers the persisted GET with 200", body)
    expect((direct.header("Content-Type") or "").startswith(GRAPHQL_RESPONSE),
           f"as {GRAPHQL_RESPONSE} when asked for it", body)
    expect(not direct.json().get("errors"), "without errors", body)
    if document is not None:
        expect(direct.json().get("data") == anonymous, "with the same data as the anonymous POST of the document")
    expect({"accept", "authorization"} <= direct.vary, f"Vary names Accept and Authorization ({direct.header_all('Vary')})")
    vary_lines = direct.header_all("Vary")
    if len(vary_lines) > 1:
        # nginx 1.22 (Debian 12) keys its variants on the LAST Vary line only; nginx >= 1.23 joins them.
        say(f"   note: {len(vary_lines)} Vary lines; nginx 1.22 uses only the last one: {vary_lines[-1]!r}")
    first = check_miss_then_hit(a, path, route, GRAPHQL_RESPONSE, args.max_age)
    expect(public_title in text(first) and draft_title not in text(first), "the cached answer is the public one")

    variant = get(a.proxy, path, JSON)
    say(f"   proxy, Accept: {JSON}: {variant.summary()}")
    expect(variant.cache != "HIT", "another Accept is another variant: not a HIT of the first")
    expect((variant.header("Content-Type") or "").startswith(JSON), f"answered as {JSON}")
    variant_again = get(a.proxy, path, JSON)
    expect((variant_again.header("Content-Type") or "").startswith(JSON),
           f"the repeated {JSON} GET ({variant_again.cache}) is answered as {JSON} again")
    back = get(a.proxy, path, GRAPHQL_RESPONSE)
    expect((back.header("Content-Type") or "").startswith(GRAPHQL_RESPONSE),
           f"and {GRAPHQL_RESPONSE} ({back.cache}) as {GRAPHQL_RESPONSE}")

    step("2. a staff edit straight to kleinstadt; the proxy follows within max-age + 1 s")
    _, data = a.k.graphql(READ_EVENT, {"id": public_event["id"]})
    version = data["event"]["version"]
    _, data = a.k.graphql(UPDATE_EVENT, {"id": public_event["id"], "v": version, "input": {"title": new_title}})
    expect(data["updateEvent"]["title"] == new_title,
           f"updateEvent (expectedVersion {version}) renamed the event to '{new_title}'")
    old_etag = first.header("ETag")
    later = wait_for_new_body(a, path, GRAPHQL_RESPONSE, first.body,
                              lambda body: new_title in body.decode() and public_title not in body.decode(),
                              args.max_age)
    expect(later.header("ETag") != old_etag, f"with a new ETag ({old_etag} -> {later.header('ETag')})")

    step("3. staff through the proxy: never the public answer, never stored")
    staff_headers = a.k.staff_headers()
    before = metrics_count(a.direct, route)
    for attempt in (1, 2, 3):
        answer = get(a.proxy, path, GRAPHQL_RESPONSE, staff_headers)
        say(f"   proxy, staff GET {attempt}: {answer.summary()}")
        expect(answer.status == 200, "answers 200")
        expect(answer.cache != "HIT", f"is not a HIT (X-Cache-Status {answer.cache})")
        expect("private" in answer.directives and "no-store" in answer.directives,
               f"Cache-Control is private, no-store ('{answer.header('Cache-Control')}')")
        expect(draft_title in text(answer) and new_title in text(answer), "shows the draft beside the public event")
    after = metrics_count(a.direct, route)
    expect(after - before == 3, f"kleinstadt answered all three staff GETs itself (counter {before} -> {after})")
    direct_staff = get(a.direct, path, GRAPHQL_RESPONSE, staff_headers)
    expect("private" in direct_staff.directives and "no-store" in direct_staff.directives,
           f"direct staff GET: Cache-Control '{direct_staff.header('Cache-Control')}'")
    anonymous_after = get(a.proxy, path, GRAPHQL_RESPONSE)
    say(f"   proxy, anonymous GET after the staff GETs: {anonymous_after.summary()}")
    expect(anonymous_after.status == 200 and new_title in text(anonymous_after), "answers the public event")
    expect(draft_title not in text(anonymous_after), "and not the staff answer (no draft)")

    step("4. conditional GET: If-None-Match with the ETag")
    check_conditional(a, path, GRAPHQL_RESPONSE)

    step("5. answers that are never stored")
    if document is not None:
        post = fetch(a.direct + "/graphql", "POST", {"Content-Type": JSON, "Accept": GRAPHQL_RESPONSE},
                     json.dumps({"query": document.decode(), "variables": {"text": marker}}).encode())
        expect("no-store" in post.directives, f"an anonymous POST: Cache-Control '{post.header('Cache-Control')}'")
    unknown = "/graphql?" + urllib.parse.urlencode(
        {"documentId": "sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest(), "variables": variables})
    for attempt in (1, 2):
        answer = get(a.proxy, unknown, GRAPHQL_RESPONSE)
        say(f"   proxy, unknown document id, GET {attempt}: {answer.summary()} {answer.body[:200]!r}")
        expect(b'"errors"' in answer.body, "answers with errors")
        expect("public" not in answer.directives and "no-store" in answer.directives,
               f"Cache-Control is no-store ('{answer.header('Cache-Control')}')")
        expect(answer.cache != "HIT", "and is never a HIT")


# ---------------------------------------------------------------- REST dry run

READ_TOWN = "query($id: ID!) { node(id: $id) { ... on Town { id version name population } } }"
UPDATE_TOWN = (
    "mutation($id: ID!, $v: Int!, $input: UpdateTownInput!) "
    "{ updateTown(id: $id, expectedVersion: $v, input: $input) { id version population } }"
)


def rest(a, args):
    path = args.rest_path
    route = urllib.parse.urlsplit(path).path
    step(f"1. anonymous REST GET {path}: MISS, then HIT that kleinstadt never sees")
    first = check_miss_then_hit(a, path, route, JSON, args.max_age)
    town = first.json()["items"][0]
    say(f"   first item: {town['id']} {town['name']} population {town['population']}")

    step("2. a staff edit straight to kleinstadt (updateTown population); the proxy follows")
    _, data = a.k.graphql(READ_TOWN, {"id": town["id"]})
    version, population = data["node"]["version"], data["node"]["population"]
    new_population = population + 1000 + uuid.uuid4().int % 1000
    _, data = a.k.graphql(UPDATE_TOWN, {"id": town["id"], "v": version, "input": {"population": new_population}})
    expect(data["updateTown"]["population"] == new_population,
           f"updateTown (expectedVersion {version}): population {population} -> {new_population}")

    def changed(body):
        return json.loads(body)["items"][0]["population"] == new_population

    wait_for_new_body(a, path, JSON, first.body, changed, args.max_age)

    step("3. staff through the proxy: skipped (the REST API has no staff answers; needs the GraphQL contract)")

    step("4. conditional GET: If-None-Match with the ETag")
    check_conditional(a, path, JSON)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proxy", required=True, help="nginx in front of kleinstadt, e.g. http://127.0.0.1:8081")
    ap.add_argument("--direct", required=True, help="kleinstadt itself, e.g. http://127.0.0.1:8080")
    ap.add_argument("--max-age", type=int, default=2, help="kleinstadt's HTTP_CACHE_MAX_AGE")
    ap.add_argument("--document-id", help="sha256:<hex> of the registered document (mode persisted)")
    ap.add_argument("--document-file", help="the registered document, to check its id and POST it for comparison")
    ap.add_argument("--rest-path", help="mode rest: a cacheable public REST path, e.g. /api/v1/towns?limit=5")
    args = ap.parse_args()
    if not args.rest_path and not args.document_id:
        ap.error("give --document-id (persisted documents) or --rest-path (REST dry run)")
    email, password = os.environ.get("KLEINSTADT_EMAIL"), os.environ.get("KLEINSTADT_PASSWORD")
    if not email or not password:
        ap.error("KLEINSTADT_EMAIL and KLEINSTADT_PASSWORD must name a staff account")

    a = argparse.Namespace(proxy=args.proxy.rstrip("/"), direct=args.direct.rstrip("/"),
                           k=Kleinstadt(args.direct.rstrip("/")))
    try:
        a.k.login(email, password)
        if args.rest_path:
            rest(a, args)
        else:
            persisted(a, args)
    except CheckFailed as failure:
        say(f"\nFAIL: {failure}")
        return 1
    say("\nall proxy checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
