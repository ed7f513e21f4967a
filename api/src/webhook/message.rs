//! The messages a webhook sends: one per public change, and pings.

use entity::change_log;
use serde_json::json;

use super::client::Message;
use crate::service::changes;

/// `ModelProject` → `model_project`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (index, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The event type of a change as an anonymous reader sees it: `event.updated`,
/// `model_project.published`, …; `None` for a change hidden from them.
pub fn event_type(entry: &change_log::Model) -> Option<String> {
    let action = entry.public_action?;
    let action = serde_json::to_value(action).ok()?;
    Some(format!(
        "{}.{}",
        snake(&entry.record_type),
        action.as_str()?.to_ascii_lowercase()
    ))
}

/// The message of a public change: id = its position; body `{type, timestamp, data}` with the
/// public payload of the change.
pub fn of_change(entry: &change_log::Model, base_url: &str) -> Option<Message> {
    let position = entry.position?;
    let body = json!({
        "type": event_type(entry)?,
        "timestamp": entry.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": changes::public_payload(entry, base_url),
    });
    Some(Message {
        id: position.to_string(),
        body: body.to_string().into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_become_snake_case() {
        assert_eq!(snake("Event"), "event");
        assert_eq!(snake("ModelProject"), "model_project");
        assert_eq!(snake("BoardMembership"), "board_membership");
    }
}
