#!/usr/bin/env python3
"""Deterministic network-scale data for the kleinstadt bench, as one import bundle (JSON).

    python3 bench/gen_data.py -o bench/out/bundle.json            # seed 20240601
    python3 bench/gen_data.py --seed 7 --events 50 -o small.json  # smaller, another seed
    python3 bench/gen_data.py --stats                             # the facts expect.json relies on

The bundle is what `kleinstadt import-bundle <file>` loads (format: api/src/bulk/bundle.rs).
Every record has a string `key`; records refer to each other by key.

Scale (defaults): 2,100 towns taken from data/de-towns.csv (the 1,966 small towns of 5,000-19,999
inhabitants first, then the places closest to that range), 60 model projects of 4-6 towns with a
lead town and 1-3 partner organisations, 200 organisations, 3,000 people, 500 events from 2018 to
2030 with 10-20 sessions each and 2-4 contributions (a person with their organisation) per session.
About one event in twelve has the topic "Innenstadt" in its title.

Same seed and sizes -> byte-identical output, so that every server loads the same rows in the same
order (the n-th event gets row id n in an empty database). Python 3 standard library only.
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TOWNS_CSV = os.path.join(HERE, "..", "data", "de-towns.csv")
FORMAT = "kleinstadt-bundle/1"

# The scenario facts printed by --stats (and fixed in bench/queries/*/expect.json).
Q1_EVENT = 47  # the event of the programme scenario (row id in an empty database): 20 sessions
Q2_FROM = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
Q2_PAGE = 50
Q3_PROJECTS = 20
Q4_WORD = "innenstadt"
Q4_PAGE = 20

TOPICS = ["Innenstadt", "Digitalisierung", "Klimaanpassung", "Mobilität", "Wohnen", "Ehrenamt",
          "Daseinsvorsorge", "Bürgerbeteiligung", "Leerstand", "Energiewende", "Tourismus", "Bildung"]
EVENT_KIND = ["Netzwerktreffen", "Werkstatt", "Fachtagung", "Online-Seminar", "Exkursion",
              "Jahreskonferenz", "Sprechstunde", "Akademie"]
EVENT_FORMAT = ["IN_PERSON", "DIGITAL", "HYBRID"]
SESSION_KIND = ["TALK", "PANEL", "WORKSHOP", "BREAK", "KEYNOTE", "MODERATION"]
CONTRIBUTION_ROLE = ["SPEAKER", "SPEAKER", "SPEAKER", "PANELIST", "MODERATOR", "KEYNOTE", "HOST"]
ORGANISER_ROLE = ["ORGANISER", "PRODUCER", "COOPERATION_PARTNER", "SUPPORTER"]
PARTNER_ROLE = ["PROJECT_AGENCY", "SCIENTIFIC_ACCOMPANIMENT", "LOCAL_SUPPORT", "OTHER"]
STEM = ["Lin", "Wald", "Rosen", "Eich", "Buch", "Stein", "Mühl", "Kirch", "Hasel", "Linden",
        "Sonn", "Berg", "Fels", "Wies", "Kron", "Mar", "Fried", "Heil", "Lau", "Wer", "Bor",
        "Els", "Hag", "Ket", "Schön", "Tann", "Ulm", "Walds", "Zell", "Dorn"]
SUFFIX = ["berg", "burg", "hausen", "dorf", "feld", "heim", "stadt", "au", "bach", "ingen",
          "rode", "hagen", "see", "brück", "furt", "tal", "stedt", "leben", "kirchen", "weiler"]
# (kind, name pattern); {base} is a made-up place stem, {topic} one of TOPICS, {town} a real town.
ORG_KIND = [
    ("STATE_AUTHORITY", "Landesamt für {topic} {base}"),
    ("MUNICIPAL_ASSOCIATION", "Stadt {town}"),
    ("RESEARCH_INSTITUTE", "Institut für {topic} {base}"),
    ("UNIVERSITY", "Hochschule {base}"),
    ("ASSOCIATION", "Verein {topic} {base} e.V."),
    ("AGENCY", "Agentur {base}"),
    ("FOUNDATION", "Stiftung {base}"),
    ("NETWORK", "Netzwerk {topic} {base}"),
    ("OTHER", "{base} GmbH"),
]
FIRST = ["Anna", "Jonas", "Lena", "Lukas", "Marie", "Felix", "Sophie", "Paul", "Laura", "Tim",
         "Julia", "Max", "Hannah", "Leon", "Katrin", "Stefan", "Birgit", "Thomas", "Sabine", "Jan",
         "Claudia", "Michael", "Petra", "Andreas", "Miriam", "Tobias", "Ines", "Matthias"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Krause",
        "Lehmann", "Köhler", "Herrmann", "Walter", "Peters", "Kaiser"]
ACADEMIC = [None, None, None, "Dr.", "Prof. Dr.", "Dipl.-Ing."]
POSITION = ["Bürgermeister/in", "Stadtplaner/in", "Referent/in", "Projektleitung", "Wissenschaftler/in",
            "Quartiersmanager/in", "Wirtschaftsförderung", "Geschäftsführung", "Klimaschutzmanager/in"]
# No word here may contain Q4_WORD: the search scenario must only find the "Innenstadt" titles.
WORDS = ("Stadt Entwicklung Zentrum Beteiligung Praxis Erfahrung Förderung Kommune Netzwerk "
         "Wandel Zukunft Region Strategie Beispiel Austausch Werkzeug Prozess Ergebnis Qualität "
         "Raum Leben Arbeit Gemeinschaft Verwaltung Umsetzung Dialog Konzept Modell Wirkung").split()


def lorem(r, n_min, n_max):
    n = r.randint(n_min, n_max)
    text = " ".join(r.choice(WORDS) if i % 7 == 0 else r.choice(WORDS).lower() for i in range(n))
    return text + "."


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def pick_towns(path, count):
    """The small towns (5,000-19,999 inhabitants) first, then the places closest to that range;
    ties by GeoNames id. Returned in GeoNames-id order."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    def distance(row):
        pop = int(row["population"])
        return 0 if 5000 <= pop < 20000 else (5000 - pop if pop < 5000 else pop - 19999)

    rows.sort(key=lambda row: (distance(row), int(row["geonames_id"])))
    if len(rows) < count:
        sys.exit(f"{path} has {len(rows)} places, fewer than --towns {count}")
    chosen = sorted(rows[:count], key=lambda row: int(row["geonames_id"]))
    return [{
        "key": f"town-{row['geonames_id']}",
        "geonames_id": int(row["geonames_id"]),
        "name": row["name"],
        "state": row["state"],
        "population": int(row["population"]),
        "latitude": float(row["lat"]),
        "longitude": float(row["lon"]),
    } for row in chosen]


def generate(a):
    r = random.Random(a.seed)
    towns = pick_towns(a.towns_csv, a.towns)
    town_keys = [t["key"] for t in towns]

    organisations = []
    for i in range(1, a.organisations + 1):
        kind, pattern = r.choice(ORG_KIND)
        seat = r.choice(towns)
        name = pattern.format(topic=r.choice(TOPICS), base=r.choice(STEM) + r.choice(SUFFIX),
                              town=seat["name"])
        organisations.append({
            "key": f"org-{i:04d}",
            "name": name,
            "short_name": f"{name[:4].upper().strip()}{i}",
            "kind": kind,
            "town": seat["key"] if r.random() < 0.6 else None,
        })
    org_keys = [o["key"] for o in organisations]

    people = []
    for i in range(1, a.people + 1):
        people.append({
            "key": f"person-{i:05d}",
            "name": f"{r.choice(FIRST)} {r.choice(LAST)}",
            "academic_title": r.choice(ACADEMIC),
            "position": r.choice(POSITION),
            "organisation": r.choice(org_keys) if r.random() < 0.9 else None,
            "town": r.choice(town_keys) if r.random() < 0.7 else None,
        })

    projects = []
    for i in range(1, a.projects + 1):
        topic = r.choice(TOPICS)
        members = r.sample(town_keys, r.randint(4, 6))
        lead_name = next(t["name"] for t in towns if t["key"] == members[0])
        start = r.randint(2016, 2024)
        projects.append({
            "key": f"project-{i:03d}",
            # The number right after a common prefix orders the titles the same in every collation.
            "title": f"Modellvorhaben {i:03d}: {topic} in {lead_name} und Partnerstädten",
            "short_title": f"MV {i:03d} {topic}",
            "topic": topic,
            "description": lorem(r, 20, 60),
            "period_start": f"{start}-{r.randint(1, 12):02d}",
            "period_end": f"{start + r.randint(2, 5)}-{r.randint(1, 12):02d}" if r.random() < 0.8 else None,
            "lead_town": members[0],
            "towns": [{"town": key, "role": "LEAD" if n == 0 else "MEMBER"} for n, key in enumerate(members)],
            "partners": [{"organisation": key, "role": r.choice(PARTNER_ROLE)}
                         for key in r.sample(org_keys, r.randint(1, 3))],
        })
    project_keys = [p["key"] for p in projects]
    org_of = {p["key"]: p["organisation"] for p in people}

    events, sessions, contributions = [], [], []
    first_day = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)
    days = (dt.datetime(2030, 12, 31, tzinfo=dt.timezone.utc) - first_day).days
    for i in range(1, a.events + 1):
        day = first_day + dt.timedelta(days=r.randint(0, days))
        start = day.replace(hour=r.choice([7, 8, 9]), minute=r.choice([0, 30]))
        n_days = r.choice([1, 1, 1, 2])
        end = (day + dt.timedelta(days=n_days - 1)).replace(hour=16, minute=0)
        topic = r.choice(TOPICS)
        fmt = r.choice(EVENT_FORMAT)
        event_key = f"event-{i:04d}"
        events.append({
            "key": event_key,
            "title": f"{r.choice(EVENT_KIND)} {topic}: {r.choice(WORDS)} und {r.choice(WORDS)} {start.year}",
            "description": lorem(r, 60, 140),
            "format": fmt,
            "starts_at": instant(start),
            "ends_at": instant(end),
            "town": r.choice(town_keys) if fmt != "DIGITAL" and r.random() < 0.8 else None,
            "model_project": r.choice(project_keys) if r.random() < 0.2 else None,
            "organisers": [{"organisation": key, "role": ORGANISER_ROLE[n % len(ORGANISER_ROLE)]}
                           for n, key in enumerate(r.sample(org_keys, r.randint(1, 2)))],
        })
        t = start
        for s in range(1, r.randint(10, 20) + 1):
            length = dt.timedelta(minutes=r.choice([15, 30, 45, 60, 90]))
            kind = r.choice(SESSION_KIND)
            session_key = f"{event_key}-s{s:02d}"
            sessions.append({
                "key": session_key,
                "event": event_key,
                "title": f"{kind.capitalize()}: {r.choice(WORDS)} und {topic}",
                "kind": kind,
                "starts_at": instant(t),
                "ends_at": instant(t + length),
                "description": lorem(r, 30, 90),
            })
            for c, person in enumerate(r.sample(people, r.randint(2, 4)), start=1):
                contributions.append({
                    "key": f"{session_key}-c{c}",
                    "session": session_key,
                    "person": person["key"],
                    "organisation": org_of[person["key"]],
                    "role": r.choice(CONTRIBUTION_ROLE),
                })
            t = t + length + dt.timedelta(minutes=r.choice([0, 0, 15]))
            if t.hour >= 17:  # continue the next morning
                t = (t + dt.timedelta(days=1)).replace(hour=8, minute=0)

    return {
        "format": FORMAT,
        "source": f"bench:gen_data seed {a.seed}",
        "towns": towns,
        "organisations": organisations,
        "people": people,
        "model_projects": projects,
        "events": events,
        "sessions": sessions,
        "contributions": contributions,
    }


def stats(bundle):
    """The row counts the scenarios must return, computed from the bundle itself."""
    events = bundle["events"]
    q1_key = f"event-{Q1_EVENT:04d}"
    q1_sessions = [s for s in bundle["sessions"] if s["event"] == q1_key]
    q1_session_keys = {s["key"] for s in q1_sessions}
    q1_contributions = [c for c in bundle["contributions"] if c["session"] in q1_session_keys]
    frm = instant(Q2_FROM)
    upcoming = [e for e in events if (e["ends_at"] or e["starts_at"]) >= frm]
    by_title = sorted(bundle["model_projects"], key=lambda p: p["title"])[:Q3_PROJECTS]
    hits = [e for e in events if Q4_WORD in e["title"].lower() or Q4_WORD in (e["description"] or "").lower()]
    return {
        "q1_event": q1_key,
        "q1_title": next(e["title"] for e in events if e["key"] == q1_key),
        "q1_sessions": len(q1_sessions),
        "q1_contributions": len(q1_contributions),
        "q1_contributions_with_organisation": sum(1 for c in q1_contributions if c["organisation"]),
        "q2_upcoming_from": frm,
        "q2_upcoming_total": len(upcoming),
        "q2_page1": min(Q2_PAGE, len(upcoming)),
        "q2_page2": max(0, min(Q2_PAGE, len(upcoming) - Q2_PAGE)),
        "q3_projects": len(by_title),
        "q3_towns": sum(len(p["towns"]) for p in by_title),
        "q4_hits_total": len(hits),
        "q4_page": min(Q4_PAGE, len(hits)),
        "records": {k: len(v) for k, v in bundle.items() if isinstance(v, list)},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--towns", type=int, default=2100)
    ap.add_argument("--projects", type=int, default=60)
    ap.add_argument("--organisations", type=int, default=200)
    ap.add_argument("--people", type=int, default=3000)
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--towns-csv", default=DEFAULT_TOWNS_CSV, help="GeoNames places (data/de-towns.csv)")
    ap.add_argument("-o", "--output", help="write the bundle here (default: stdout)")
    ap.add_argument("--stats", action="store_true", help="print the scenario facts as JSON instead")
    a = ap.parse_args()
    bundle = generate(a)
    if a.stats:
        print(json.dumps(stats(bundle), indent=2, ensure_ascii=False))
        return
    text = json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))
    if a.output:
        os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
            f.write("\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
