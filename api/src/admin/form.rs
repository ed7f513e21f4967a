//! Forms: what a browser sent, reading it into typed values with German errors per field, and
//! rendering fields with their labels, hints and errors, and the summary of errors at the top.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

use crate::error::AppError;

/// The values of a form by field name, as text (what the browser shows).
pub type Values = BTreeMap<String, String>;

/// The name of the hidden field with the session's CSRF token.
pub const CSRF: &str = "_csrf";
/// The name of the hidden field with the version an edit began from.
pub const VERSION: &str = "_version";
/// The prefix of the hidden fields with the values an edit began from.
pub const BEFORE: &str = "_vorher.";

/// A submitted form, in the order the browser sent its fields (a name may repeat).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Submitted(pub Vec<(String, String)>);

impl Submitted {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The values of the visible fields (no `_` prefix).
    pub fn values(&self) -> Values {
        let mut values = Values::new();
        for (key, value) in &self.0 {
            if !key.starts_with('_') {
                values.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        values
    }

    /// The values an edit began from (the `_vorher.` fields).
    pub fn before(&self) -> Values {
        self.0
            .iter()
            .filter_map(|(key, value)| {
                key.strip_prefix(BEFORE)
                    .map(|name| (name.to_owned(), value.clone()))
            })
            .collect()
    }

    /// The version an edit began from.
    pub fn version(&self) -> Option<i32> {
        self.get(VERSION).and_then(|v| v.trim().parse().ok())
    }
}

/// Errors of a form, per field (or for the whole form), in German.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub Vec<(Option<String>, Markup)>);

impl Errors {
    /// Records an error of a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let message: String = message.into();
        self.0.push((Some(field.to_owned()), html! { (message) }));
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error of a field, if any.
    fn of(&self, field: &str) -> Option<&Markup> {
        self.0
            .iter()
            .find(|(name, _)| name.as_deref() == Some(field))
            .map(|(_, message)| message)
    }

    /// An error the service layer found: on its field when the form has that field, else for
    /// the whole form. Its text is the API's (English), marked as such for screen readers.
    pub fn from_service(error: &AppError, fields: &[Field]) -> Self {
        let (field, message) = match error {
            AppError::BadUserInput { message, field } => (field.clone(), message.clone()),
            AppError::Conflict { message, .. } => (None, message.clone()),
            AppError::NotFound(what) => (None, format!("{what} not found")),
            other => (None, other.to_string()),
        };
        let field = field
            .map(|name| name.split('.').next_back().unwrap_or(&name).to_owned())
            .filter(|name| fields.iter().any(|f| f.name == *name));
        let message = html! { "Abgelehnt: " span lang="en" { (message) } };
        Self(vec![(field, message)])
    }
}

/// How a field is entered.
#[derive(Clone, Debug)]
pub enum Input {
    Text,
    LongText,
    Number,
    Url,
    Email,
    /// Date and time, local in the named zone.
    LocalDateTime(Tz),
    Date,
    /// One of the given (value, label) choices; an empty choice when the field is optional.
    Choice(Vec<(String, String)>),
    /// One entry per line.
    Lines,
    /// A yes/no box.
    Checkbox,
}

/// A field of a form.
#[derive(Clone, Debug)]
pub struct Field {
    /// The name sent (the GraphQL input field's name).
    pub name: String,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
    pub hint: Option<&'static str>,
}

impl Field {
    /// An optional field.
    pub fn new(name: &'static str, label: &'static str, input: Input) -> Self {
        Self {
            name: name.to_owned(),
            label,
            input,
            required: false,
            hint: None,
        }
    }

    /// A field that must be filled.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// A field with a hint shown under its label.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
}

/// The id of a field's control, for labels and the links of the error summary.
pub fn control_id(name: &str) -> String {
    format!("feld-{name}")
}

/// Reads typed values out of a form, collecting German errors per field.
pub struct Reader<'a> {
    values: &'a Values,
    pub errors: Errors,
}

impl<'a> Reader<'a> {
    /// A reader over submitted values.
    pub fn new(values: &'a Values) -> Self {
        Self {
            values,
            errors: Errors::default(),
        }
    }

    /// The trimmed text of a field; `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The text of a field that must be filled; records an error when it is empty.
    pub fn required(&mut self, name: &str, label: &str) -> Option<String> {
        let value = self.text(name);
        if value.is_none() {
            self.errors
                .add(name, format!("Bitte geben Sie „{label}“ an."));
        }
        value
    }

    /// A whole number, or `None` when empty.
    pub fn number(&mut self, name: &str, label: &str) -> Option<i32> {
        let text = self.text(name)?;
        match text.replace('.', "").parse() {
            Ok(number) => Some(number),
            Err(_) => {
                self.errors.add(
                    name,
                    format!("„{label}“ muss eine ganze Zahl sein, z. B. 12500."),
                );
                None
            }
        }
    }

    /// A decimal number, or `None` when empty.
    pub fn decimal(&mut self, name: &str, label: &str) -> Option<f64> {
        let text = self.text(name)?;
        match text.replace(',', ".").parse() {
            Ok(number) => Some(number),
            Err(_) => {
                self.errors
                    .add(name, format!("„{label}“ muss eine Zahl sein, z. B. 51,05."));
                None
            }
        }
    }

    /// A local date and time (`2022-01-21T09:30`), or `None` when empty.
    pub fn local_datetime(&mut self, name: &str, label: &str) -> Option<NaiveDateTime> {
        let text = self.text(name)?;
        let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%d.%m.%Y %H:%M"));
        match parsed {
            Ok(at) => Some(at),
            Err(_) => {
                self.errors.add(
                    name,
                    format!("„{label}“ braucht Datum und Uhrzeit, z. B. 21.01.2022 09:30."),
                );
                None
            }
        }
    }

    /// A date (`2022-01-21`), or `None` when empty.
    pub fn date(&mut self, name: &str, label: &str) -> Option<NaiveDate> {
        let text = self.text(name)?;
        let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&text, "%d.%m.%Y"));
        match parsed {
            Ok(date) => Some(date),
            Err(_) => {
                self.errors.add(
                    name,
                    format!("„{label}“ braucht ein Datum, z. B. 21.01.2022."),
                );
                None
            }
        }
    }

    /// A choice parsed by `parse`, or `None` when empty.
    pub fn choice<T>(
        &mut self,
        name: &str,
        label: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.text(name)?;
        let value = parse(&text);
        if value.is_none() {
            self.errors.add(
                name,
                format!("Bitte wählen Sie einen Eintrag für „{label}“."),
            );
        }
        value
    }

    /// A record id chosen in a select, or `None` when empty.
    pub fn id(&mut self, name: &str, label: &str) -> Option<i32> {
        self.choice(name, label, |text| text.parse().ok())
    }

    /// Non-empty lines.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .map(|text| {
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The choices of a select from records' ids and names.
pub fn id_choices(items: Vec<(i32, String)>) -> Vec<(String, String)> {
    items
        .into_iter()
        .map(|(id, label)| (id.to_string(), label))
        .collect()
}

/// A stored instant as the value of a local date-and-time field.
pub fn local_value(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// An instant shown to people: `21.01.2022, 09:30 Uhr (Europe/Berlin)`.
pub fn local_text(at: DateTime<Utc>, zone: Tz) -> String {
    format!(
        "{} Uhr ({})",
        at.with_timezone(&zone).format("%d.%m.%Y, %H:%M"),
        zone.name()
    )
}

/// The summary of errors at the top of a form: a heading and a link to each field.
pub fn summary(errors: &Errors, fields: &[Field]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.fehlerliste role="alert" aria-labelledby="fehler-titel" tabindex="-1" #fehler {
                h2 #fehler-titel { "Bitte korrigieren Sie " (if errors.0.len() == 1 { "einen Fehler".to_owned() } else { format!("{} Fehler", errors.0.len()) }) }
                ul {
                    @for (field, message) in &errors.0 {
                        li {
                            @match field.as_deref().and_then(|name| fields.iter().find(|f| f.name == name)) {
                                Some(field) => a href={ "#" (control_id(&field.name)) } { (field.label) ": " (message) },
                                None => (message),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One field with its label, hint, error and control, keeping the given value.
pub fn field(field: &Field, values: &Values, errors: &Errors) -> Markup {
    let id = control_id(&field.name);
    let value = values.get(&field.name).map(String::as_str).unwrap_or("");
    let error = errors.of(&field.name);
    let hint_id = format!("{id}-hinweis");
    let error_id = format!("{id}-fehler");
    let zone_hint = match &field.input {
        Input::LocalDateTime(zone) => Some(format!("Ortszeit {}", zone.name())),
        _ => None,
    };
    let mut described = Vec::new();
    if field.hint.is_some() || zone_hint.is_some() {
        described.push(hint_id.clone());
    }
    if error.is_some() {
        described.push(error_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.map(|_| "true");
    html! {
        div.feld.fehlerhaft[error.is_some()] {
            @if let Input::Checkbox = field.input {
                input type="checkbox" id=(id) name=(&field.name) value="ja" checked[!value.is_empty()] aria-describedby=[described.as_deref()];
                label for=(id) { (field.label) }
            } @else {
                label for=(id) {
                    (field.label)
                    @if field.required { " " span.pflicht { "(Pflichtfeld)" } }
                }
            }
            @if field.hint.is_some() || zone_hint.is_some() {
                p.hinweis id=(hint_id) {
                    @if let Some(hint) = field.hint { (hint) " " }
                    @if let Some(zone) = &zone_hint { (zone) }
                }
            }
            @if let Some(error) = error {
                p.fehlertext id=(error_id) { span.unsichtbar { "Fehler: " } (error) }
            }
            @match &field.input {
                Input::Checkbox => {},
                Input::LongText => textarea id=(id) name=(&field.name) rows="6" required[field.required] aria-invalid=[invalid] aria-describedby=[described.as_deref()] { (value) },
                Input::Lines => textarea id=(id) name=(&field.name) rows="3" aria-invalid=[invalid] aria-describedby=[described.as_deref()] { (value) },
                Input::Choice(choices) => select id=(id) name=(&field.name) required[field.required] aria-invalid=[invalid] aria-describedby=[described.as_deref()] {
                    @if !field.required || value.is_empty() { option value="" { "– keine Angabe –" } }
                    @for (choice, label) in choices {
                        option value=(choice) selected[choice == value] { (label) }
                    }
                },
                input => {
                    @let (kind, mode) = match input {
                        Input::Number => ("text", Some("numeric")),
                        Input::Url => ("url", None),
                        Input::Email => ("email", None),
                        Input::LocalDateTime(_) => ("datetime-local", None),
                        Input::Date => ("date", None),
                        _ => ("text", None),
                    };
                    input type=(kind) id=(id) name=(&field.name) value=(value) inputmode=[mode] required[field.required] aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                }
            }
        }
    }
}

/// Hidden fields: the CSRF token, and for an edit the version and values it began from.
pub fn hidden(csrf: &str, version: Option<i32>, before: Option<&Values>) -> Markup {
    html! {
        input type="hidden" name=(CSRF) value=(csrf);
        @if let Some(version) = version {
            input type="hidden" name=(VERSION) value=(version);
        }
        @if let Some(before) = before {
            @for (name, value) in before {
                input type="hidden" name={ (BEFORE) (name) } value=(value);
            }
        }
    }
}
