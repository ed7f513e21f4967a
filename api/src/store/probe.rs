//! A condition that a related row exists, written so that both backends look it up by key for each
//! row: `(SELECT 1 … LIMIT 1) IS NOT NULL`. An `IN (SELECT …)` or `EXISTS` condition is instead read
//! whole for every statement (SQLite materialises it, PostgreSQL hashes it), and SQLite then drives
//! the statement from that list rather than from the keys it was asked for.

use sea_orm::sea_query::{Expr, ExprTrait as _, SelectStatement};

/// Whether `probe`, a select correlated with the outer row, finds a row.
pub fn found(mut probe: SelectStatement) -> Expr {
    probe.limit(1);
    Expr::SubQuery(None, Box::new(probe.into())).is_not_null()
}
