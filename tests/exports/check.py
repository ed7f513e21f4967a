"""Reads every bulk export of a running kleinstadt with tools that share no code with it.

NetworkX parses the GraphML and the GEXF, Python's csv module the nodes and edges CSV (after the
`#` licence lines), its json module every NDJSON line. The three graph formats must describe the
same graph; the NDJSON files must hold exactly the records of the REST lists; no file may carry a
person's contact data. Usage: check.py <base URL> <scratch folder>
"""

import csv
import io
import json
import sys
import time
import urllib.request

import networkx as nx

BASE, SCRATCH = sys.argv[1], sys.argv[2]
LICENCE_MARKS = ("dl-de/by-2-0", "CC BY 4.0", "GeoNames")
RECORD_TYPES = ("towns", "model-projects", "organisations", "people", "events", "sessions", "documents")
PRIVATE_KEYS = ("email", "phone", "registrations", "consentGivenAt", "consentNote")


def fail(message):
    sys.exit(f"exports check failed: {message}")


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=60) as response:
        if response.status != 200:
            fail(f"{path}: HTTP {response.status}")
        return response.headers, response.read()


def wait_until_ready():
    for _ in range(600):
        try:
            with urllib.request.urlopen(BASE + "/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    fail("the server did not become ready")


def download(name):
    headers, body = get(f"/api/v1/exports/{name}")
    path = f"{SCRATCH}/{name}"
    with open(path, "wb") as file:
        file.write(body)
    return headers, body, path


def read_csv(body, name):
    text = body.decode("utf-8")
    licence = [line for line in text.splitlines() if line.startswith("#")]
    if len(licence) != 3 or not text.startswith("#"):
        fail(f"{name}: expected three # licence lines first, found {licence}")
    for mark in LICENCE_MARKS:
        if not any(mark in line for line in licence):
            fail(f"{name}: licence lines do not name {mark}")
    # What a spreadsheet user does: drop the lines starting with #, then read the table.
    rows = list(csv.DictReader(io.StringIO("".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("#")))))
    return rows


def check_graph():
    _, _, graphml_path = download("network.graphml")
    _, _, gexf_path = download("network.gexf")
    _, nodes_body, _ = download("nodes.csv")
    _, edges_body, _ = download("edges.csv")
    graphml = nx.read_graphml(graphml_path)
    gexf = nx.read_gexf(gexf_path, version="1.3")
    nodes = read_csv(nodes_body, "nodes.csv")
    edges = read_csv(edges_body, "edges.csv")
    if not nodes or not edges:
        fail("the network is empty")
    ids = {row["id"] for row in nodes}
    if len(ids) != len(nodes):
        fail("nodes.csv repeats an id")
    for graph, name in ((graphml, "GraphML"), (gexf, "GEXF")):
        if set(graph.nodes) != ids:
            fail(f"{name} nodes differ from nodes.csv")
        if graph.number_of_edges() != len(edges):
            fail(f"{name} has {graph.number_of_edges()} edges, edges.csv {len(edges)}")
    for row in edges:
        if row["source"] not in ids or row["target"] not in ids:
            fail(f"edge {row} joins an unknown node")
    for row in nodes:
        if int(row["degree"]) != graphml.degree(row["id"]):
            fail(f"degree of {row['id']}: nodes.csv {row['degree']}, NetworkX {graphml.degree(row['id'])}")
        if graphml.nodes[row["id"]]["label"] != row["label"]:
            fail(f"label of {row['id']} differs between GraphML and nodes.csv")
        if gexf.nodes[row["id"]]["label"] != row["label"]:
            fail(f"label of {row['id']} differs between GEXF and nodes.csv")
    towns = [row for row in nodes if row["type"] == "Town" and row["population"]]
    if not towns:
        fail("no town with a population in the network")
    for town in towns:
        for graph, name in ((graphml, "GraphML"), (gexf, "GEXF")):
            if graph.nodes[town["id"]].get("population") != int(town["population"]):
                fail(f"population of {town['label']} is not the integer {town['population']} in {name}")
    kinds = {row["type"] for row in nodes}
    print(f"network: {len(nodes)} nodes ({', '.join(sorted(kinds))}), {len(edges)} edges; "
          f"GraphML {type(graphml).__name__}, GEXF {type(gexf).__name__} read by NetworkX {nx.__version__}")


def check_records():
    for kind in RECORD_TYPES:
        headers, body, _ = download(f"{kind}.ndjson")
        if headers.get("content-type") != "application/x-ndjson":
            fail(f"{kind}.ndjson: content type {headers.get('content-type')}")
        records = [json.loads(line) for line in body.decode("utf-8").splitlines()]
        ids = [record["id"] for record in records]
        if len(set(ids)) != len(ids):
            fail(f"{kind}.ndjson repeats a record")
        _, listed = get(f"/api/v1/{kind}?limit=1")
        total = json.loads(listed)["totalCount"]
        if total != len(records):
            fail(f"{kind}.ndjson has {len(records)} records, the REST list {total}")
        for record in records:
            for key in PRIVATE_KEYS:
                if key in record:
                    fail(f"{kind}.ndjson carries {key}")
        print(f"{kind}.ndjson: {len(records)} records, {len(body)} bytes")


wait_until_ready()
check_graph()
check_records()
print("exports check passed")
