//! The pages, one module each, and what they share: rendering and the error page.

pub(crate) mod catalog;
pub(crate) mod dead_letters;
pub(crate) mod explorer;
pub(crate) mod input;
pub(crate) mod outbox;
pub(crate) mod overview;
pub(crate) mod redis;
pub(crate) mod redis_dead_letters;

use crate::error::PageError;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// A page's answer: its HTML, or an error page.
pub(crate) type PageResult = Result<Html<String>, PageError>;

/// Render a template as a page.
pub(crate) fn render(template: &impl Template) -> PageResult {
    Ok(Html(template.render()?))
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() || matches!(self, PageError::Upstream(_)) {
            tracing::warn!(error = %self, "console page failed");
        }
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.to_string(),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", page.status, page.reason));
        (status, Html(body)).into_response()
    }
}

/// The answer to a path no page has: 404.
pub(crate) async fn not_found(uri: axum::http::Uri) -> PageError {
    PageError::NotFound(format!("no page at {}", uri.path()))
}
