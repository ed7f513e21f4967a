//! `Browser`: a caller of the staff interface that keeps cookies like a browser, submits forms
//! with their hidden fields, and reads pages as text.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};

use super::{STAFF_PASSWORD, TestApp};

/// A browser of one `TestApp`: its cookies, sent with every request.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

/// An answer: status, headers, the page as text.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the first input called `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        self.input("_csrf")
            .unwrap_or_else(|| panic!("no CSRF token on the page: {}", self.body))
    }

    /// Every hidden field of the first form whose action is `action`.
    pub fn hidden_fields(&self, action: &str) -> Vec<(String, String)> {
        let marker = format!("action=\"{action}\"");
        let Some(start) = self.body.find(&marker) else {
            panic!("no form with action {action}: {}", self.body);
        };
        let end = self.body[start..]
            .find("</form>")
            .map_or(self.body.len(), |e| e + start);
        let form = &self.body[start..end];
        let mut fields = Vec::new();
        let mut rest = form;
        while let Some(at) = rest.find("type=\"hidden\" name=\"") {
            rest = &rest[at + "type=\"hidden\" name=\"".len()..];
            let Some(name_end) = rest.find('"') else {
                break;
            };
            let name = rest[..name_end].to_owned();
            let Some(value_at) = rest.find("value=\"") else {
                break;
            };
            let value_rest = &rest[value_at + "value=\"".len()..];
            let Some(value_end) = value_rest.find('"') else {
                break;
            };
            fields.push((name, unescape(&value_rest[..value_end])));
            rest = &value_rest[value_end..];
        }
        fields
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

impl<'a> Browser<'a> {
    /// A browser without cookies.
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let removed = text.contains("Max-Age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(&mut self, request: Request<Body>) -> Page {
        let (status, headers, body) = self.app.send(request).await;
        self.keep_cookies(&headers);
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// `GET path`, without following redirects.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("bad request");
        self.send(request).await
    }

    /// `POST path` with form fields, as a form of this site sends them.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[]).await
    }

    /// `POST path` with form fields and extra headers.
    pub async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body)).expect("bad request"))
            .await
    }

    /// Signs in through the sign-in form; panics unless it works.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let form = self.get("/admin/anmelden").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let token = form.csrf();
        let done = self
            .post(
                "/admin/anmelden",
                &[
                    ("_csrf", &token),
                    ("weiter", "/admin"),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/admin");
    }

    /// Creates a staff account with `role` and signs in with it.
    pub async fn signed_in(
        app: &'a TestApp,
        email: &str,
        role: kleinstadt::auth::StaffRole,
    ) -> Browser<'a> {
        kleinstadt::service::account::create(
            app.db(),
            email,
            "Rita Redaktion",
            role,
            STAFF_PASSWORD.to_owned(),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot create {email}: {e:?}"));
        let mut browser = Browser::new(app);
        browser.sign_in(email, STAFF_PASSWORD).await;
        browser
    }
}
