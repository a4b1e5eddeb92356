//! The fields of the pages' forms and queries: empty fields (as forms send them) are not given;
//! numbers; times, as an RFC 3339 time (`2026-05-04T10:00:00Z`, any offset), a time without an
//! offset taken as UTC (`2026-05-04T10:00` as a browser's `datetime-local` field sends it, or
//! with seconds), or a date (`2026-05-04`, in UTC). A malformed field is a 400 naming it.

use crate::error::PageError;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// A field given and not empty.
pub(crate) fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A number field, or a 400 naming it.
pub(crate) fn number(name: &str, field: &Option<String>) -> Result<Option<i64>, PageError> {
    given(field)
        .map(|text| {
            text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                PageError::BadRequest(format!(
                    "{name} {text:?} is not a number (a whole number, 0 or more)"
                ))
            })
        })
        .transpose()
}

/// Which end of a range a time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// The first instant included: a date is its midnight.
    Start,
    /// Up to and including the time: a date is the whole day.
    End,
}

/// The field `name` as a time in ms since the epoch: for [`Bound::Start`] the first instant
/// included, for [`Bound::End`] the first instant excluded (the time plus 1 ms, or the next
/// midnight after a date); none when the field is empty, a 400 naming it when it is malformed.
pub(crate) fn time(
    name: &str,
    field: &Option<String>,
    bound: Bound,
) -> Result<Option<i64>, PageError> {
    let Some(text) = given(field) else {
        return Ok(None);
    };
    let malformed = || {
        PageError::BadRequest(format!(
            "{name} {text:?} is not a time: give an RFC 3339 time (2026-05-04T10:00:00Z), a time \
             in UTC (2026-05-04T10:00) or a date (2026-05-04)"
        ))
    };
    let parsed = match DateTime::parse_from_rfc3339(text) {
        Ok(time) => Some(time.with_timezone(&Utc)),
        Err(_) => ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|time| time.and_utc()),
    };
    if let Some(parsed) = parsed {
        let ms = parsed.timestamp_millis();
        return Ok(Some(match bound {
            Bound::Start => ms,
            Bound::End => ms.saturating_add(1),
        }));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| malformed())?;
    let day = match bound {
        Bound::Start => Some(date),
        Bound::End => date.checked_add_signed(TimeDelta::days(1)),
    }
    .ok_or_else(malformed)?;
    let midnight = day.and_hms_opt(0, 0, 0).ok_or_else(malformed)?.and_utc();
    Ok(Some(midnight.timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, bound: Bound) -> Option<i64> {
        time("from", &Some(text.to_owned()), bound).expect("a time")
    }

    #[test]
    fn times_dates_and_their_bounds() {
        let ten = DateTime::parse_from_rfc3339("2026-05-04T10:00:00Z")
            .expect("a time")
            .timestamp_millis();
        assert_eq!(at("2026-05-04T10:00:00Z", Bound::Start), Some(ten));
        assert_eq!(at("2026-05-04T12:00:00+02:00", Bound::Start), Some(ten));
        assert_eq!(at("2026-05-04T10:00", Bound::Start), Some(ten));
        assert_eq!(at("2026-05-04T10:00:00.000", Bound::Start), Some(ten));
        assert_eq!(at("2026-05-04T10:00:00Z", Bound::End), Some(ten + 1));
        let midnight = ten - 10 * 3_600_000;
        assert_eq!(at("2026-05-04", Bound::Start), Some(midnight));
        assert_eq!(at("2026-05-04", Bound::End), Some(midnight + 86_400_000));
        assert_eq!(
            time("to", &Some("  ".into()), Bound::End).expect("empty"),
            None
        );
        assert_eq!(time("to", &None, Bound::End).expect("none"), None);
    }

    #[test]
    fn a_malformed_time_is_a_400_naming_the_field() {
        for text in ["yesterday", "2026-13-01", "2026-05-04T25:00", "1714816800"] {
            let error = time("to", &Some(text.to_owned()), Bound::End).expect_err(text);
            assert_eq!(error.status(), axum::http::StatusCode::BAD_REQUEST);
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("to {text:?} is not a time")),
                "{message}"
            );
        }
    }
}
