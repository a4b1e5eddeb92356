//! The assets embedded in the binary: one stylesheet.

use axum::http::header;
use axum::response::IntoResponse;

/// The stylesheet, compiled in.
const CSS: &str = include_str!("../assets/console.css");

/// `GET /assets/console.css`.
pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
}
