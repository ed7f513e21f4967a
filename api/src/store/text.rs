//! Case-insensitive substring matching that behaves the same on SQLite and PostgreSQL.

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

use crate::error::{AppError, AppResult};

/// Longest search text accepted.
pub const MAX_SEARCH_LENGTH: usize = 200;

/// Checks a search text: trimmed, not empty, bounded.
pub fn search_text(text: &str, field: &str) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    if text.chars().count() > MAX_SEARCH_LENGTH {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must be at most {MAX_SEARCH_LENGTH} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// `lower(column) LIKE '%text%'`, with `%`, `_` and `\` in the text matched literally.
pub fn contains<C: ColumnTrait>(column: C, text: &str) -> SimpleExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
        .like(LikeExpr::new(pattern).escape('\\'))
}
