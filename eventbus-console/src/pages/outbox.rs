//! The outbox: pending, failing and published rows, per topic, the oldest pending row's age
//! and the last errors ([`eventbus_runtime::outbox::Outbox::status`]).

use super::{render, PageResult};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use eventbus_runtime::outbox::{Outbox, OutboxStatus};
use eventbus_runtime::settings::redact_url;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    actions: bool,
    database: String,
    status: Option<OutboxStatus>,
}

/// `GET /outbox`.
pub(crate) async fn page(State(state): State<Arc<AppState>>) -> PageResult {
    let Some(url) = &state.config.outbox_url else {
        return render(&OutboxPage {
            actions: state.security.actions(),
            database: String::new(),
            status: None,
        });
    };
    let status = state
        .bounded("reading the outbox", async {
            Outbox::connect(url).await?.status().await
        })
        .await
        .map_err(|error| PageError::Upstream(format!("the outbox {}: {error}", redact_url(url))))?;
    render(&OutboxPage {
        actions: state.security.actions(),
        database: redact_url(url),
        status: Some(status),
    })
}

/// An age in seconds as text (`3.2 s`, `4 min 10 s`, `2 h 5 min`).
fn age(seconds: &f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {} s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{} h {} min",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}

impl OutboxPage {
    fn age(&self, seconds: &f64) -> String {
        age(seconds)
    }
}
