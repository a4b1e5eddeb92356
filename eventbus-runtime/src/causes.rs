//! An error with its causes on one line, for the errors of the connections (Redis, the schema
//! registry), whose outer text alone often hides the cause (a TLS or authentication failure).

/// `error` and its causes, `: `-separated; a cause whose text is already in the line is skipped
/// (many errors repeat their source's text).
pub(crate) fn joined_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
