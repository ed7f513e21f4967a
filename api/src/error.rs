//! One error type for the whole API, with stable codes shared by GraphQL (`extensions.code`) and REST
//! (status + JSON body). Internal causes are logged, never sent to clients.

use async_graphql::ErrorExtensions;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;
use serde::Serialize;

/// The stable error codes of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is malformed or a value is invalid.
    BadUserInput,
    /// A token is missing where required, or it is invalid.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The record does not exist (or is not visible to the caller).
    NotFound,
    /// A unique key or a version check failed.
    Conflict,
    /// Too many requests.
    RateLimited,
    /// The server is overloaded, or its database is busy or unreachable: retry shortly.
    Unavailable,
    /// Something failed on our side.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadUserInput => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Every failure a request can meet.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Invalid input; `field` names the offending argument or input field when there is one.
    #[error("{message}")]
    BadUserInput {
        message: String,
        field: Option<String>,
    },
    /// No such record.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Missing, invalid or expired credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// A unique key or version check failed, or a record is still referenced.
    #[error("{message}")]
    Conflict {
        message: String,
        /// The record's current version, when a version check failed.
        current_version: Option<i32>,
    },
    /// Overloaded, timed out, or the database is locked or unreachable; the cause is logged.
    #[error("the service is busy or its database is unreachable; retry shortly")]
    Unavailable(String),
    /// The database failed; the cause is logged, not shown.
    #[error("internal error")]
    Database(DbErr),
    /// Any other internal failure; the cause is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// Invalid input without a specific field.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: None,
        }
    }

    /// Invalid input in the named field.
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// A conflict without a version (duplicate key, record still referenced).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            current_version: None,
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Database(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message a client may see: internal causes are replaced by a generic text and logged.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(cause) => {
                tracing::error!(error = %cause, "database error");
                "internal error".to_owned()
            }
            Self::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                "internal error".to_owned()
            }
            Self::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "unavailable");
                self.to_string()
            }
            other => other.to_string(),
        }
    }

    /// The full text for the operator of a command: the cause that [`AppError::public_message`]
    /// hides from clients.
    pub fn detail(&self) -> String {
        match self {
            Self::Database(cause) => format!("database error: {cause}"),
            Self::Internal(cause) | Self::Unavailable(cause) => cause.clone(),
            other => other.to_string(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::BadUserInput { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    fn current_version(&self) -> Option<i32> {
        match self {
            Self::Conflict {
                current_version, ..
            } => *current_version,
            _ => None,
        }
    }

    /// Seconds to wait before retrying, for rate-limited requests.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::Unavailable(_) => Some(1),
            _ => None,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if unavailable(&error) {
            Self::Unavailable(error.to_string())
        } else {
            Self::Database(error)
        }
    }
}

/// Whether a database error means "busy or unreachable" (retry later) rather than a fault:
/// pool exhausted, connection lost, SQLite locked, PostgreSQL shutting down, timed out or full.
fn unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match error {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::Protocol(_) => true,
        Sqlx::WorkerCrashed => true,
        Sqlx::Database(database) => {
            let code = database.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLite: BUSY (5) and LOCKED (6) with their extended codes.
            let sqlite_busy = code
                .parse::<u32>()
                .is_ok_and(|code| matches!(code & 0xff, 5 | 6));
            // PostgreSQL: connection exceptions, insufficient resources, operator intervention
            // (shutdown, statement timeout, cancel).
            sqlite_busy
                || code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57")
        }
        _ => false,
    }
}

/// The JSON body of every REST error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Always present: the stable code and a human-readable message.
    pub error: ErrorDetail,
}

/// Code, message and (for invalid input) the offending field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The offending parameter or input field, for invalid input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The record's current version, when a version check failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// The request's id (also in the `x-request-id` header), to find the cause in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.public_message(),
                field: self.field().map(str::to_owned),
                current_version: self.current_version(),
                request_id: None,
            },
        };
        let retry_after = self.retry_after();
        let mut response = (code.status(), Json(body)).into_response();
        if let Some(seconds) = retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        let code = self.code();
        let field = self.field().map(str::to_owned);
        let current_version = self.current_version();
        let retry_after = self.retry_after();
        async_graphql::Error::new(self.public_message()).extend_with(|_, extensions| {
            extensions.set("code", code.as_str());
            if let Some(field) = &field {
                extensions.set("field", field.as_str());
            }
            if let Some(version) = current_version {
                extensions.set("currentVersion", version);
            }
            if let Some(seconds) = retry_after {
                extensions.set("retryAfter", seconds);
            }
        })
    }
}

/// A command's failure as its operator reads it: every cause in the chain, each [`AppError`] with the
/// cause it hides from clients (`cannot open the database: set JWT_SECRET …`). A failure without an
/// `AppError` is returned as it is.
pub fn for_operator(error: anyhow::Error) -> anyhow::Error {
    if !error.chain().any(|cause| cause.is::<AppError>()) {
        return error;
    }
    let causes: Vec<String> = error
        .chain()
        .map(|cause| match cause.downcast_ref::<AppError>() {
            Some(app) => app.detail(),
            None => cause.to_string(),
        })
        .collect();
    anyhow::anyhow!(causes.join(": "))
}

/// `?` turns an [`AppError`] into a GraphQL error that carries its code (async-graphql's blanket
/// conversion from any `Display` is switched off by its `custom-error-conversion` feature, so no
/// error reaches a client without one).
impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.extend()
    }
}

/// Result of service functions.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_do_not_leak() {
        let error = AppError::Database(DbErr::Custom("relation \"town\" does not exist".into()));
        assert_eq!(error.code(), ErrorCode::Internal);
        assert_eq!(error.public_message(), "internal error");
        let gql = error.extend();
        assert_eq!(gql.message, "internal error");
        let code = gql.extensions.and_then(|e| e.get("code").cloned());
        assert_eq!(code, Some(async_graphql::Value::from("INTERNAL")));
    }

    #[test]
    fn the_operator_of_a_command_sees_the_cause() {
        let error = AppError::Internal("set JWT_SECRET (at least 32 bytes)".to_owned());
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(error.detail(), "set JWT_SECRET (at least 32 bytes)");
        let error = AppError::Database(DbErr::Custom("no such table".into()));
        assert!(error.detail().contains("no such table"));
        assert_eq!(AppError::NotFound("Town").detail(), "Town not found");
    }

    #[test]
    fn a_failed_command_names_its_context_and_the_hidden_cause() {
        use anyhow::Context as _;
        let failed: anyhow::Result<()> = Err(AppError::Internal("set JWT_SECRET".to_owned()))
            .context("cannot open the database");
        let error = failed.err().unwrap_or_else(|| anyhow::anyhow!("no error"));
        assert_eq!(
            for_operator(error).to_string(),
            "cannot open the database: set JWT_SECRET"
        );
        let plain = anyhow::anyhow!("cannot read bundle.json").context("import failed");
        let kept = format!("{:#}", for_operator(plain));
        assert_eq!(kept, "import failed: cannot read bundle.json");
    }

    #[test]
    fn question_mark_keeps_the_code() {
        fn resolver() -> async_graphql::Result<()> {
            Err(AppError::NotFound("Town"))?
        }
        let error = resolver().err().map(|e| (e.message, e.extensions));
        let (message, extensions) = error.unwrap_or_default();
        assert_eq!(message, "Town not found");
        let code = extensions.and_then(|e| e.get("code").cloned());
        assert_eq!(code, Some(async_graphql::Value::from("NOT_FOUND")));
    }

    #[test]
    fn codes_map_to_statuses() {
        assert_eq!(ErrorCode::BadUserInput.status(), StatusCode::BAD_REQUEST);
        assert_eq!(ErrorCode::NotFound.status(), StatusCode::NOT_FOUND);
        assert_eq!(ErrorCode::Conflict.as_str(), "CONFLICT");
    }
}
