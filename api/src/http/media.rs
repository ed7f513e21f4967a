//! Content negotiation for GraphQL answers (GraphQL over HTTP, "Accept"): the two media types a
//! GraphQL answer can be sent as, chosen from the client's `Accept` header with q-values.

/// A media type of GraphQL answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: status codes tell request errors from field errors.
    GraphqlResponse,
    /// `application/json`: every well-formed request answers 200, as older clients expect.
    Json,
}

impl Media {
    /// The `Content-Type` of an answer in this type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    fn essence(self) -> (&'static str, &'static str) {
        match self {
            Self::GraphqlResponse => ("application", "graphql-response+json"),
            Self::Json => ("application", "json"),
        }
    }
}

/// How well one `Accept` range matched a media type: its weight and how specific the range was
/// (2: the type itself, 1: `application/*`, 0: `*/*`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Grade {
    q: f32,
    specificity: u8,
}

/// The media type to answer in, for an `Accept` header (`None`: the header is missing, which
/// means `application/json`). `Err(())` when neither type is acceptable (406).
///
/// Each type takes the weight of the most specific range that names it (RFC 9110 §12.5.1). The
/// heavier type wins; at equal weight the one named more specifically, and when both are named
/// outright, `application/graphql-response+json`, as the specification recommends. `*/*` alone
/// gives `application/json`, which every client understands.
pub fn negotiate(accept: Option<&str>) -> Result<Media, ()> {
    let Some(accept) = accept.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(Media::Json);
    };
    let grade = |media: Media| -> Option<Grade> {
        accept
            .split(',')
            .filter_map(|range| match_range(range, media))
            .max_by_key(|grade| grade.specificity)
            .filter(|grade| grade.q > 0.0)
    };
    match (grade(Media::GraphqlResponse), grade(Media::Json)) {
        (None, None) => Err(()),
        (Some(_), None) => Ok(Media::GraphqlResponse),
        (None, Some(_)) => Ok(Media::Json),
        (Some(response), Some(json)) => {
            let by_weight = response.q.total_cmp(&json.q);
            let by_name = response.specificity.cmp(&json.specificity);
            Ok(match by_weight.then(by_name) {
                std::cmp::Ordering::Greater => Media::GraphqlResponse,
                std::cmp::Ordering::Less => Media::Json,
                std::cmp::Ordering::Equal if response.specificity == 2 => Media::GraphqlResponse,
                std::cmp::Ordering::Equal => Media::Json,
            })
        }
    }
}

/// How one range (`type/subtype;param=value;q=0.5`) matches `media`, if it does. A `charset`
/// other than UTF-8, or a malformed range or weight, matches nothing.
fn match_range(range: &str, media: Media) -> Option<Grade> {
    let mut parts = range.split(';');
    let (kind, subtype) = parts.next()?.trim().split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    let (want_kind, want_subtype) = media.essence();
    let specificity = if kind == "*" && subtype == "*" {
        0
    } else if kind.eq_ignore_ascii_case(want_kind) && subtype == "*" {
        1
    } else if kind.eq_ignore_ascii_case(want_kind) && subtype.eq_ignore_ascii_case(want_subtype) {
        2
    } else {
        return None;
    };
    let mut q = 1.0;
    for parameter in parts {
        let (name, value) = parameter.trim().split_once('=')?;
        let value = value.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "q" => q = weight(value)?,
            "charset" if !value.eq_ignore_ascii_case("utf-8") => return None,
            _ => {}
        }
    }
    Some(Grade { q, specificity })
}

/// A weight: 0 to 1 with at most three decimals.
fn weight(value: &str) -> Option<f32> {
    let well_formed = match value.split_once('.') {
        Some((whole, fraction)) => {
            matches!(whole, "0" | "1")
                && fraction.len() <= 3
                && fraction.bytes().all(|byte| byte.is_ascii_digit())
                && (whole == "0" || fraction.bytes().all(|byte| byte == b'0'))
        }
        None => matches!(value, "0" | "1"),
    };
    well_formed.then(|| value.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: Result<Media, ()> = Ok(Media::GraphqlResponse);
    const JSON: Result<Media, ()> = Ok(Media::Json);

    #[test]
    fn a_missing_header_or_any_type_means_json() {
        assert_eq!(negotiate(None), JSON);
        assert_eq!(negotiate(Some("")), JSON);
        assert_eq!(negotiate(Some("*/*")), JSON);
        assert_eq!(negotiate(Some("application/*")), JSON);
    }

    #[test]
    fn a_named_type_is_answered_in_that_type() {
        assert_eq!(
            negotiate(Some("application/graphql-response+json")),
            RESPONSE
        );
        assert_eq!(negotiate(Some("application/json")), JSON);
        assert_eq!(negotiate(Some("Application/JSON; charset=utf-8")), JSON);
        assert_eq!(
            negotiate(Some("application/graphql-response+json, */*;q=0.5")),
            RESPONSE
        );
    }

    #[test]
    fn weights_decide_and_the_newer_type_wins_a_tie() {
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json,application/json;q=0.9"
            )),
            RESPONSE
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json;q=0.8, application/json"
            )),
            JSON
        );
        assert_eq!(
            negotiate(Some("application/json, application/graphql-response+json")),
            RESPONSE
        );
        // The most specific range sets the weight: json is refused although */* allows it.
        assert_eq!(negotiate(Some("application/json;q=0, */*")), RESPONSE);
    }

    #[test]
    fn nothing_acceptable_is_refused() {
        assert_eq!(negotiate(Some("text/html")), Err(()));
        assert_eq!(negotiate(Some("application/xml, text/*")), Err(()));
        assert_eq!(
            negotiate(Some(
                "application/json;q=0, application/graphql-response+json;q=0"
            )),
            Err(())
        );
        assert_eq!(negotiate(Some("application/json; charset=latin1")), Err(()));
        assert_eq!(negotiate(Some("application/json;q=2")), Err(()));
        assert_eq!(negotiate(Some("garbage")), Err(()));
    }
}
