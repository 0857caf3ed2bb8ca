//! The victim's own buttons besides the lab panel: log in, log out, and reset
//! the account. Like the panel, each is always checked, whatever the panel
//! says about the attacks' targets.

use axum::{extract::State, http::HeaderMap, response::Response};
use course_kit::{csrf, forms::PostedForm};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{ALICE, Lab, USER_KEY, always_checked, pages};

#[derive(Deserialize)]
pub(crate) struct TokenOnly {
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

pub(crate) async fn log_in(
    State(lab): State<Lab>,
    session: Session,
    headers: HeaderMap,
    PostedForm(form): PostedForm<TokenOnly>,
) -> Response {
    let outcome = async {
        always_checked(&session, &headers, &form.csrf_token).await?;
        // A new session id at login, so that an id planted before it is
        // worth nothing after it (chapter 9 shows why); and a new CSRF token,
        // as Django's login() does, for the same reason.
        session.cycle_id().await?;
        session.remove::<String>(csrf::SESSION_KEY).await?;
        session.insert(USER_KEY, ALICE).await?;
        Ok(())
    }
    .await;
    pages::back_to_account(&lab.defences(), outcome)
}

pub(crate) async fn log_out(
    State(lab): State<Lab>,
    session: Session,
    headers: HeaderMap,
    PostedForm(form): PostedForm<TokenOnly>,
) -> Response {
    let outcome = async {
        always_checked(&session, &headers, &form.csrf_token).await?;
        session.flush().await?;
        Ok(())
    }
    .await;
    pages::back_to_account(&lab.defences(), outcome)
}

pub(crate) async fn reset_account(
    State(lab): State<Lab>,
    session: Session,
    headers: HeaderMap,
    PostedForm(form): PostedForm<TokenOnly>,
) -> Response {
    let outcome = async {
        always_checked(&session, &headers, &form.csrf_token).await?;
        lab.reset_account();
        Ok(())
    }
    .await;
    pages::back_to_account(&lab.defences(), outcome)
}
