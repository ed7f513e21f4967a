#!/usr/bin/env python3
"""Every public read, generated: a seeded set of GraphQL queries over the public root lists and
every public relation field, verified on SQLite and PostgreSQL, with the SQL statements each
answer costs and (unless --smoke) its requests per second under load. Python 3 standard library
only; drives wrk.

Steps:
  1. data: the bundle (--bundle, else bench/out/bundle.json when bench/run.sh left one, else one
     generated with gen_data.py and its default seed) loaded with `kleinstadt migrate` and
     `kleinstadt import-bundle` into a fresh SQLite file and into a fresh PostgreSQL database
     (created from --pg-url, ANALYZEd, dropped at the end), or --database-url as it is;
  2. `kleinstadt serve` per backend on loopback, with every cache it has off
     (RESPONSE_CACHE_MIB=0) and no rate limit for anonymous callers;
  3. the schema by introspection (anonymous, from the SQLite server); every relation field of the
     record types the public root lists reach is probed once, anonymously: fields that are staff
     only (by their description, or FORBIDDEN / null for anonymous callers) are left out;
  4. --count queries from --seed: a root list, 1-4 relation hops below it (fields not yet
     covered first), page sizes 5-50 within the complexity limit, filters and orderings on the
     root lists, named and inline fragments, aliases, one relation twice with two page sizes;
  5. every query once per backend: HTTP 200, no errors, data; the answers equal on both backends;
  6. SQL statements per answer (kleinstadt_db_statements_total of /metrics before and after, the
     least of three tries): never more than the relation fields of the query;
  7. unless --smoke: per backend and query, wrk (warm-up, then the measured run; every response
     checked by wrk_post.lua), server CPU per answer, and GET /health the same way at the start,
     after every 50 queries and at the end: the share of a query is its rate over /health's.
Prints a markdown summary (also --markdown), writes --json. Exits 1 when a check fails.

  bench/general.py --binary target/release/kleinstadt                 # 200 queries, 3 s each, c=32
  bench/general.py --binary target/release/kleinstadt --smoke         # answers and statements only
  bench/general.py --binary target/release/kleinstadt --only g001,g017
  bench/general.py --binary target/release/kleinstadt --list          # the generated queries
  bench/general.py --binary target/release/kleinstadt --ceiling       # answer cache on: the ceiling
"""
import argparse
import base64
import copy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)
from bench import cpu_seconds, post  # noqa: E402  (bench.py beside this file)
from persisted import free_port, log  # noqa: E402  (persisted.py beside this file)
import gen_data  # noqa: E402  (the words the generated data is made of)

DEFAULT_SEED = 20261206
# The server's limits, set explicitly on the servers this script starts.
MAX_COMPLEXITY = 20_000
MAX_DEPTH = 16
MIN_PAGE, MAX_PAGE = 5, 50
# The public root lists of Query; every one must exist.
ROOTS = ["towns", "states", "modelProjects", "projectCalls", "events", "sessions", "people",
         "organisations", "documents"]
# Root fields that are not public record lists (staff only, or not lists of records).
NOT_ROOTS = ["auditLog", "users", "webhookEndpoints", "persistedDocuments", "changes", "search",
             "network", "statistics"]
STAFF_TEXT = re.compile(r"staff only|staff-only|administrators only|requires (a|an|the) [\w-]+ role|FORBIDDEN",
                        re.IGNORECASE)
DENIED = {"FORBIDDEN", "UNAUTHENTICATED"}
# The record type an ID filter names, by the filter field's name.
ID_FILTER_TYPES = {"town": "Town", "modelProject": "ModelProject", "organisation": "Organisation",
                   "organiser": "Organisation", "publisher": "Organisation", "partner": "Organisation",
                   "event": "Event", "author": "Person", "projectCall": "ProjectCall", "session": "Session",
                   "person": "Person"}
# Lists without page arguments that the server's complexity rule counts as this many items.
WHOLE_LISTS = {"Query.states": 16}
HEALTH_EVERY = 50
# Answer sizes the summary groups the queries by: label, from (bytes), below (bytes).
SIZE_BUCKETS = [("under 2 KiB", 0, 2048), ("2–10 KiB", 2048, 10240), ("10–50 KiB", 10240, 51200),
                ("50 KiB and more", 51200, float("inf"))]
# --ceiling: room for every generated answer, so that each is computed once and then served stored.
CEILING_CACHE_MIB = "1024"
# Scalars whose value is the time the row was loaded: not compared between the backends, which are
# loaded one after the other.
LOAD_TIME_FIELDS = {"updatedAt"}

# Scalars whose value comes from a related record, by (type, scalar): the relation they read. A
# session's local times are in its event's time zone, so showing one reads `Session.event`.
IMPLIED = {
    ("Session", "startsAtLocal"): "event",
    ("Session", "endsAtLocal"): "event",
}

INTROSPECTION = """query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"""


# ---------------------------------------------------------------- processes and HTTP

def run(cmd, work, name, env=None):
    """Runs a command with its output in WORK/NAME.log; returns that output, or raises showing it."""
    path = os.path.join(work, f"{name}.log")
    with open(path, "w+b") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"{name} failed ({p.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    return text


def import_report(text):
    """The JSON report that ends the output of `kleinstadt import-bundle` (None if there is none)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line == "{"]
    if not starts:
        return None
    try:
        return json.loads("\n".join(lines[starts[-1]:]))
    except ValueError:
        return None


def http_get(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        quiet = {"stdout": subprocess.DEVNULL, "stdin": subprocess.DEVNULL, "env": env}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, **quiet)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian: apt-get install wrk)")


def wrk(url, script, env_extra, conc, seconds):
    """One wrk run (2 threads at most) with a checking script; returns its WRK_JSON totals."""
    threads = max(1, min(2, conc))
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{seconds}s", "--timeout", "10s",
           "-s", os.path.join(HERE, script), url]
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **env_extra))
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stderr[-500:]}")
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {p.stdout[-500:]} {p.stderr[-500:]}")
    return json.loads(line[len("WRK_JSON "):])


class Backend:
    """A database and `kleinstadt serve` on it."""

    def __init__(self, name, url):
        self.name = name
        self.db_url = url
        self.proc = None
        self.port = None
        self.log = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql(self):
        return self.base + "/graphql"

    def start(self, binary, env, work):
        self.port = free_port()
        self.log = open(os.path.join(work, f"server-{self.name}.log"), "wb")
        env = dict(env, DATABASE_URL=self.db_url, BIND_ADDR=f"127.0.0.1:{self.port}")
        self.proc = subprocess.Popen([binary, "serve"], stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.name} server exited with {self.proc.returncode}; "
                                   f"log: {self.log.name}")
            try:
                if http_get(self.base + "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the {self.name} server did not answer /health within 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None

    def ask(self, text, name=None):
        """POSTs a query anonymously: (HTTP status, raw body, parsed body or None)."""
        body = {"query": text}
        if name:
            body["operationName"] = name
        status, raw = post(self.graphql, json.dumps(body, ensure_ascii=False).encode())
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        return status, raw, doc

    def statements(self):
        status, raw = http_get(self.base + "/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics of {self.name}: HTTP {status}")
        total, seen = 0, False
        for line in raw.decode("utf-8", "replace").splitlines():
            m = re.match(r"^kleinstadt_db_statements_total(?:\{[^}]*\})?\s+(\S+)", line)
            if m:
                total += float(m.group(1))
                seen = True
        if not seen:
            raise RuntimeError(f"/metrics of {self.name} has no kleinstadt_db_statements_total")
        return int(total)


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError(f"psql failed: {sql}\n{p.stderr.strip()}")
    return p.stdout.strip()


def database_url(admin_url, name):
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


# ---------------------------------------------------------------- the schema

def unwrap(ref):
    """(name, kind, is_list) of a type reference."""
    is_list = False
    while ref.get("ofType"):
        if ref["kind"] == "LIST":
            is_list = True
        ref = ref["ofType"]
    return ref["name"], ref["kind"], is_list


def required(ref):
    return ref["kind"] == "NON_NULL"


class Rel:
    """A relation field: from a record type to records (a connection, a list or one object)."""

    def __init__(self, schema, owner, field):
        self.owner = owner
        self.name = field["name"]
        self.field = field
        self.args = {a["name"]: a for a in field["args"]}
        target, _, is_list = unwrap(field["type"])
        self.type_name = target
        fields = schema.fields(target)
        if "edges" in fields and "nodes" in fields:
            self.kind = "connection"
            self.node = unwrap(fields["nodes"]["type"])[0]
            self.edge = unwrap(fields["edges"]["type"])[0]
            self.edge_scalars = [f["name"] for f in schema.types[self.edge]["fields"]
                                 if f["name"] != "cursor" and not f["args"]
                                 and unwrap(f["type"])[1] in ("SCALAR", "ENUM")]
            self.has_total = "totalCount" in fields
            self.has_page_info = "pageInfo" in fields
        else:
            self.kind = "list" if is_list else "object"
            self.node = target
            self.edge, self.edge_scalars, self.has_total, self.has_page_info = None, [], False, False
        self.nullable = not required(field["type"])

    @property
    def key(self):
        return f"{self.owner}.{self.name}"


class Schema:
    def __init__(self, data):
        self.types = {t["name"]: t for t in data["__schema"]["types"]}
        self.query = data["__schema"]["queryType"]["name"]

    def fields(self, name):
        return {f["name"]: f for f in (self.types[name].get("fields") or [])}

    def relations(self, name):
        """The relation fields of a type, by name (sorted)."""
        out = {}
        for fname, f in sorted(self.fields(name).items()):
            target, kind, _ = unwrap(f["type"])
            if kind == "OBJECT" and fname != "pageInfo":
                out[fname] = Rel(self, name, f)
        return out

    def scalars(self, name):
        """Scalar and enum fields without arguments, in schema order."""
        return [f["name"] for f in self.fields(name).values()
                if not f["args"] and unwrap(f["type"])[1] in ("SCALAR", "ENUM")]

    def enum_values(self, name):
        return [v["name"] for v in self.types[name]["enumValues"]]


# ---------------------------------------------------------------- probing what anonymous callers see

def path_query(steps, inner, page=5):
    """A query that follows STEPS (Rels from a root) and puts INNER (lines) into the last type."""
    def level(i):
        if i == len(steps):
            return list(inner)
        rel = steps[i]
        body = ["id"] + level(i + 1)
        args = f"(first: {page})" if "first" in rel.args else ""
        if rel.kind == "connection":
            return [f"{rel.name}{args} {{", "nodes {", *body, "}", "}"]
        return [f"{rel.name}{args} {{", *body, "}"]
    return "query probe {\n" + "\n".join(level(0)) + "\n}"


def follow(data, steps):
    """The objects of the last type reached by STEPS in an answer."""
    cur = [data]
    for rel in steps:
        nxt = []
        for o in cur:
            v = o.get(rel.name) if isinstance(o, dict) else None
            if v is None:
                continue
            if rel.kind == "connection":
                nxt.extend(v.get("nodes") or [])
            elif rel.kind == "list":
                nxt.extend(v)
            else:
                nxt.append(v)
        cur = nxt
    return cur


def error_codes(doc, name):
    """(code, message) of the errors whose path ends at field NAME (by response key)."""
    out = []
    for e in (doc or {}).get("errors") or []:
        path = e.get("path") or []
        if name in [p for p in path if isinstance(p, str)][-1:]:
            out.append(((e.get("extensions") or {}).get("code"), e.get("message")))
    return out


def probe(schema, server):
    """Walks the record types from the root lists; probes every relation field once, anonymously.
    Returns (public relations by type, excluded {key: reason}, public scalars by type, probe log,
    probe failures)."""
    query_rels = schema.relations(schema.query)
    for root in ROOTS:
        if root not in query_rels or query_rels[root].kind != "connection":
            raise RuntimeError(f"Query.{root} is missing or not a connection")
    paths, order = {}, []
    for root in ROOTS:
        rel = query_rels[root]
        if rel.node not in paths:
            paths[rel.node] = [rel]
            order.append(rel.node)
    public, excluded, scalars, notes, failures = {}, {}, {}, [], []
    i = 0
    while i < len(order):
        t = order[i]
        i += 1
        steps = paths[t]
        # scalars: everything at once; on an error, each on its own
        names = schema.scalars(t)
        ok_names = []
        status, _, doc = server.ask(path_query(steps, names))
        if status == 200 and doc and not doc.get("errors"):
            ok_names = names
        else:
            for n in names:
                status, _, doc = server.ask(path_query(steps, [n]))
                codes = error_codes(doc, n)
                if status == 200 and doc and not doc.get("errors"):
                    ok_names.append(n)
                elif codes and all(c in DENIED for c, _ in codes):
                    notes.append(f"scalar {t}.{n} left out: {codes[0][0]} for anonymous callers")
                else:
                    failures.append(f"probe of {t}.{n}: HTTP {status} {json.dumps((doc or {}).get('errors'))[:300]}")
        scalars[t] = ok_names
        public[t] = {}
        for fname, rel in schema.relations(t).items():
            reasons = []
            if STAFF_TEXT.search(rel.field.get("description") or ""):
                reasons.append("description: " + " ".join((rel.field["description"] or "").split()))
            args = "(first: 3)" if "first" in rel.args else ""
            status, _, doc = server.ask(path_query(steps, [f"{fname}{args} {{ __typename }}"]))
            codes = error_codes(doc, fname)
            if status != 200 or doc is None:
                failures.append(f"probe of {rel.key}: HTTP {status}")
            elif codes and all(c in DENIED for c, _ in codes):
                reasons.append(f"probe: {codes[0][0]} for anonymous callers")
            elif doc.get("errors"):
                failures.append(f"probe of {rel.key}: {json.dumps(doc['errors'], ensure_ascii=False)[:400]}")
            else:
                parents = follow(doc.get("data"), steps)
                values = [p.get(fname) for p in parents if isinstance(p, dict)]
                if not values:
                    notes.append(f"{rel.key}: no records on the way to probe it ({' > '.join(s.key for s in steps)})")
                elif rel.kind == "connection" and all(v is None for v in values):
                    reasons.append(f"probe: null for anonymous callers ({len(values)} records)")
            if reasons:
                excluded[rel.key] = reasons
                continue
            public[t][fname] = rel
            if rel.node not in paths:
                paths[rel.node] = steps + [rel]
                order.append(rel.node)
    return public, excluded, scalars, notes, failures


# ---------------------------------------------------------------- the generator

def global_id(type_name, row):
    return base64.b64encode(f"{type_name}:{row}".encode()).decode().rstrip("=")


class Sel:
    """The selection on one record type."""

    def __init__(self, type_name):
        self.type = type_name
        self.scalars = []  # (alias or None, field)
        self.rels = []  # RelSel
        self.wrap = None  # None, ("fragment", name) or ("inline",)


class RelSel:
    def __init__(self, rel, child):
        self.rel = rel
        self.child = child
        self.alias = None
        self.first = None
        self.args = []  # (name, GraphQL literal) besides first
        self.shape = "nodes"
        self.edge_fields = []
        self.total = False
        self.page_info = False
        self.extra = False  # a sibling or second copy, not on the main path


def literal(value):
    """A Python value as a GraphQL literal; enum values are wrapped in Enum."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


class Enum:
    def __init__(self, name):
        self.name = name


class Facts:
    """What the generator knows about the data: row ids worth filtering by, and words in it."""

    def __init__(self, bundle):
        rows = {}
        for kind, type_name in (("towns", "Town"), ("organisations", "Organisation"), ("people", "Person"),
                                ("model_projects", "ModelProject"), ("events", "Event"),
                                ("sessions", "Session"), ("contributions", "Contribution")):
            rows[type_name] = {r["key"]: n for n, r in enumerate(bundle.get(kind) or [], start=1)}
        self.counts = {t: len(v) for t, v in rows.items()}
        for t in ("ProjectCall", "Document", "State"):
            self.counts.setdefault(t, 0)
        self.counts["State"] = 16
        town, org, person = rows["Town"], rows["Organisation"], rows["Person"]
        project, event = rows["ModelProject"], rows["Event"]

        def ids(table, keys):
            return sorted({table[k] for k in keys if k in table})

        contributors = {c["person"] for c in bundle.get("contributions") or []}
        people = [p for p in bundle.get("people") or [] if p["key"] in contributors]
        projects = bundle.get("model_projects") or []
        events = bundle.get("events") or []
        orgs = bundle.get("organisations") or []
        # (root list, filter field) -> row ids with matches; other ID filters take any existing row
        self.useful = {
            ("towns", "modelProject"): ids(project, [p["key"] for p in projects]),
            ("modelProjects", "town"): ids(town, [t["town"] for p in projects for t in p["towns"]]),
            ("modelProjects", "partner"): ids(org, [o["organisation"] for p in projects for o in p["partners"]]),
            ("events", "town"): ids(town, [e["town"] for e in events if e.get("town")]),
            ("events", "organiser"): ids(org, [o["organisation"] for e in events for o in e["organisers"]]),
            ("events", "modelProject"): ids(project, [e["model_project"] for e in events if e.get("model_project")]),
            ("sessions", "event"): ids(event, [e["key"] for e in events]),
            ("people", "organisation"): ids(org, [p["organisation"] for p in people if p.get("organisation")]),
            ("people", "town"): ids(town, [p["town"] for p in people if p.get("town")]),
            ("organisations", "town"): ids(town, [o["town"] for o in orgs if o.get("town")]),
        }
        self.any_person = ids(person, sorted(contributors))
        suffixes = ["berg", "burg", "dorf", "feld", "hausen", "heim", "stadt", "bach", "au"]
        topics = list(gen_data.TOPICS)
        self.words = {
            "Town": suffixes,
            "ModelProject": topics + ["Modellvorhaben", "Partnerstädten"],
            "Event": topics + list(gen_data.EVENT_KIND),
            "Session": topics + [k.capitalize() for k in gen_data.SESSION_KIND],
            "Person": list(gen_data.FIRST[:8]) + list(gen_data.LAST[:8]),
            "Organisation": ["Stadt", "Verein", "Institut", "Netzwerk", "Hochschule", "Stiftung", "Agentur"]
            + [s for s in suffixes[:4]],
            "Document": topics,
        }
        self.default_words = ["Innenstadt", "stadt", "berg"]


class Generator:
    def __init__(self, schema, public, scalars, facts, seed):
        self.schema = schema
        self.public = public  # type -> {field: Rel}
        self.scalars = scalars  # type -> [field]
        self.facts = facts
        self.rng = random.Random(seed)
        self.covered = {}  # "Type.field" -> count
        self.all_rels = sorted(f"{t}.{f}" for t, fs in public.items() for f in fs)
        query_rels = schema.relations(schema.query)
        self.roots = [query_rels[r] for r in ROOTS]

    # -- coverage-aware choice
    def distance_to_uncovered(self, pending):
        """type -> hops to the nearest type with an uncovered relation field (0: its own)."""
        dist = {}
        for t, fs in self.public.items():
            if any(f"{t}.{f}" not in self.covered and f"{t}.{f}" not in pending for f in fs):
                dist[t] = 0
        changed = True
        while changed:
            changed = False
            for t, fs in sorted(self.public.items()):
                for rel in fs.values():
                    if rel.node in dist and dist.get(t, 1 << 30) > dist[rel.node] + 1:
                        dist[t] = dist[rel.node] + 1
                        changed = True
        return dist

    def choose_rel(self, type_name, hops_left, pending, avoid=()):
        rels = [r for f, r in sorted(self.public.get(type_name, {}).items()) if f not in avoid]
        if not rels:
            return None
        fresh = [r for r in rels if r.key not in self.covered and r.key not in pending]
        if fresh:
            return self.rng.choice(fresh)
        dist = self.distance_to_uncovered(pending)
        toward = [r for r in rels if dist.get(r.node, 1 << 30) <= hops_left - 1]
        if toward:
            best = min(dist[r.node] for r in toward)
            return self.rng.choice([r for r in toward if dist[r.node] == best])
        return self.rng.choice(rels)

    # -- building
    def pick_scalars(self, type_name):
        names = self.scalars.get(type_name) or []
        others = [n for n in names if n != "id"]
        k = min(len(others), self.rng.randint(1, 4))
        chosen = set(self.rng.sample(others, k))
        return [(None, n) for n in names if n == "id" or n in chosen]

    def build(self, type_name, hops, pending):
        sel = Sel(type_name)
        sel.scalars = self.pick_scalars(type_name)
        if hops <= 0:
            return sel
        rel = self.choose_rel(type_name, hops, pending)
        if rel is None:
            return sel
        pending.add(rel.key)
        sel.rels.append(self.rel_sel(rel, self.build(rel.node, hops - 1, pending)))
        if self.rng.random() < 0.25:
            second = self.choose_rel(type_name, hops, pending, avoid={rel.name})
            if second is not None:
                pending.add(second.key)
                rs = self.rel_sel(second, self.build(second.node, self.rng.randint(0, hops - 1), pending))
                rs.extra = True
                sel.rels.append(rs)
        return sel

    def rel_sel(self, rel, child, root=None):
        rs = RelSel(rel, child)
        if "first" in rel.args:
            rs.first = self.rng.randint(MIN_PAGE, MAX_PAGE)
        if rel.kind == "connection":
            rs.shape = self.rng.choice(["nodes", "edges"])
            if rs.shape == "edges":
                rs.edge_fields = ["cursor"] + [f for f in rel.edge_scalars if self.rng.random() < 0.6]
            rs.total = rel.has_total and self.rng.random() < 0.3
            rs.page_info = rel.has_page_info and self.rng.random() < 0.3
        for arg in ("filter", "orderBy"):
            if arg in rel.args and self.rng.random() < 0.5:
                value = self.arg_value(rel, rel.args[arg], root or rel.name)
                if value is not None:
                    rs.args.append((arg, literal(value)))
        return rs

    def arg_value(self, rel, arg, root):
        name, kind, is_list = unwrap(arg["type"])
        if kind == "ENUM":
            values = self.schema.enum_values(name)
            return [Enum(self.rng.choice(values))] if is_list else Enum(self.rng.choice(values))
        if kind != "INPUT_OBJECT":
            return None
        fields = [f for f in self.schema.types[name]["inputFields"]
                  if not STAFF_TEXT.search(f.get("description") or "")]
        usable = [f for f in fields if self.input_value(f, root, rel, probe_only=True)]
        if not usable:
            return None
        chosen = self.rng.sample(usable, min(len(usable), self.rng.randint(1, 2)))
        chosen_names = {f["name"] for f in chosen}
        out = {}
        for f in fields:  # in schema order
            if f["name"] in chosen_names:
                out[f["name"]] = self.input_value(f, root, rel)
        # a range given by both ends goes from the lower to the higher
        for low, high in (("populationMin", "populationMax"), ("from", "to")):
            if low in out and high in out and out[low] > out[high]:
                out[low], out[high] = out[high], out[low]
        return out

    def input_value(self, f, root, rel, probe_only=False):
        name, kind, is_list = unwrap(f["type"])
        fname, rng = f["name"], self.rng
        if kind == "ENUM":
            if probe_only:
                return True
            values = self.schema.enum_values(name)
            if is_list:
                k = rng.randint(1, min(3, len(values)))
                chosen = set(rng.sample(values, k))
                return [Enum(v) for v in values if v in chosen]
            return Enum(rng.choice(values))
        if kind != "SCALAR" or is_list:
            return None
        if name == "Boolean":
            return True if probe_only else rng.random() < 0.5
        if name == "DateTime":
            if probe_only:
                return True
            return f"{rng.randint(2018, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z"
        if name == "Int":
            if fname.startswith("population"):
                return True if probe_only else rng.randint(5000, 20000)
            if fname == "year":
                return True if probe_only else rng.randint(2018, 2030)
            return None
        if name == "String":
            if probe_only:
                return True
            words = self.facts.words.get(rel.node, self.facts.default_words)
            return rng.choice(words)
        if name == "ID":
            target = ID_FILTER_TYPES.get(fname)
            if target is None:
                return None
            rows = self.facts.useful.get((root, fname))
            if not rows:
                rows = self.facts.any_person if target == "Person" else list(range(1, self.facts.counts.get(target, 0) + 1))
            if not rows:
                return None
            return True if probe_only else global_id(target, rng.choice(rows))
        return None

    # -- shaping
    def levels(self, sel, depth=0, out=None):
        """(Sel, depth) in pre-order."""
        out = [] if out is None else out
        out.append((sel, depth))
        for rs in sel.rels:
            self.levels(rs.child, depth + 1, out)
        return out

    def rel_sels(self, sel, depth=0, parent=None, out=None):
        """(RelSel, depth of its child, parent Sel) in pre-order."""
        out = [] if out is None else out
        for rs in sel.rels:
            out.append((rs, depth + 1, sel))
            self.rel_sels(rs.child, depth + 1, sel, out)
        return out

    def implied(self, sel):
        """The relations a level reads for a scalar it shows (see IMPLIED), where it does not
        select that relation itself: each is one more relation of the query."""
        out = []
        for level, _ in self.levels(sel):
            shown = {name for _, name in level.scalars}
            selected = {rs.rel.name for rs in level.rels}
            read = sorted({relation for (type_name, scalar), relation in IMPLIED.items()
                           if level.type == type_name and scalar in shown and relation not in selected})
            out.extend((level.type, relation) for relation in read)
        return out

    def duplicate(self, top):
        """One connection relation below the root selected twice, with two aliases and page sizes."""
        cands = [(rs, parent) for rs, _, parent in self.rel_sels(top.child)
                 if rs.rel.kind == "connection" and rs.first is not None]
        if not cands:
            return False
        rs, parent = self.rng.choice(cands)
        twin = copy.deepcopy(rs)
        sizes = self.rng.sample(range(MIN_PAGE, MAX_PAGE + 1), 2)
        rs.first, twin.first = min(sizes), max(sizes)
        rs.alias, twin.alias = f"{rs.rel.name}Few", f"{rs.rel.name}More"
        twin.extra = True
        parent.rels.insert(parent.rels.index(rs) + 1, twin)
        return True

    def add_aliases(self, top):
        for sel, _ in self.levels(top.child):
            sel.scalars = [(f"{n}Alias" if a is None and n != "id" and self.rng.random() < 0.12 else a, n)
                           for a, n in sel.scalars]
        for rs, _, _ in self.rel_sels(top.child):
            if rs.alias is None and self.rng.random() < 0.12:
                rs.alias = f"{rs.rel.name}Alias"
        if self.rng.random() < 0.1:
            top.alias = f"{top.rel.name}Alias"

    def cost_sel(self, sel):
        return len(sel.scalars) + sum(self.cost_rel(rs) for rs in sel.rels)

    def cost_rel(self, rs):
        if rs.rel.kind != "connection":
            return 1 + self.cost_sel(rs.child)
        children = (1 if rs.total else 0) + (3 if rs.page_info else 0)
        if rs.shape == "nodes":
            children += 1 + self.cost_sel(rs.child)
        else:
            children += 1 + len(rs.edge_fields) + 1 + self.cost_sel(rs.child)
        if "first" in rs.rel.args:
            return (rs.first or 10) * children
        if rs.rel.key in WHOLE_LISTS:
            return WHOLE_LISTS[rs.rel.key] * children
        return 1 + children

    def depth_rel(self, rs, at=1):
        """The deepest field nesting in and below relation field RS, which sits at nesting AT (a
        root field is at 1; fragments add none), as the server counts it for its depth limit."""
        if rs.rel.kind != "connection":
            base, deepest = at + 1, at
        else:
            base = at + (2 if rs.shape == "nodes" else 3)
            deepest = at + (1 if rs.shape == "nodes" else 2)
            if rs.page_info:
                deepest = max(deepest, at + 2)
        if rs.child.scalars:
            deepest = max(deepest, base)
        for inner in rs.child.rels:
            deepest = max(deepest, self.depth_rel(inner, base))
        return deepest

    def fit(self, top):
        """Halves the largest page sizes until the query is within the complexity and depth limits;
        at the smallest page sizes, drops extras from the deepest levels first, then the deepest
        level. Returns the trims."""
        trims = 0
        while self.depth_rel(top) > MAX_DEPTH:
            for rs, _, _ in sorted(self.rel_sels(top.child), key=lambda x: -x[1]):
                if rs.shape == "edges":
                    rs.shape, rs.edge_fields = "nodes", []
                    trims += 1
                    break
            else:
                raise RuntimeError("cannot bring a query within the depth limit")
        while self.cost_rel(top) > MAX_COMPLEXITY:
            pages = [rs for rs in [top] + [x[0] for x in self.rel_sels(top.child)]
                     if rs.first is not None and rs.first > MIN_PAGE]
            if pages:
                rs = max(pages, key=lambda r: r.first)  # the first of the largest
                rs.first = max(MIN_PAGE, rs.first // 2)
                continue
            trims += 1
            if not self.trim_one(top):
                raise RuntimeError("cannot bring a query within the complexity limit")
        return trims

    def trim_one(self, top):
        deepest = sorted([(top, 0, None)] + self.rel_sels(top.child), key=lambda x: -x[1])
        for rs, _, _ in deepest:
            if rs.page_info:
                rs.page_info = False
                return True
            if rs.total:
                rs.total = False
                return True
            if rs.shape == "edges":
                rs.shape, rs.edge_fields = "nodes", []
                return True
            if len(rs.child.scalars) > 1:
                rs.child.scalars.pop()
                return True
        for rs, _, parent in deepest:
            if rs.extra and parent is not None:
                parent.rels.remove(rs)
                return True
        # Still too costly (the sixteen states at four levels of five): one level less.
        for rs, _, parent in deepest:
            if parent is not None:
                parent.rels.remove(rs)
                return True
        return False

    def wrap_levels(self, top):
        levels = self.levels(top.child)
        if self.rng.random() < 1 / 3:
            sel, depth = self.rng.choice(levels)
            sel.wrap = ("fragment", f"F{depth + 1}")
        if self.rng.random() < 0.2:
            rest = [(s, d) for s, d in levels if s.wrap is None]
            if rest:
                sel, _ = self.rng.choice(rest)
                sel.wrap = ("inline",)

    # -- one query
    def query(self, number, root):
        pending = set()
        target = self.rng.randint(1, 4)
        pending.add(root.key)
        child = self.build(root.node, target, pending)
        top = self.rel_sel(root, child, root=root.name)
        if self.rng.random() < 0.15:
            self.duplicate(top)
        self.add_aliases(top)
        trims = self.fit(top)
        self.wrap_levels(top)
        name = f"g{number:03d}"
        text = self.render(name, top)
        covers = sorted({rs.rel.key for rs, _, _ in self.rel_sels(top.child)})
        for key in covers:
            self.covered[key] = self.covered.get(key, 0) + 1
        depth = max([d for _, d in self.levels(top.child)])
        load_time = sorted({a or n for sel, _ in self.levels(top.child) for a, n in sel.scalars
                            if n in LOAD_TIME_FIELDS})
        relations = 1 + len(self.rel_sels(top.child)) + len(self.implied(top.child))
        return {
            "name": name, "root": root.name, "target_depth": target, "depth": depth,
            "relations": relations, "covers": covers, "complexity": self.cost_rel(top),
            "nesting": self.depth_rel(top), "trims": trims,
            "root_key": top.alias or root.name, "root_shape": top.shape, "load_time_keys": load_time,
            "text": text,
        }

    def generate(self, count):
        out = []
        cycle = []
        for n in range(1, count + 1):
            if not cycle:
                cycle = list(self.roots)
                self.rng.shuffle(cycle)
            out.append(self.query(n, cycle.pop(0)))
        return out

    # -- text
    def render(self, name, top):
        fragments = {}
        lines = [f"query {name} {{"] + self.render_rel(top, 1, fragments) + ["}"]
        for fname, (type_name, body) in fragments.items():
            lines += ["", f"fragment {fname} on {type_name} {{"] + body + ["}"]
        return "\n".join(lines) + "\n"

    def render_sel(self, sel, ind, fragments):
        pad = "  " * ind
        body = [pad + (f"{a}: {n}" if a else n) for a, n in sel.scalars]
        for rs in sel.rels:
            body += self.render_rel(rs, ind, fragments)
        if sel.wrap is None:
            return body
        if sel.wrap[0] == "inline":
            inner = ["  " + line for line in body]
            return [pad + f"... on {sel.type} {{"] + inner + [pad + "}"]
        fname = sel.wrap[1]
        shift = len(pad) - 2
        fragments.setdefault(fname, (sel.type, [line[shift:] for line in body]))
        return [pad + f"...{fname}"]

    def render_rel(self, rs, ind, fragments):
        pad = "  " * ind
        args = ([("first", str(rs.first))] if rs.first is not None else []) + rs.args
        head = (f"{rs.alias}: " if rs.alias else "") + rs.rel.name
        if args:
            head += "(" + ", ".join(f"{k}: {v}" for k, v in args) + ")"
        out = [pad + head + " {"]
        if rs.rel.kind != "connection":
            out += self.render_sel(rs.child, ind + 1, fragments)
        else:
            p1, p2 = "  " * (ind + 1), "  " * (ind + 2)
            if rs.total:
                out.append(p1 + "totalCount")
            if rs.shape == "nodes":
                out += [p1 + "nodes {"] + self.render_sel(rs.child, ind + 2, fragments) + [p1 + "}"]
            else:
                out += [p1 + "edges {"] + [p2 + f for f in rs.edge_fields] + [p2 + "node {"]
                out += self.render_sel(rs.child, ind + 3, fragments) + [p2 + "}", p1 + "}"]
            if rs.page_info:
                out.append(p1 + "pageInfo { hasNextPage endCursor }")
        return out + [pad + "}"]


# ---------------------------------------------------------------- checks

def first_difference(a, b, path="", skip=()):
    """The path and both values where two parsed answers first differ, or None; keys in SKIP are
    not compared."""
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k in skip:
                continue
            if k not in a or k not in b:
                return f"{path}.{k}", a.get(k, "<missing>"), b.get(k, "<missing>")
            d = first_difference(a[k], b[k], f"{path}.{k}", skip)
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]", skip)
            if d:
                return d
        if len(a) != len(b):
            return f"{path} (length)", len(a), len(b)
        return None
    return None if a == b else (path, a, b)


def short(value, limit=300):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def root_items(doc, q):
    """Items of the root list in an answer (None when it has no list)."""
    root = ((doc or {}).get("data") or {}).get(q["root_key"])
    if not isinstance(root, dict):
        return None
    items = root.get(q["root_shape"])
    return len(items) if isinstance(items, list) else None


def verify(backends, queries, failures):
    """Every query once on every backend; the answers must be the same JSON everywhere."""
    for q in queries:
        answers = {}
        q["backends"] = q.get("backends") or {}
        for b in backends:
            status, raw, doc = b.ask(q["text"], q["name"])
            row = q["backends"].setdefault(b.name, {})
            row["bytes"] = len(raw)
            problem = None
            if status != 200:
                problem = f"HTTP {status}: {raw[:300]!r}"
            elif not isinstance(doc, dict):
                problem = f"not JSON: {raw[:200]!r}"
            elif doc.get("errors"):
                problem = "errors: " + short(doc["errors"], 600)
            elif not doc.get("data"):
                problem = "data is null"
            row["verify"] = "ok" if problem is None else problem
            if problem:
                failures.append(f"{q['name']} on {b.name}: {problem}\n{q['text']}")
                continue
            answers[b.name] = doc
            row["root_items"] = root_items(doc, q)
        names = list(answers)
        for other in names[1:]:
            d = first_difference(answers[names[0]], answers[other], "", set(q["load_time_keys"]))
            if d:
                path, x, y = d
                msg = f"answers differ at {path.lstrip('.')}: {names[0]} {short(x)} / {other} {short(y)}"
                q["difference"] = msg
                failures.append(f"{q['name']}: {msg}\n{q['text']}")
        log(f"[{q['name']}] " + ", ".join(f"{b.name}: {q['backends'][b.name]['verify'][:120]}"
                                          f" ({q['backends'][b.name]['bytes']} B)" for b in backends)
            + (f"; {q['difference']}" if "difference" in q else ""))


def count_statements(backends, queries, tries=3):
    """SQL statements per answer: /metrics before and after one POST, the least of TRIES."""
    for b in backends:
        for q in queries:
            deltas = []
            for _ in range(tries):
                before = b.statements()
                status, _, doc = b.ask(q["text"], q["name"])
                after = b.statements()
                if status == 200 and isinstance(doc, dict) and not doc.get("errors"):
                    deltas.append(after - before)
            q["backends"][b.name]["statements"] = min(deltas) if deltas else None
        log(f"[{b.name}] statements counted for {len(queries)} queries")


def statement_report(backends, queries, failures):
    lines = []
    for b in backends:
        counted = [q for q in queries if q["backends"][b.name].get("statements") is not None]
        over = [q for q in counted if q["backends"][b.name]["statements"] > q["relations"]]
        for q in over:
            s = q["backends"][b.name]["statements"]
            failures.append(f"{q['name']} on {b.name}: {s} statements for {q['relations']} relation fields "
                            f"(depth {q['depth']})\n{q['text']}")
        if counted:
            per_depth = max(q["backends"][b.name]["statements"] / max(q["depth"], 1) for q in counted)
            most = max(q["backends"][b.name]["statements"] for q in counted)
            lines.append(f"- {b.name}: {len(counted)} queries counted, at most {most} statements per answer, "
                         f"statements/depth at most {per_depth:.2f}, {len(over)} over the bound "
                         f"(statements ≤ relation fields)"
                         + (": " + ", ".join(f"{q['name']} ({q['backends'][b.name]['statements']} > {q['relations']})"
                                             for q in over) if over else ""))
    return lines


# ---------------------------------------------------------------- load

def measure_query(b, q, body, a):
    size = q["backends"][b.name]["bytes"]
    extra = {"BODY": body, "EXPECT_BYTES": str(size)}
    if a.warmup:
        wrk(b.graphql, "wrk_post.lua", extra, a.concurrency, a.warmup)
    cpu0 = cpu_seconds(b.proc.pid)
    res = wrk(b.graphql, "wrk_post.lua", extra, a.concurrency, a.duration)
    cpu = cpu_seconds(b.proc.pid) - cpu0
    n = res["requests"]
    errors = res["bad"] + res["err_connect"] + res["err_read"] + res["err_write"] + res["err_timeout"]
    return {
        "rps": round(n / max(res["duration_us"] / 1e6, 1e-9), 1), "requests": n,
        "p50_ms": round(res["p50_us"] / 1000, 2), "p99_ms": round(res["p99_us"] / 1000, 2),
        "errors": errors, "checked": res["checked"], "bad_status": res["bad_status"],
        "bad_size": res["bad_size"], "graphql_errors": res["graphql_errors"],
        "cpu_ms_per_answer": round(1000 * cpu / n, 3) if n else None,
    }


def measure_health(b, a, size):
    extra = {"ACCEPT": "application/json", "EXPECT_BYTES": str(size)}
    url = b.base + "/health"
    if a.warmup:
        wrk(url, "wrk_get.lua", extra, a.concurrency, a.warmup)
    res = wrk(url, "wrk_get.lua", extra, a.concurrency, a.duration)
    n = res["requests"]
    errors = res["bad"] + res["err_connect"] + res["err_read"] + res["err_write"] + res["err_timeout"]
    return {"rps": round(n / max(res["duration_us"] / 1e6, 1e-9), 1), "requests": n,
            "p99_ms": round(res["p99_us"] / 1000, 2), "errors": errors,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}


def load(backends, queries, a, work, failures):
    """Per backend, one after the other: /health, every query (wrk), /health after every 50."""
    bodies = os.path.join(work, "bodies")
    os.makedirs(bodies, exist_ok=True)
    result = {}
    for b in backends:
        status, raw = http_get(b.base + "/health")
        if status != 200:
            failures.append(f"{b.name}: /health answered {status}")
            continue
        info = {"health_runs": [], "rss_before_mib": round(status_kib(b.proc.pid, "VmRSS") / 1024, 1)}
        result[b.name] = info

        def health(after):
            run_ = measure_health(b, a, len(raw))
            run_["after_queries"] = after
            info["health_runs"].append(run_)
            if run_["errors"]:
                failures.append(f"{b.name}: /health run after {after} queries had {run_['errors']} errors")
            log(f"[{b.name} /health after {after}] {run_['rps']} req/s, errors {run_['errors']}")

        health(0)
        measured = [q for q in queries if q["backends"][b.name].get("verify") == "ok"]
        for i, q in enumerate(measured, start=1):
            body = os.path.join(bodies, q["name"] + ".json")
            if not os.path.exists(body):
                with open(body, "w", encoding="utf-8") as f:
                    json.dump({"query": q["text"], "operationName": q["name"]}, f, ensure_ascii=False)
            row = measure_query(b, q, body, a)
            q["backends"][b.name].update(row)
            if row["errors"] or row["checked"] != row["requests"]:
                failures.append(f"{q['name']} on {b.name}: {row['errors']} of {row['requests']} responses failed "
                                f"the checks ({row['checked']} checked)")
            elif not row["requests"]:
                failures.append(f"{q['name']} on {b.name}: no answer completed within {a.duration} s at concurrency "
                                f"{a.concurrency} (a longer --duration measures it)")
            log(f"[{b.name} {q['name']}] {row['rps']} req/s p99 {row['p99_ms']} ms errors {row['errors']} "
                f"cpu {row['cpu_ms_per_answer']} ms/answer")
            if i % HEALTH_EVERY == 0 and i != len(measured):
                health(i)
        health(len(measured))
        info["peak_rss_mib"] = round(status_kib(b.proc.pid, "VmHWM") / 1024, 1)
        runs = [r["rps"] for r in info["health_runs"]]
        info["health_rps"] = round(sum(runs) / len(runs), 1)
        info["health_spread"] = round((max(runs) - min(runs)) / max(info["health_rps"], 1e-9), 3)
        for q in measured:
            row = q["backends"][b.name]
            if row.get("requests"):
                row["share"] = round(row["rps"] / max(info["health_rps"], 1e-9), 4)
    return result


# ---------------------------------------------------------------- output

def pct(values, p):
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, (int, float)) else str(v)


def summarize(name, info, queries):
    rows = [q["backends"][name] for q in queries if "share" in q["backends"].get(name, {})]
    shares = [r["share"] for r in rows]
    cpu = [r["cpu_ms_per_answer"] for r in rows]
    counted = [q for q in queries if q["backends"].get(name, {}).get("statements") is not None]
    median = pct(shares, 50)
    return {
        "queries_measured": len(rows),
        "health_rps": info.get("health_rps"), "health_runs": [r["rps"] for r in info.get("health_runs", [])],
        "health_spread": info.get("health_spread"),
        "share_min": min(shares) if shares else None, "share_p10": pct(shares, 10), "share_median": median,
        "share_p90": pct(shares, 90), "share_max": max(shares) if shares else None,
        "below_0_10": sum(1 for s in shares if s < 0.10),
        "median_at_least_0_25": None if median is None else median >= 0.25,
        "cpu_ms_median": pct(cpu, 50), "cpu_ms_max": max(cpu) if cpu else None,
        "statements_max": max((q["backends"][name]["statements"] for q in counted), default=None),
        "statements_minus_depth_max": max((q["backends"][name]["statements"] - q["depth"] for q in counted),
                                          default=None),
        "rss_before_mib": info.get("rss_before_mib"), "peak_rss_mib": info.get("peak_rss_mib"),
    }


def markdown(result, queries, backends, measured):
    s = result["settings"]
    out = [f"# Every public read: {s['count']} generated queries (seed {s['seed']})", "",
           f"{result['started']}, kleinstadt {result['versions']['kleinstadt']}, {result['machine']['cores']} cores; "
           f"backends {', '.join(backends)}; "
           + ("smoke run: answers and statements checked, figures not judged" if s["smoke"] else
              f"{s['duration_s']} s per run after {s['warmup_s']} s of warm-up, concurrency {s['concurrency']}")
           + (f"; CEILING: the answer cache on (RESPONSE_CACHE_MIB={CEILING_CACHE_MIB}), every answer served as "
              "stored bytes, the most any engine could reach through this HTTP edge"
              if s.get("ceiling") else f"; every cache off ({', '.join(s['caches_off'])})") + ".", ""]
    checks = result["checks"]
    out += ["## Checks", "",
            f"- answers: {checks['answers_ok']} of {checks['answers']} (queries × backends) with HTTP 200, "
            f"data and no errors; {checks['equal']} of {checks['compared']} queries answered alike on "
            f"{' and '.join(backends)}",
            f"- empty root lists: {checks['empty_roots']} of {len(queries)} queries"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(checks['empty_by_root'].items()))})"
               if checks["empty_by_root"] else ""),
            *result["statement_lines"],
            f"- relation fields covered: {len(result['coverage']) - len(result['uncovered'])} of "
            f"{len(result['coverage'])}" + (f"; NOT covered: {', '.join(result['uncovered'])}"
                                             if result["uncovered"] else ""),
            f"- staff-only relation fields left out ({len(result['schema']['excluded'])}):",
            *[f"  - `{k}`: {' | '.join(v)}" for k, v in sorted(result["schema"]["excluded"].items())],
            f"- failures: {len(result['failures'])}", "",
            "Relation fields and how many queries select them:", "",
            *[f"- {line.strip()}" for line in coverage_lines(result["coverage"])], ""]
    if measured:
        out += ["## Load", "",
                "| backend | /health req/s (runs; spread) | share min | p10 | median | p90 | max | below 0.10 "
                "| median ≥ 0.25 | CPU ms/answer median | max | statements max | max statements − depth "
                "| RSS before MiB | peak RSS MiB |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        for name in backends:
            m = result["summary"].get(name)
            if not m or m["health_rps"] is None:
                continue
            runs = ", ".join(fmt(r) for r in m["health_runs"])
            out.append(
                f"| {name} | {fmt(m['health_rps'])} ({runs}; {100 * (m['health_spread'] or 0):.0f}%) "
                f"| {fmt(m['share_min'], 3)} | {fmt(m['share_p10'], 3)} | {fmt(m['share_median'], 3)} "
                f"| {fmt(m['share_p90'], 3)} | {fmt(m['share_max'], 3)} | {m['below_0_10']} of {m['queries_measured']} "
                f"| {'yes' if m['median_at_least_0_25'] else 'no'} | {fmt(m['cpu_ms_median'], 2)} "
                f"| {fmt(m['cpu_ms_max'], 2)} | {fmt(m['statements_max'])} | {fmt(m['statements_minus_depth_max'])} "
                f"| {fmt(m['rss_before_mib'], 1)} | {fmt(m['peak_rss_mib'], 1)} |")
        out.append("")
        if result.get("ceiling"):
            out += ceiling_lines(result["ceiling"], backends)
        out += ["By answer size: queries, and per backend the median share (and server CPU ms per answer)", "",
                "| answer | queries | " + " | ".join(backends) + " |",
                "|---|---:|" + "---|" * len(backends)]
        for label, low, high in SIZE_BUCKETS:
            group = [q for q in queries if low <= q["backends"][backends[0]].get("bytes", -1) < high]
            cells = []
            for name in backends:
                rows = [q["backends"][name] for q in group if "share" in q["backends"].get(name, {})]
                cells.append(f"{fmt(pct([r['share'] for r in rows], 50), 3)} "
                             f"({fmt(pct([r['cpu_ms_per_answer'] for r in rows], 50), 2)} ms)" if rows else "-")
            out.append(f"| {label} | {len(group)} | " + " | ".join(cells) + " |")
        out.append("")
        for name in backends:
            rows = sorted((q for q in queries if "share" in q["backends"].get(name, {})),
                          key=lambda q: q["backends"][name]["share"])[:10]
            if not rows:
                continue
            out += [f"### {name}: the ten lowest shares", "",
                    "| query | root | depth | relation fields | answer KiB | share | req/s | p99 ms | statements |",
                    "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
            for q in rows:
                r = q["backends"][name]
                out.append(f"| {q['name']} | {q['root']} | {q['depth']} | {q['relations']} | {r['bytes'] / 1024:,.1f} "
                           f"| {r['share']:.3f} "
                           f"| {fmt(r['rps'])} | {r['p99_ms']:.1f} | {fmt(r.get('statements'))} |")
            out.append("")
            for q in rows:
                out += [f"`{q['name']}` on {name}:", "", "```graphql", q["text"].rstrip("\n"), "```", ""]
    return "\n".join(out)


def against_ceiling(path, queries, backends, failures):
    """Each query's share beside its share in a --ceiling run (same texts), and per backend: which
    queries cannot reach 0.10 even as stored bytes, and how close the computed answers come."""
    with open(path, encoding="utf-8") as f:
        stored = {q["name"]: q for q in json.load(f)["queries"]}
    out = {"file": path}
    for name in backends:
        rows, missing = [], []
        for q in queries:
            row, top = q["backends"].get(name, {}), stored.get(q["name"])
            if "share" not in row:
                continue
            if not top or top["text"] != q["text"] or "share" not in top["backends"].get(name, {}):
                missing.append(q["name"])
                continue
            row["ceiling_share"] = top["backends"][name]["share"]
            rows.append((q, row))
        if missing:
            failures.append(f"{path} has no ceiling for {len(missing)} queries on {name} (another seed or "
                            f"generator?): {', '.join(missing[:10])}")
        unreachable = [(q["name"], round(r["ceiling_share"], 3), round(r["bytes"] / 1024)) for q, r in rows
                       if r["ceiling_share"] < 0.10]
        reachable = [r for _, r in rows if r["ceiling_share"] >= 0.10]
        out[name] = {
            "compared": len(rows),
            "ceiling_below_0_10": unreachable,
            "at_least_0_10_of_reachable": sum(1 for r in reachable if r["share"] >= 0.10),
            "reachable": len(reachable),
            "ceiling_median": pct([r["ceiling_share"] for _, r in rows], 50),
            "share_of_ceiling_median": pct([r["share"] / r["ceiling_share"] for _, r in rows], 50),
        }
    return out


def ceiling_lines(ceiling, backends):
    out = [f"## Against the ceiling ({ceiling['file']})", "",
           "The ceiling of a query is its share when its answer is served as stored bytes (`--ceiling`).", "",
           "| backend | compared | ceiling below 0.10 (no engine reaches 0.10 there) | at 0.10 or more, of those "
           "that can | ceiling median | share ÷ ceiling, median |", "|---|---:|---|---:|---:|---:|"]
    for name in backends:
        c = ceiling.get(name)
        if not c:
            continue
        low = ", ".join(f"{n} ({s}; {kib:,} KiB)" for n, s, kib in c["ceiling_below_0_10"]) or "none"
        out.append(f"| {name} | {c['compared']} | {len(c['ceiling_below_0_10'])}: {low} "
                   f"| {c['at_least_0_10_of_reachable']} of {c['reachable']} | {fmt(c['ceiling_median'], 3)} "
                   f"| {fmt(c['share_of_ceiling_median'], 3)} |")
    return out + [""]


def coverage_lines(coverage):
    by_type = {}
    for key, n in sorted(coverage.items()):
        t, f = key.split(".", 1)
        by_type.setdefault(t, []).append(f"{f} ×{n}" if n else f"{f} ×0 (NOT covered)")
    return [f"  {t}: {', '.join(fs)}" for t, fs in sorted(by_type.items())]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.environ.get("KLEINSTADT_BIN"),
                    help="the kleinstadt binary (default: env KLEINSTADT_BIN)")
    ap.add_argument("--bundle", help="bundle to import (default: bench/out/bundle.json if present, else generated)")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
                    or "postgres://postgres@127.0.0.1:5432/postgres",
                    help="PostgreSQL admin URL; a database is created there and dropped at the end "
                         "(default: env BENCH_PG_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)")
    ap.add_argument("--database-url", help="an existing, loaded PostgreSQL database to use instead (kept)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated queries")
    ap.add_argument("--count", type=int, default=200, help="number of generated queries")
    ap.add_argument("--only", default="", help="comma-separated query names to run (g001,g017); all are generated")
    ap.add_argument("--duration", type=int, default=None, help="seconds per measured run (default 3; --smoke 1)")
    ap.add_argument("--warmup", type=int, default=None, help="seconds of warm-up per run (default 1; --smoke 0)")
    ap.add_argument("--concurrency", type=int, default=None, help="open connections (default 32; --smoke 4)")
    ap.add_argument("--smoke", action="store_true",
                    help="verify every answer and the statement bound, measure 3 queries briefly; judge no figure")
    ap.add_argument("--ceiling", action="store_true",
                    help="the same runs with the answer cache on: every answer is served as stored bytes, the "
                         "most any engine could reach through this HTTP edge (statements are not counted)")
    ap.add_argument("--against-ceiling", metavar="JSON",
                    help="the results of a --ceiling run of the same queries: each query's share is set "
                         "beside the most it could reach, and the summary says which cannot reach 0.10")
    ap.add_argument("--list", action="store_true", help="print the generated queries and exit (starts the SQLite server)")
    ap.add_argument("--queries-out", help="write the generated queries to this file (JSON)")
    ap.add_argument("--json", help="results (default bench/out/general.json; --smoke: general-smoke.json)")
    ap.add_argument("--markdown", help="summary (default bench/out/general.md; --smoke: general-smoke.md)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, SQLite file)")
    a = ap.parse_args()
    a.duration = a.duration if a.duration is not None else (1 if a.smoke else 3)
    a.warmup = a.warmup if a.warmup is not None else (0 if a.smoke else 1)
    a.concurrency = a.concurrency if a.concurrency is not None else (4 if a.smoke else 32)
    suffix = ("-ceiling" if a.ceiling else "") + ("-smoke" if a.smoke else "")
    a.json = a.json or os.path.join(OUT, f"general{suffix}.json")
    a.markdown = a.markdown or os.path.join(OUT, f"general{suffix}.md")
    if not a.binary:
        ap.error("--binary (or env KLEINSTADT_BIN) is required")
    binary = os.path.abspath(a.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable")
    names = [n for n in a.backends.split(",") if n]
    if not names or any(n not in ("sqlite", "postgres") for n in names):
        ap.error("--backends takes sqlite and/or postgres")
    if a.list:
        names = ["sqlite"]
    if not a.list:
        ensure_wrk()

    work = tempfile.mkdtemp(prefix="kleinstadt-general.")
    state = {"backends": [], "pg_admin": None, "pg_name": None}

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # also when started with SIGINT ignored (in the background of a script)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return bench(a, binary, names, work, state)
    except RuntimeError as e:
        log(f"FAILED: {e}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for b in state["backends"]:
            b.stop()
        if state["pg_name"]:
            try:
                psql(state["pg_admin"], f'DROP DATABASE IF EXISTS "{state["pg_name"]}" WITH (FORCE)')
                log(f"dropped the database {state['pg_name']}")
            except RuntimeError as e:
                log(f"could not drop the database {state['pg_name']}: {e}")
        if a.keep:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(a, binary, names, work, state):
    started, timings = time.time(), {}
    env = dict(os.environ, JWT_SECRET=os.environ.get("JWT_SECRET") or "general-bench-" + os.urandom(16).hex(),
               RATE_LIMIT_ANONYMOUS_PER_MINUTE="0", RESPONSE_CACHE_MIB=CEILING_CACHE_MIB if a.ceiling else "0",
               HTTP_CACHE_MAX_AGE="0",
               GRAPHQL_MAX_COMPLEXITY=str(MAX_COMPLEXITY), GRAPHQL_MAX_DEPTH=str(MAX_DEPTH),
               RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    env.pop("DATABASE_URL", None)

    def timed(label, t0):
        timings[label] = round(time.time() - t0, 2)

    # ---- data
    t0 = time.time()
    bundle = a.bundle or os.path.join(OUT, "bundle.json")
    if not a.bundle and not os.path.exists(bundle):
        bundle = os.path.join(work, "bundle.json")
        log("generating the bundle (gen_data.py, default seed)")
        run([sys.executable, os.path.join(HERE, "gen_data.py"), "-o", bundle], work, "gen-data")
        timed("gen_data", t0)
    with open(bundle, encoding="utf-8") as f:
        facts = Facts(json.load(f))
    log(f"bundle {bundle}: " + ", ".join(f"{n} {t}" for t, n in sorted(facts.counts.items()) if n))
    imports, backends = {}, []
    if "sqlite" in names:
        t0 = time.time()
        url = f"sqlite://{work}/general.sqlite?mode=rwc"
        e = dict(env, DATABASE_URL=url)
        run([binary, "migrate"], work, "sqlite-migrate", e)
        imports["sqlite"] = import_report(run([binary, "import-bundle", bundle], work, "sqlite-import", e))
        timed("sqlite_load", t0)
        log(f"SQLite loaded in {timings['sqlite_load']} s")
        backends.append(Backend("sqlite", url))
    if "postgres" in names:
        t0 = time.time()
        if a.database_url:
            url = a.database_url
            loaded = psql(url, "SELECT to_regclass('public.event') IS NOT NULL AND EXISTS (SELECT 1 FROM event)")
            if loaded != "t":
                raise RuntimeError(f"--database-url {url} holds no events: load it first (or leave it out)")
            log(f"PostgreSQL: {url} (as it is)")
        else:
            name = f"kleinstadt_general_{os.getpid()}_{int(time.time())}"
            state["pg_admin"], state["pg_name"] = a.pg_url, name
            psql(a.pg_url, f'CREATE DATABASE "{name}"')
            url = database_url(a.pg_url, name)
            e = dict(env, DATABASE_URL=url)
            run([binary, "migrate"], work, "postgres-migrate", e)
            imports["postgres"] = import_report(run([binary, "import-bundle", bundle], work, "postgres-import", e))
            psql(url, "ANALYZE")
            timed("postgres_load", t0)
            log(f"PostgreSQL database {name} loaded in {timings['postgres_load']} s")
        backends.append(Backend("postgres", url))

    # ---- servers
    for b in backends:
        b.start(binary, env, work)
        state["backends"].append(b)
        log(f"{b.name} server on {b.base} (pid {b.proc.pid})")
    source = backends[0]

    # ---- schema, probes, generation
    t0 = time.time()
    status, raw, doc = source.ask(INTROSPECTION, "IntrospectionQuery")
    if status != 200 or not doc or doc.get("errors") or not doc.get("data"):
        raise RuntimeError(f"introspection failed: HTTP {status} {raw[:300]!r}")
    schema = Schema(doc["data"])
    for root in NOT_ROOTS:
        if root in ROOTS:
            raise RuntimeError(f"{root} is not a public root list")
    checks = []
    for t, key in (("Town", "name"), ("Organisation", "name"), ("Person", "name"), ("ModelProject", "title"),
                   ("Event", "title")):
        if facts.counts.get(t):
            checks.append(f'{t.lower()}: node(id: "{global_id(t, 1)}") {{ ... on {t} {{ {key} }} }}')
    status, _, doc = source.ask("{\n" + "\n".join(checks) + "\n}")
    if status != 200 or not doc or doc.get("errors") or any(v is None for v in (doc.get("data") or {None: None}).values()):
        log(f"warning: row 1 of a type is missing; ID filters may name rows that do not exist: {short(doc)}")
    public, excluded, scalars, notes, probe_failures = probe(schema, source)
    failures = list(probe_failures)
    for note in notes:
        log(f"probe: {note}")
    log(f"relation fields: {sum(len(v) for v in public.values())} public on {len(public)} record types, "
        f"{len(excluded)} staff only:")
    for key, reasons in sorted(excluded.items()):
        log(f"  left out {key}: {' | '.join(reasons)}")
    gen = Generator(schema, public, scalars, facts, a.seed)
    queries = gen.generate(a.count)
    timed("generate", t0)
    coverage = {key: gen.covered.get(key, 0) for key in gen.all_rels}
    uncovered = [k for k, n in coverage.items() if not n]
    log(f"generated {len(queries)} queries (seed {a.seed}); relation fields covered "
        f"{len(coverage) - len(uncovered)} of {len(coverage)}:")
    for line in coverage_lines(coverage):
        log(line)
    if uncovered and a.count >= 200:
        failures.append(f"relation fields not covered by the {len(queries)} queries: {', '.join(uncovered)}")
    elif uncovered:
        log(f"note: {len(uncovered)} relation fields not covered by only {len(queries)} queries "
            "(checked from --count 200 on)")
    if a.queries_out:
        os.makedirs(os.path.dirname(os.path.abspath(a.queries_out)), exist_ok=True)
        with open(a.queries_out, "w", encoding="utf-8") as f:
            json.dump({"seed": a.seed, "count": a.count, "queries": queries}, f, indent=2, ensure_ascii=False)
        log(f"queries written to {a.queries_out}")
    if a.list:
        for q in queries:
            print(f"# {q['name']}: root {q['root']}, depth {q['depth']} (target {q['target_depth']}), "
                  f"{q['relations']} relation fields, complexity {q['complexity']}, covers {', '.join(q['covers'])}")
            print(q["text"])
        if failures:
            log("FAILED:\n  " + "\n  ".join(failures))
        return 1 if failures else 0

    selected = queries
    if a.only:
        wanted = [n for n in a.only.split(",") if n]
        unknown = [n for n in wanted if n not in {q["name"] for q in queries}]
        if unknown:
            raise RuntimeError(f"--only names queries that were not generated: {', '.join(unknown)}")
        selected = [q for q in queries if q["name"] in wanted]

    # ---- answers and statements
    t0 = time.time()
    verify(backends, selected, failures)
    timed("verify", t0)
    t0 = time.time()
    if not a.ceiling:  # stored answers cost no statement
        count_statements(backends, [q for q in selected
                                    if all(q["backends"][b.name]["verify"] == "ok" for b in backends)])
    for q in selected:
        for b in backends:
            q["backends"][b.name].setdefault("statements", None)
    timed("statements", t0)
    statement_lines = statement_report(backends, selected, failures)
    for line in statement_lines:
        log(line)

    # ---- load
    t0 = time.time()
    to_measure = [q for q in selected if all(q["backends"][b.name]["verify"] == "ok" for b in backends)]
    if a.smoke:
        to_measure = to_measure[:3]
    load_info = {}
    if to_measure:
        for b in backends:
            load_info.update(load([b], to_measure, a, work, failures))
    timed("load", t0)

    # ---- results
    first = backends[0].name
    empty = [q for q in selected if q["backends"][first].get("root_items") == 0]
    empty_by_root = {}
    for q in empty:
        empty_by_root[q["root"]] = empty_by_root.get(q["root"], 0) + 1
    answers = [(q, b.name) for q in selected for b in backends]
    result = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": {"seed": a.seed, "count": a.count, "only": a.only or None, "smoke": a.smoke,
                     "duration_s": a.duration, "warmup_s": a.warmup, "concurrency": a.concurrency,
                     "wrk_threads": min(2, a.concurrency), "backends": [b.name for b in backends],
                     "max_complexity": MAX_COMPLEXITY, "max_depth": MAX_DEPTH,
                     "ceiling": a.ceiling,
                     "caches_off": ["HTTP_CACHE_MAX_AGE=0"] if a.ceiling else ["RESPONSE_CACHE_MIB=0",
                                                                               "HTTP_CACHE_MAX_AGE=0"],
                     "rate_limit_anonymous_per_minute": 0, "bundle": bundle,
                     "database_url_given": bool(a.database_url)},
        "versions": {"kleinstadt": subprocess.run([binary, "--version"], capture_output=True,
                                                  text=True).stdout.strip(),
                     "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]},
        "machine": {"cores": os.cpu_count()},
        "records": facts.counts, "imports": imports, "timings_s": timings,
        "schema": {"roots": ROOTS, "public_relations": gen.all_rels, "excluded": excluded,
                   "scalars": scalars, "probe_notes": notes},
        "coverage": coverage, "uncovered": uncovered,
        "checks": {"answers": len(answers),
                   "answers_ok": sum(1 for q, n in answers if q["backends"][n]["verify"] == "ok"),
                   "compared": len(selected),
                   "equal": sum(1 for q in selected if "difference" not in q
                                and all(q["backends"][b.name]["verify"] == "ok" for b in backends)),
                   "empty_roots": len(empty), "empty_by_root": empty_by_root},
        "statement_lines": statement_lines,
        "load": load_info,
        "summary": {b.name: summarize(b.name, load_info.get(b.name, {}), selected) for b in backends},
        "failures": failures,
        "queries": selected,
    }
    timings["total"] = round(time.time() - started, 1)
    if a.against_ceiling and load_info:
        result["ceiling"] = against_ceiling(a.against_ceiling, selected, [b.name for b in backends], failures)
    text = markdown(result, selected, [b.name for b in backends], bool(load_info))
    for path, content in ((a.json, json.dumps(result, indent=2, ensure_ascii=False)), (a.markdown, text)):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content + "\n")
    print(text)
    log(f"results: {a.json}, {a.markdown}; {timings['total']} s in all")
    if a.smoke:
        log("smoke run: answers and statements checked, figures not judged")
    if failures:
        log(f"FAILED ({len(failures)}):\n" + "\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
