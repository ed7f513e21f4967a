//! Global IDs: opaque, URL-safe strings naming a type and a row (`Town:42`), the same in GraphQL and REST.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

/// Encodes the global ID of a row of `type_name`.
pub fn encode(type_name: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// Decodes any global ID into its type name and row id.
pub fn decode(global: &str) -> AppResult<(String, i32)> {
    let invalid = || AppError::bad_field("id", format!("`{global}` is not a valid ID"));
    let bytes = URL_SAFE_NO_PAD.decode(global).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_name, id) = text.split_once(':').ok_or_else(invalid)?;
    let id = id.parse::<i32>().map_err(|_| invalid())?;
    if id <= 0 || type_name.is_empty() {
        return Err(invalid());
    }
    Ok((type_name.to_owned(), id))
}

/// Decodes a global ID that must name `type_name`; `argument` names the input in errors.
pub fn decode_as(global: &str, type_name: &str, argument: &str) -> AppResult<i32> {
    match decode(global) {
        Ok((found, id)) if found == type_name => Ok(id),
        Ok((found, _)) => Err(AppError::bad_field(
            argument,
            format!("`{argument}` must be the ID of a {type_name}, not of a {found}"),
        )),
        Err(_) => Err(AppError::bad_field(
            argument,
            format!("`{argument}` is not a valid {type_name} ID"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let global = encode("Event", 7);
        assert_eq!(decode(&global).ok(), Some(("Event".to_owned(), 7)));
        assert_eq!(decode_as(&global, "Event", "id").ok(), Some(7));
        assert!(decode_as(&global, "Town", "town").is_err());
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(decode("%%%").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Event")).is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Event:-1")).is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Event:x")).is_err());
    }
}
