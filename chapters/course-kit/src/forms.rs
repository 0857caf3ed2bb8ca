//! Forms: reading a posted form or a query string without ever failing with
//! a bare error, and drawing a text field with its error message beside it.

use axum::{
    Form,
    extract::{FromRequest, FromRequestParts, Query, Request},
    http::request::Parts,
};
use maud::{Markup, Render, html};
use serde::de::DeserializeOwned;

use crate::ErrorPage;

/// Like axum's `Form`, but a body that is not a form (wrong content type, bad
/// encoding, too large) gets a clear 400 page instead of a one-line error.
///
/// Declare every field of `T` as a `String` with `#[serde(default)]`: then any
/// form body parses, and the chapter checks the values itself, with a message
/// per field, instead of the framework refusing the whole request.
pub struct PostedForm<T>(pub T);

impl<T, S> FromRequest<S> for PostedForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ErrorPage;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PostedForm(value)),
            Err(rejection) => Err(ErrorPage::bad_request(
                "The form could not be read",
                format!(
                    "The server could not read this request as a form: {}. Nothing was changed.",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// Like axum's `Query`, with the same clear 400 page as [`PostedForm`] for a
/// query string that cannot be read (for example, a field given twice).
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ErrorPage;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(ErrorPage::bad_request(
                "The query string could not be read",
                format!(
                    "The server could not read this URL's query string: {}.",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// A labelled text input that shows what the user typed and, if the value
/// was refused, why. Put it in a page with `(TextField { .. })`.
///
/// The field deliberately carries no `required` or `maxlength`: the browser
/// would then stop a learner from ever seeing the server's own checks, and
/// the server must check anyway, because anyone can send any request.
pub struct TextField<'a> {
    pub label: &'a str,
    /// The form field's name, which is also the input's id.
    pub name: &'a str,
    /// What the user typed, shown again.
    pub value: &'a str,
    /// A number field: phones then show a keypad.
    pub numeric: bool,
    /// Why the value was refused, if it was.
    pub error: Option<&'a str>,
}

impl Render for TextField<'_> {
    fn render(&self) -> Markup {
        let inputmode = if self.numeric { "numeric" } else { "text" };
        html! {
            p {
                label for=(self.name) { (self.label) }
                input type="text" id=(self.name) name=(self.name) value=(self.value) inputmode=(inputmode);
                @if let Some(error) = self.error {
                    span.error role="alert" { (error) }
                }
            }
        }
    }
}
