//! The embeddable programme page: accessible German HTML rendered on the server, with inline
//! styles only (no scripts, no external loads), for partner sites to frame.

use chrono::{DateTime, Utc};
use entity::enums::DatePrecision;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{german, people};
use crate::ids;
use crate::service::programme::{EventInfo, Programme};

/// The `Content-Security-Policy` of the page: nothing but its own inline styles, framable anywhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *";

/// The policy of the same page as a preview in the staff interface: not framable.
pub const PREVIEW_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE: &str = "\
:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;\
line-height:1.45;color:#1a1a1a;background:#fff}\
body{margin:0;padding:1rem}main{max-width:48rem;margin:0 auto}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}\
h3{font-size:1.05rem;margin:0}p{margin:.2rem 0}\
.subtitle{font-size:1.1rem}.meta{color:#444}.notice{color:#a00000;font-weight:700}\
ol.programme{list-style:none;margin:0;padding:0}\
ol.programme>li{display:grid;grid-template-columns:7.5rem 1fr;gap:.75rem;padding:.6rem 0;\
border-top:1px solid #ccc}\
.time{font-variant-numeric:tabular-nums;font-weight:600}.until{display:block;font-weight:400;color:#444}.kind{color:#444;font-size:.9rem}\
ul.contributors{margin:.3rem 0 0;padding-left:1.1rem}\
a{color:#0b4f8a}a:focus{outline:2px solid #0b4f8a;outline-offset:2px}\
footer{margin-top:1.5rem;border-top:1px solid #ccc;padding-top:.75rem}\
@media (max-width:30rem){ol.programme>li{grid-template-columns:1fr;gap:.1rem}.until{display:inline}}\
@media print{:root{color:#000}body{padding:0}a{color:#000;text-decoration:none}\
.ics{display:none}ol.programme>li{break-inside:avoid;border-color:#000}}";

/// The page of a programme.
pub fn page(programme: &Programme) -> String {
    let info = &programme.event;
    let record = &info.record;
    let ics = format!("/api/v1/events/{}.ics", ids::encode("Event", record.id));
    let local = |at: DateTime<Utc>| at.with_timezone(&info.zone);
    let organisers: Vec<String> = info
        .organisers
        .iter()
        .map(|o| o.organisation.name.clone())
        .collect();
    let markup: Markup = html! {
        (DOCTYPE)
        html lang="de" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Programm: " (record.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    header {
                        h1 { (record.title) }
                        @if let Some(subtitle) = &record.subtitle {
                            p.subtitle { (subtitle) }
                        }
                        @if let Some(notice) = german::status_notice(record.status) {
                            p.notice { (notice) }
                        }
                        p.meta { (when(info)) }
                        @if let Some(place) = place_line(info) {
                            p.meta { (place) }
                        }
                        @if !organisers.is_empty() {
                            p.meta { "Veranstaltet von " (organisers.join(", ")) }
                        }
                    }
                    section aria-labelledby="programm" {
                        h2 #programm { "Programm" }
                        @if programme.sessions.is_empty() {
                            p { "Das Programm ist noch nicht veröffentlicht." }
                        }
                        ol.programme {
                            @for session in &programme.sessions {
                                @let s = &session.record;
                                li {
                                    p.time {
                                        time datetime=(local(s.starts_at).to_rfc3339()) {
                                            (german::clock(local(s.starts_at)))
                                        }
                                        @if let Some(end) = s.ends_at {
                                            span.until {
                                                " bis "
                                                time datetime=(local(end).to_rfc3339()) {
                                                    (german::clock(local(end)))
                                                }
                                            }
                                        }
                                    }
                                    div {
                                        h3 { (s.title) }
                                        p.kind { (german::kind(s.kind)) }
                                        @if let Some(subtitle) = &s.subtitle {
                                            p { (subtitle) }
                                        }
                                        @if !session.contributors.is_empty() {
                                            ul.contributors aria-label="Mitwirkende" {
                                                @for contributor in &session.contributors {
                                                    @let details = people::details(contributor);
                                                    li {
                                                        strong { (people::name(contributor)) }
                                                        @if !details.is_empty() {
                                                            ", " (details.join(", "))
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    footer {
                        p.ics {
                            a href=(ics) type="text/calendar" {
                                "Programm als Kalenderdatei (.ics) herunterladen"
                            }
                        }
                        @if let Some(website) = &record.website {
                            p {
                                a href=(website) target="_blank" rel="noopener noreferrer" {
                                    "Mehr zur Veranstaltung"
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// When the event takes place, in words, as precisely as it is known.
fn when(info: &EventInfo) -> String {
    let record = &info.record;
    let start = record.starts_at.with_timezone(&info.zone);
    let end = record.ends_at.map(|end| end.with_timezone(&info.zone));
    match record.date_precision {
        DatePrecision::Minute => match end {
            Some(end) if end.date_naive() == start.date_naive() => format!(
                "{}, {}",
                german::long_date(start.date_naive()),
                german::clock_span(start, end)
            ),
            Some(end) => format!(
                "{}, {} bis {}, {}",
                german::long_date(start.date_naive()),
                german::clock(start),
                german::long_date(end.date_naive()),
                german::clock(end)
            ),
            None => format!(
                "{}, {}",
                german::long_date(start.date_naive()),
                german::clock(start)
            ),
        },
        DatePrecision::Day => german::long_date(start.date_naive()),
        DatePrecision::Month => german::month_year(start.date_naive()),
        DatePrecision::Year => start.format("%Y").to_string(),
    }
}

/// Format and place: `Digitale Veranstaltung` or `Präsenzveranstaltung · Rathaus, Wittenberge`.
fn place_line(info: &EventInfo) -> Option<String> {
    let parts: Vec<String> = info
        .record
        .format
        .map(|f| german::format(f).to_owned())
        .into_iter()
        .chain(people::place(info).filter(|_| !people::online_only(info)))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}
