//! The demo event: the Bundestagung of 21 January 2022, complete, in order, in local time.

use crate::support::TestApp;
use serde_json::{Value, json};

const PROGRAMME: &str = r#"
query Programme($text: String!) {
  events(filter: { text: $text }, first: 2) {
    totalCount
    nodes {
      id title format status timeZone startsAtLocal endsAtLocal startsAt endsAt datePrecision published
      organisers { edges { role node { shortName } } }
      sessions(first: 20) {
        totalCount
        nodes {
          position title subtitle kind startsAt startsAtLocal endsAtLocal
          contributions {
            nodes {
              role affiliation
              person { name academicTitle position organisation { shortName } }
              organisation { shortName name }
            }
          }
        }
      }
    }
  }
}"#;

async fn bundestagung(app: &TestApp) -> Value {
    let data = app
        .query(PROGRAMME, json!({ "text": "Bundestagung" }))
        .await;
    let events = data["events"]["nodes"].as_array().cloned().unwrap();
    let matching: Vec<Value> = events
        .into_iter()
        .filter(|e| {
            e["startsAt"]
                .as_str()
                .is_some_and(|s| s.starts_with("2022-01-21"))
        })
        .collect();
    assert_eq!(matching.len(), 1, "exactly one Bundestagung on 21 Jan 2022");
    matching[0].clone()
}

#[tokio::test]
async fn the_demo_event_has_its_full_programme_in_local_time() {
    let app = TestApp::seeded().await;
    let event = bundestagung(&app).await;
    assert_eq!(event["title"], "Bundestagung „Kleinstädte in Deutschland“");
    assert_eq!(event["format"], "DIGITAL");
    assert_eq!(event["status"], "SCHEDULED");
    assert_eq!(event["timeZone"], "Europe/Berlin");
    assert_eq!(event["published"], true);
    assert_eq!(event["datePrecision"], "MINUTE");
    assert_eq!(event["startsAtLocal"], "2022-01-21T09:30:00+01:00");
    assert_eq!(event["endsAtLocal"], "2022-01-21T14:15:00+01:00");
    assert_eq!(event["startsAt"], "2022-01-21T08:30:00+00:00");

    let sessions = event["sessions"]["nodes"].as_array().cloned().unwrap();
    assert_eq!(event["sessions"]["totalCount"], 11);
    let got: Vec<(String, String, String)> = sessions
        .iter()
        .map(|s| {
            let local = s["startsAtLocal"].as_str().unwrap();
            (
                local.get(11..16).unwrap().to_owned(),
                s["kind"].as_str().unwrap().to_owned(),
                s["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("09:30", "MODERATION", "Einführung durch die Moderation"),
        (
            "09:45",
            "WELCOME",
            "Grußwort und Perspektiven der Kleinstadtentwicklung",
        ),
        (
            "10:00",
            "TALK",
            "Handlungsstrategien für Kleinstädte: Der Kleinstadtbericht des BBSR",
        ),
        (
            "10:15",
            "PANEL",
            "Die Kleinstadtakademie durch Kleinstädte aktiv gestalten",
        ),
        (
            "11:00",
            "TALK",
            "„Abstimmungsräume, Netzwerk, Öffentlichkeit, Plattform, Kontinuität“ – Das Positionspapier des Beirats der Pilotphase Kleinstadtakademie",
        ),
        ("11:15", "SURVEY", "Sie sind gefragt! I"),
        ("11:30", "BREAK", "Pause"),
        (
            "12:15",
            "KEYNOTE",
            "Kleinstädte als Orte der Demokratiebildung",
        ),
        ("12:45", "SURVEY", "Sie sind gefragt! II"),
        ("13:00", "PANEL", "„Kleinstädte gemeinsam stärken“"),
        ("14:00", "CLOSING", "Verabschiedung"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(t, k, n)| ((*t).to_owned(), (*k).to_owned(), (*n).to_owned()))
        .collect();
    assert_eq!(got, expected);
    // 9:30 Europe/Berlin is 08:30 UTC in winter.
    assert_eq!(sessions[0]["startsAt"], "2022-01-21T08:30:00+00:00");
    assert_eq!(sessions[10]["endsAtLocal"], "2022-01-21T14:15:00+01:00");
}

fn contributors(session: &Value) -> Vec<String> {
    session["contributions"]["nodes"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .map(|c| match c["person"]["name"].as_str() {
            Some(name) => name.to_owned(),
            None => format!(
                "org:{}",
                c["organisation"]["shortName"].as_str().unwrap_or("?")
            ),
        })
        .collect()
}

#[tokio::test]
async fn every_named_contributor_appears_with_title_position_and_organisation() {
    let app = TestApp::seeded().await;
    let event = bundestagung(&app).await;
    let sessions = event["sessions"]["nodes"].as_array().cloned().unwrap();
    assert_eq!(sessions.len(), 11);

    assert_eq!(contributors(&sessions[2]), vec!["org:BBSR"]);
    assert_eq!(
        contributors(&sessions[3]),
        vec![
            "Elke Bojarra-Becker",
            "Dominik Brasch",
            "Kerstin Körner",
            "Gregor Langenbrinck"
        ]
    );
    assert_eq!(contributors(&sessions[7]), vec!["Roland Löffler"]);
    let closing_panel = contributors(&sessions[9]);
    for name in [
        "org:BMWSB",
        "Bernd Düsterdiek",
        "Bernd Fuhrmann",
        "Tanja Rönck",
        "Matthias Wohltmann",
    ] {
        assert!(
            closing_panel.contains(&name.to_owned()),
            "{name} missing in {closing_panel:?}"
        );
    }
    assert_eq!(contributors(&sessions[10]), vec!["org:BMWSB"]);

    let panel = &sessions[3]["contributions"]["nodes"];
    assert_eq!(panel[0]["role"], "PANELIST");
    assert_eq!(panel[0]["person"]["academicTitle"], "Dr.");
    assert_eq!(panel[0]["person"]["organisation"]["shortName"], "Difu");
    assert_eq!(
        panel[1]["affiliation"],
        "Bürgermeister Bad Soden-Salmünster"
    );
    let keynote = &sessions[7]["contributions"]["nodes"][0];
    assert_eq!(keynote["role"], "KEYNOTE");
    assert_eq!(keynote["person"]["academicTitle"], "Dr.");
    assert_eq!(keynote["organisation"]["shortName"], "SLpB");

    let organisers: Vec<String> = event["organisers"]["edges"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["role"].as_str().unwrap_or("?"),
                e["node"]["shortName"].as_str().unwrap_or("?")
            )
        })
        .collect();
    for expected in ["ORGANISER:BMWSB", "ORGANISER:BBSR", "PRODUCER:urbanizers"] {
        assert!(
            organisers.contains(&expected.to_owned()),
            "{expected} missing in {organisers:?}"
        );
    }
}
