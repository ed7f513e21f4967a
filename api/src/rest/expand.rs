//! `expand=`: related records embedded in an answer, so a partner makes one call instead of N.

use crate::error::{AppError, AppResult};

/// The expansions a request asked for, checked against what the endpoint offers.
#[derive(Clone, Debug, Default)]
pub struct Expand(Vec<&'static str>);

impl Expand {
    /// Parses `expand=a,b`; an expansion the endpoint does not offer is a `BAD_USER_INPUT` error.
    pub fn parse(value: Option<&str>, offered: &[&'static str]) -> AppResult<Self> {
        let mut wanted = Vec::new();
        for item in value.unwrap_or_default().split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let known = offered.iter().find(|name| **name == item).ok_or_else(|| {
                AppError::bad_field(
                    "expand",
                    format!(
                        "`{item}` cannot be expanded here; offered: {}",
                        offered.join(", ")
                    ),
                )
            })?;
            if !wanted.contains(known) {
                wanted.push(*known);
            }
        }
        Ok(Self(wanted))
    }

    /// Whether `name` was asked for.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name)
    }
}
