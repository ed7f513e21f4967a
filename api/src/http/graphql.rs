//! GraphQL over HTTP, as the GraphQL Foundation's specification has it: GET and POST, answers in
//! `application/graphql-response+json` or `application/json` by the client's `Accept`, request
//! errors as 4xx, persisted documents (by `documentId`, and by Apollo's automatic persisted
//! queries), and HTTP caching of anonymous persisted reads over GET.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError, Value, Variables};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::media::{Media, negotiate};
use super::params::{self, Params};
use super::{authenticate, client_address};
use crate::config::Mode;
use crate::error::{AppError, ErrorCode};
use crate::graphql::RequestContext;
use crate::rest::conditional;
use crate::service::persisted;
use crate::state::AppState;

/// What a GraphQL answer depends on besides its URL, in one line: the media type, the caller, and
/// the origin (which the CORS headers name when origins are listed).
const VARY: &str = "Accept, Authorization, Origin";

/// The code of an Apollo persisted-query hash the server does not know (the client then sends the
/// text with the hash).
const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";

/// `GET /graphql`: GraphiQL for a browser without a query; else a query (never a mutation).
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    if uri.query().is_none() && wants_html(&headers) {
        let mut page = super::graphiql::page();
        page.headers_mut()
            .insert(header::VARY, HeaderValue::from_static(VARY));
        return page;
    }
    let Ok(media) = negotiate(accept(&headers)) else {
        return not_acceptable();
    };
    let params = params::from_query_string(uri.query().unwrap_or_default());
    let address = client_address(connect.as_ref().map(|Extension(info)| info));
    run(&state, &headers, address, params, media, true).await
}

/// `POST /graphql` with a JSON body.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(media) = negotiate(accept(&headers)) else {
        return not_acceptable();
    };
    if !utf8_body(&headers) {
        return refusal(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadUserInput.as_str(),
            "send the body as UTF-8 (`Content-Type: application/json` or `application/json; charset=utf-8`)",
        );
    }
    let params = match body {
        Ok(body) => params::from_body(&body),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refusal(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput.as_str(),
                "the request body is too large",
            );
        }
        Err(rejection) => Err(rejection.body_text()),
    };
    let address = client_address(connect.as_ref().map(|Extension(info)| info));
    run(&state, &headers, address, params, media, false).await
}

/// The document a request runs, and whether it was named by its hash (`documentId`, or an Apollo
/// hash sent without the text): only such reads are cacheable by URL.
struct Document {
    text: Arc<str>,
    by_hash: bool,
    /// Whether an operator registered it.
    registered: bool,
}

/// Why a request does not run: its status (by media type) and its error.
struct Refusal {
    status: StatusCode,
    /// The status when answering `application/json`, where a well-formed request answers 200.
    json_status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            json_status: status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput.as_str(),
            message,
        )
    }

    /// A well-formed request for a document this server does not have.
    fn unknown(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            json_status: StatusCode::OK,
            ..Self::new(StatusCode::NOT_FOUND, code, message)
        }
    }

    fn into_response(self, media: Media) -> Response {
        let status = match media {
            Media::GraphqlResponse => self.status,
            Media::Json => self.json_status,
        };
        refusal(media, status, self.code, &self.message)
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        let code = error.code();
        Self::new(code.status(), code.as_str(), error.public_message())
    }
}

/// Finds the text a request runs: its `query`, the persisted document its `documentId` names, or
/// the document of its Apollo `persistedQuery` hash. When anonymous callers are held to
/// registered documents, Apollo clients cannot teach the server new ones.
async fn resolve(
    state: &AppState,
    params: &mut Params,
    anonymous: bool,
) -> Result<Document, Refusal> {
    let apollo_hash = apollo_hash(params.extensions.as_ref())?;
    let only_registered = anonymous && state.config.graphql_persisted_only;
    if let Some(id) = params.document_id.as_deref() {
        if params.query.is_some() || apollo_hash.is_some() {
            return Err(Refusal::bad_request(
                "send either `documentId` or `query`, not both",
            ));
        }
        let hash = persisted::parse_id(id).ok_or_else(|| {
            Refusal::bad_request("`documentId` must be `sha256:` and 64 hexadecimal digits")
        })?;
        let text = state.persisted.registered(&state.db, &hash).await?;
        let text = text.ok_or_else(|| {
            Refusal::unknown(
                ErrorCode::NotFound.as_str(),
                format!("no document is registered as `{}{hash}`", persisted::PREFIX),
            )
        })?;
        return Ok(Document {
            text,
            by_hash: true,
            registered: true,
        });
    }
    if let Some(hash) = apollo_hash {
        if let Some(query) = params.query.take() {
            if hex_sha256(&query) != hash {
                return Err(Refusal::bad_request("provided sha does not match query"));
            }
            // Whether it is registered matters only when anonymous callers are held to registered
            // documents; otherwise the text is simply remembered.
            let registered = if only_registered {
                state
                    .persisted
                    .registered(&state.db, &hash)
                    .await?
                    .is_some()
            } else {
                state.persisted.remember(&hash, &query);
                false
            };
            return Ok(Document {
                text: query.into(),
                by_hash: false,
                registered,
            });
        }
        // Learned texts first: they are in memory, a registration may need the database.
        if !only_registered && let Some(text) = state.persisted.automatic(&hash) {
            return Ok(Document {
                text,
                by_hash: true,
                registered: false,
            });
        }
        return match state.persisted.registered(&state.db, &hash).await? {
            Some(text) => Ok(Document {
                text,
                by_hash: true,
                registered: true,
            }),
            None => Err(Refusal::unknown(
                PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound",
            )),
        };
    }
    let query = params
        .query
        .take()
        .ok_or_else(|| Refusal::bad_request("the request has no `query` (nor a `documentId`)"))?;
    let registered = only_registered
        && state
            .persisted
            .registered(&state.db, &hex_sha256(&query))
            .await?
            .is_some();
    Ok(Document {
        text: query.into(),
        by_hash: false,
        registered,
    })
}

fn persisted_only() -> Refusal {
    Refusal::new(
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden.as_str(),
        "this server runs registered queries only for anonymous callers: send a `documentId`",
    )
}

/// The hash of Apollo's `persistedQuery` extension (version 1), lowercased.
fn apollo_hash(
    extensions: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<Option<String>, Refusal> {
    let Some(persisted) = extensions.and_then(|extensions| extensions.get("persistedQuery")) else {
        return Ok(None);
    };
    let version = persisted.get("version").and_then(serde_json::Value::as_i64);
    let hash = persisted
        .get("sha256Hash")
        .and_then(serde_json::Value::as_str);
    match (version, hash) {
        (Some(1), Some(hash)) if persisted::is_sha256_hex(hash) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        (Some(1), _) => Err(Refusal::bad_request(
            "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits",
        )),
        _ => Err(Refusal::bad_request(
            "`extensions.persistedQuery.version` must be 1",
        )),
    }
}

fn hex_sha256(text: &str) -> String {
    persisted::document_id(text).split_off(persisted::PREFIX.len())
}

async fn run(
    state: &AppState,
    headers: &HeaderMap,
    address: Option<IpAddr>,
    params: Result<Params, String>,
    media: Media,
    read_only: bool,
) -> Response {
    let actor = match authenticate(state, headers).await {
        Ok(actor) => actor,
        Err(error) => return Refusal::from(error).into_response(media),
    };
    let mut params = match params {
        Ok(params) => params,
        Err(message) => {
            return Refusal::bad_request(format!("invalid GraphQL request: {message}"))
                .into_response(media);
        }
    };
    let anonymous = actor.is_none();
    let document = match resolve(state, &mut params, anonymous).await {
        Ok(document) => document,
        Err(refusal) => return refusal.into_response(media),
    };
    let mut request = async_graphql::Request::new(document.text.as_ref());
    if let Some(name) = params.operation_name.take() {
        request = request.operation_name(name);
    }
    let variables = params.variables.take().unwrap_or_default();
    let variables_key = if variables.is_empty() {
        String::new()
    } else {
        serde_json::Value::Object(variables.clone()).to_string()
    };
    request = request.variables(Variables::from_json(serde_json::Value::Object(variables)));
    let operation = request.operation_name.clone();
    let mutation = state
        .documents
        .prepare(&mut request)
        .is_some_and(|parsed| is_mutation(parsed, operation.as_deref()));
    // Anonymous callers held to registered documents may still log in (the one anonymous
    // mutation); every other mutation needs a staff member anyway.
    if anonymous && state.config.graphql_persisted_only && !document.registered && !mutation {
        return persisted_only().into_response(media);
    }
    if read_only && mutation {
        let mut response = refusal(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput.as_str(),
            "mutations need POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let caching = if !anonymous {
        Caching::Private
    } else if read_only && document.by_hash && !mutation {
        Caching::Public(state.config.http_cache_max_age)
    } else {
        Caching::NoStore
    };
    let ticket = (anonymous && !mutation && state.cache.enabled()).then(|| {
        state.cache.ticket(
            &request.query,
            &variables_key,
            request.operation_name.as_deref(),
        )
    });
    if let Some(body) = ticket.as_ref().and_then(|ticket| state.cache.get(ticket)) {
        return answer(
            headers,
            media,
            StatusCode::OK,
            Bytes::from_owner(body),
            caching,
        );
    }
    // Held until the answer is encoded; the semaphore is never closed.
    let _turn = state.executions.acquire().await.ok();
    let started = std::time::Instant::now();
    let context = RequestContext::new(state, actor, address).for_document(&request.query);
    let mut request = request.data(context);
    let schema = if anonymous && state.config.mode == Mode::Production {
        request = request.disable_introspection();
        state.public_schema.as_ref().unwrap_or(&state.schema)
    } else {
        &state.schema
    };
    let mut response = schema.execute(request).await;
    state
        .metrics
        .graphql_operation(operation.as_deref(), started.elapsed().as_secs_f64());
    if mutation {
        state.cache.clear();
        // The watcher reads the new head now instead of at its next poll: webhooks go out at once.
        state.changes.poke();
    }
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok());
    for error in &mut response.errors {
        ensure_code(error, request_id);
    }
    // Nothing ran: the document did not parse or validate, or the variables did not fit.
    let not_run = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let (status, encoded) = if not_run && media == Media::GraphqlResponse {
        (
            StatusCode::BAD_REQUEST,
            serde_json::to_vec(&json!({ "errors": response.errors })),
        )
    } else {
        (StatusCode::OK, serde_json::to_vec(&response))
    };
    let body = match encoded {
        Ok(body) => Bytes::from(body),
        Err(error) => {
            return AppError::Internal(format!("cannot encode the answer: {error}"))
                .into_response();
        }
    };
    let caching = if response.errors.is_empty() {
        caching
    } else {
        caching.without_public()
    };
    if let Some(ticket) = ticket
        && response.errors.is_empty()
    {
        state.cache.put(ticket, Arc::from(&body[..]));
    }
    answer(headers, media, status, body, caching)
}

/// Who may keep an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caching {
    /// Anyone, for this many seconds: an anonymous read of a persisted document over GET.
    Public(u32),
    /// Nobody but the staff member's own browser, and not even that on disk.
    Private,
    NoStore,
}

impl Caching {
    fn without_public(self) -> Self {
        match self {
            Self::Public(_) => Self::NoStore,
            other => other,
        }
    }

    fn header(self) -> HeaderValue {
        match self {
            Self::Public(max_age) => HeaderValue::from_str(&format!("public, max-age={max_age}"))
                .unwrap_or(HeaderValue::from_static("no-store")),
            Self::Private => HeaderValue::from_static("private, no-store"),
            Self::NoStore => HeaderValue::from_static("no-store"),
        }
    }
}

/// An answer with its media type, `Cache-Control`, `Vary`, and for public answers an `ETag`
/// (a `304` when the client already has it).
fn answer(
    request: &HeaderMap,
    media: Media,
    status: StatusCode,
    body: Bytes,
    caching: Caching,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, caching.header());
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    if let Caching::Public(_) = caching {
        // The media type is part of the tag: the same data as the other type is another answer.
        let mut digest = Sha256::new();
        digest.update(media.content_type().as_bytes());
        digest.update(&body);
        let tag = conditional::tag(&digest.finalize());
        if let Ok(value) = HeaderValue::from_str(&tag) {
            headers.insert(header::ETAG, value);
        }
        if request
            .get(header::IF_NONE_MATCH)
            .is_some_and(|value| conditional::matches(value, &tag))
        {
            headers.remove(header::CONTENT_TYPE);
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
    }
    (status, headers, body).into_response()
}

/// An error answer that ran nothing: `{"errors": [...]}` without `data`, never cached.
fn refusal(media: Media, status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [
            (header::CONTENT_TYPE, media.content_type()),
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, VARY),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `406`: the client accepts neither GraphQL answer type. The body is JSON all the same, so that
/// the reason can be read.
fn not_acceptable() -> Response {
    refusal(
        Media::Json,
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::BadUserInput.as_str(),
        "GraphQL answers are `application/graphql-response+json` or `application/json`; the `Accept` header allows neither",
    )
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
}

fn wants_html(headers: &HeaderMap) -> bool {
    accept(headers).is_some_and(|accept| accept.contains("text/html"))
}

/// Whether a POST body's declared charset (if any) is UTF-8.
fn utf8_body(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return true;
    };
    value
        .split(';')
        .skip(1)
        .all(|parameter| match parameter.trim().split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// Errors raised by the GraphQL engine itself (syntax, validation, limits) carry no code: they are
/// all the client's doing.
fn ensure_code(error: &mut ServerError, request_id: Option<&str>) {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", Value::from(ErrorCode::BadUserInput.as_str()));
    }
    if let Some(id) = request_id {
        extensions.set("requestId", Value::from(id));
    }
}

/// Whether the operation a request selects is a mutation (GET may only read). Without a name, a
/// document of several operations counts as a mutation if any of them is one.
fn is_mutation(document: &ExecutableDocument, operation: Option<&str>) -> bool {
    match &document.operations {
        DocumentOperations::Single(single) => single.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => match operation {
            Some(name) => operations
                .get(name)
                .is_some_and(|selected| selected.node.ty == OperationType::Mutation),
            None => operations
                .values()
                .any(|candidate| candidate.node.ty == OperationType::Mutation),
        },
    }
}
