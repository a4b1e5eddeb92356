//! Date-times as Python writes them on the bus: [`EventDateTime`], a date-time with its offset as
//! written (or none: naive), so that what a Python producer wrote is written back byte for byte.
//! [`python_isoformat`] and [`parse_isoformat`] write and read `datetime.isoformat()` text.

use crate::data_error::DataError;
use chrono::{DateTime, Datelike, NaiveDateTime, TimeDelta, Timelike, Utc};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// Python's `timezone` accepts offsets strictly within a day.
const MAX_OFFSET_MICROS: i64 = 24 * 3600 * MICROS_PER_SECOND;

/// A date-time field of an event: an instant plus the UTC offset it was written with, or no
/// offset at all (a naive `datetime`, which Python producers sometimes send).
///
/// It is written as Python's `datetime.isoformat()` writes the same value:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM[:SS[.ffffff]]]`, the offset kept (`+02:00` stays `+02:00`)
/// and a naive value staying naive. So an event read from the bus and sent again has the same
/// bytes, and Python receivers get back the kind of `datetime` the producer sent.
///
/// As an instant: [`EventDateTime::to_utc`], `Deref` to `DateTime<Utc>` (e.g. `.timestamp()`),
/// `From<DateTime<Utc>>` (`+00:00`) and `From<DateTime<FixedOffset>>`. A naive value is taken
/// as UTC there. Equality and ordering follow Python's: aware values compare as instants
/// (`09:08+02:00 == 07:08+00:00`), naive ones by their wall-clock time, and a naive value is
/// never equal to (nor ordered with) an aware one. Precision is the microsecond, as in Python.
#[derive(Clone, Copy)]
pub struct EventDateTime {
    /// The instant; for a naive value, its wall-clock time read as UTC.
    utc: DateTime<Utc>,
    /// Microseconds east of UTC, `None` for a naive value.
    offset: Option<i64>,
}

impl EventDateTime {
    /// The current time, in UTC (`+00:00`).
    pub fn now() -> Self {
        Utc::now().into()
    }

    /// A naive date-time (no offset), written without one.
    pub fn naive(local: NaiveDateTime) -> Self {
        EventDateTime {
            utc: truncate_to_micros(local.and_utc()),
            offset: None,
        }
    }

    /// The same instant written with `offset` (east of UTC, less than a day either way, a whole
    /// number of microseconds). `None` if the offset is out of range.
    pub fn with_offset(instant: DateTime<Utc>, offset: TimeDelta) -> Option<Self> {
        let micros = offset.num_microseconds()?;
        (micros.abs() < MAX_OFFSET_MICROS).then(|| EventDateTime {
            utc: truncate_to_micros(instant),
            offset: Some(micros),
        })
    }

    /// Parse what Python's `datetime.isoformat()` writes, and the other ISO 8601 shapes that
    /// `datetime.fromisoformat` reads for a date-time: a date alone; `T` or a space before the
    /// time; `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f` (1 to 9 digits, cut to microseconds); then
    /// nothing (naive), `Z`, `±HH:MM`, `±HHMM`, `±HH:MM:SS` or `±HH:MM:SS.ffffff`.
    pub fn parse(text: &str) -> Result<Self, DataError> {
        Parser::new(text).date_time().ok_or_else(|| {
            DataError::invalid(format!(
                "{text:?} is not an ISO 8601 date-time (as Python's isoformat writes: \
                 YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM])"
            ))
        })
    }

    /// The value whose wall-clock time is `local` microseconds from 1970-01-01T00:00 and whose
    /// offset is `offset` microseconds east of UTC (`None`: naive); `None` if the offset is not
    /// within a day or the instant is out of range.
    fn from_micros(local: i64, offset: Option<i64>) -> Option<Self> {
        if offset.is_some_and(|o| o.abs() >= MAX_OFFSET_MICROS) {
            return None;
        }
        let utc = DateTime::from_timestamp_micros(local.checked_sub(offset.unwrap_or(0))?)?;
        Some(EventDateTime { utc, offset })
    }

    /// The instant, in UTC; a naive value is taken as UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.utc
    }

    /// The offset from UTC it was written with; `None` for a naive value.
    pub fn utc_offset(&self) -> Option<TimeDelta> {
        self.offset.map(TimeDelta::microseconds)
    }

    /// Whether it has no offset (a naive Python `datetime`).
    pub fn is_naive(&self) -> bool {
        self.offset.is_none()
    }

    /// The date and time as written, without the offset.
    pub fn local(&self) -> NaiveDateTime {
        (self.utc + TimeDelta::microseconds(self.offset.unwrap_or(0))).naive_utc()
    }

    /// The text Python's `isoformat()` writes for this value.
    pub fn isoformat(&self) -> String {
        let local = self.local();
        let mut out = String::with_capacity(32);
        match u32::try_from(local.year()) {
            Ok(year) => push_digits(&mut out, year, 4),
            // Not a Python year: written as `{:04}` writes it.
            Err(_) => out.push_str(&format!("{:04}", local.year())),
        }
        out.push('-');
        push_digits(&mut out, local.month(), 2);
        out.push('-');
        push_digits(&mut out, local.day(), 2);
        out.push('T');
        let (seconds, micros) = (local.num_seconds_from_midnight(), local.nanosecond() / 1000);
        push_clock(&mut out, seconds, micros, true);
        if let Some(offset) = self.offset {
            out.push(if offset < 0 { '-' } else { '+' });
            let offset = offset.abs();
            // Both below a day (MAX_OFFSET_MICROS), so they fit.
            let seconds = (offset / MICROS_PER_SECOND) as u32;
            let micros = (offset % MICROS_PER_SECOND) as u32;
            // Python's _format_offset: the seconds only when they or the microseconds are not 0.
            let with_seconds = !seconds.is_multiple_of(60) || micros != 0;
            push_clock(&mut out, seconds, micros, with_seconds);
        }
        out
    }
}

/// `HH:MM`, then `:SS` if `with_seconds`, then `.ffffff` if `micros` is not zero: how Python
/// writes a time of day and a UTC offset.
fn push_clock(out: &mut String, seconds: u32, micros: u32, with_seconds: bool) {
    push_digits(out, seconds / 3600, 2);
    out.push(':');
    push_digits(out, seconds / 60 % 60, 2);
    if with_seconds {
        out.push(':');
        push_digits(out, seconds % 60, 2);
    }
    if micros != 0 {
        out.push('.');
        push_digits(out, micros, 6);
    }
}

/// `value` in decimal, zero-padded to `width` digits, as `format!("{value:0width$}")` writes it
/// (a longer value, e.g. the microseconds of a chrono leap second, is written whole).
fn push_digits(out: &mut String, value: u32, width: u32) {
    if value >= 10u32.pow(width) {
        out.push_str(&value.to_string());
        return;
    }
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

fn truncate_to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = time.nanosecond();
    time.with_nanosecond(nanos - nanos % 1000).unwrap_or(time)
}

impl From<DateTime<Utc>> for EventDateTime {
    fn from(instant: DateTime<Utc>) -> Self {
        EventDateTime {
            utc: truncate_to_micros(instant),
            offset: Some(0),
        }
    }
}

impl From<DateTime<chrono::FixedOffset>> for EventDateTime {
    fn from(time: DateTime<chrono::FixedOffset>) -> Self {
        EventDateTime {
            utc: truncate_to_micros(time.with_timezone(&Utc)),
            offset: Some(i64::from(time.offset().local_minus_utc()) * MICROS_PER_SECOND),
        }
    }
}

impl From<EventDateTime> for DateTime<Utc> {
    fn from(time: EventDateTime) -> Self {
        time.utc
    }
}

impl std::ops::Deref for EventDateTime {
    type Target = DateTime<Utc>;

    fn deref(&self) -> &DateTime<Utc> {
        &self.utc
    }
}

impl PartialEq for EventDateTime {
    fn eq(&self, other: &Self) -> bool {
        self.is_naive() == other.is_naive() && self.utc == other.utc
    }
}

impl Eq for EventDateTime {}

impl Hash for EventDateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.is_naive().hash(state);
        self.utc.hash(state);
    }
}

impl PartialOrd for EventDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (self.is_naive() == other.is_naive()).then(|| self.utc.cmp(&other.utc))
    }
}

impl PartialEq<DateTime<Utc>> for EventDateTime {
    /// Equal when aware and the same instant.
    fn eq(&self, other: &DateTime<Utc>) -> bool {
        !self.is_naive() && self.utc == *other
    }
}

impl fmt::Display for EventDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.isoformat())
    }
}

impl fmt::Debug for EventDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventDateTime({})", self.isoformat())
    }
}

impl FromStr for EventDateTime {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        EventDateTime::parse(text)
    }
}

/// A cursor over the text being parsed; every method returns `None` on a mismatch.
struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    /// Exactly `n` digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += n;
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    }

    /// A fraction of a second after the `.`: 1 to 9 digits, as microseconds (cut, as Python).
    fn fraction(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        Some(
            (0..6)
                .map(|i| digits.get(i).map_or(0, |d| u32::from(d - b'0')))
                .fold(0, |acc, d| acc * 10 + d),
        )
    }

    fn date_time(mut self) -> Option<EventDateTime> {
        let year = self.digits(4)?;
        let month = (self.eat(b'-')).then(|| self.digits(2))??;
        let day = (self.eat(b'-')).then(|| self.digits(2))??;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        if self.peek().is_none() {
            return EventDateTime::from_micros(days * MICROS_PER_DAY, None);
        }
        if !(self.eat(b'T') || self.eat(b' ')) {
            return None;
        }
        let hour = self.digits(2)?;
        let minute = (self.eat(b':')).then(|| self.digits(2))??;
        let (second, micros) = if self.eat(b':') {
            let second = self.digits(2)?;
            let micros = if self.eat(b'.') { self.fraction()? } else { 0 };
            (second, micros)
        } else {
            (0, 0)
        };
        if hour >= 24 || minute >= 60 || second >= 60 {
            return None;
        }
        let seconds = i64::from((hour * 60 + minute) * 60 + second);
        let local = days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + i64::from(micros);
        let offset = self.offset()?;
        if self.at != self.bytes.len() {
            return None;
        }
        EventDateTime::from_micros(local, offset)
    }

    /// `Some(None)`: no offset (naive); `Some(Some(micros))`: an offset; `None`: malformed.
    fn offset(&mut self) -> Option<Option<i64>> {
        let sign = match self.peek() {
            None => return Some(None),
            Some(b'Z' | b'z') => {
                self.at += 1;
                return Some(Some(0));
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return None,
        };
        self.at += 1;
        let hours = i64::from(self.digits(2)?);
        let colon = self.eat(b':');
        let minutes = i64::from(self.digits(2)?);
        let (seconds, micros) = if colon && self.eat(b':') {
            let seconds = i64::from(self.digits(2)?);
            let micros = if self.eat(b'.') {
                i64::from(self.digits(6)?)
            } else {
                0
            };
            (seconds, micros)
        } else {
            (0, 0)
        };
        if minutes >= 60 || seconds >= 60 {
            return None;
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * MICROS_PER_SECOND + micros;
        Some(Some(sign * total))
    }
}

/// The days of `month` (1–12) of `year` in the proleptic Gregorian calendar.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year`-`month`-`day` (a valid date), proleptic Gregorian (Howard
/// Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Format a UTC date-time as Python's `datetime.isoformat()` does:
/// `2024-01-02T03:04:05.678901+00:00`, no fraction when the microseconds are 0. Nanoseconds
/// beyond the microsecond are dropped, as Python cannot hold them.
pub fn python_isoformat(time: &DateTime<Utc>) -> String {
    EventDateTime::from(*time).isoformat()
}

/// Parse a date-time as [`EventDateTime::parse`] does and take its instant: a value with an
/// offset is converted to UTC, a naive one is taken as UTC.
pub fn parse_isoformat(s: &str) -> Result<DateTime<Utc>, DataError> {
    EventDateTime::parse(s).map(|t| t.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isoformat_matches_python() {
        let t = parse_isoformat("2024-01-02T03:04:05.678901Z").unwrap();
        assert_eq!(python_isoformat(&t), "2024-01-02T03:04:05.678901+00:00");
        let t = parse_isoformat("2024-01-02T03:04:05+00:00").unwrap();
        assert_eq!(python_isoformat(&t), "2024-01-02T03:04:05+00:00");
        // A `DateTime<Utc>` field keeps the instant only: the offset becomes +00:00.
        let t = parse_isoformat("2024-01-02T05:04:05.000100+02:00").unwrap();
        assert_eq!(python_isoformat(&t), "2024-01-02T03:04:05.000100+00:00");
        // Naive date-times, which Python producers sometimes send, are taken as UTC there.
        let t = parse_isoformat("2024-01-02T03:04:05.5").unwrap();
        assert_eq!(python_isoformat(&t), "2024-01-02T03:04:05.500000+00:00");
        assert!(parse_isoformat("yesterday").is_err());
    }

    fn round_trip(text: &str) -> String {
        EventDateTime::parse(text).unwrap().isoformat()
    }

    #[test]
    fn every_isoformat_shape_is_written_back_as_read() {
        for text in [
            "2024-05-06T09:08:09+02:00",
            "2024-05-06T09:08:09.000001+02:00",
            "2024-05-06T07:08:09",
            "2024-05-06T07:08:09.123456",
            "2024-05-06T07:08:09+00:00",
            "2024-05-06T07:08:09-05:30",
            "2024-05-06T07:08:09.5000+05:30:15"
                .replace(".5000", ".500000")
                .as_str(),
            "2024-05-06T07:08:09+05:30:15.000250",
            "2024-05-06T07:08:09-00:00:01",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59.999999+00:00",
        ] {
            assert_eq!(round_trip(text), text);
        }
    }

    /// What `format!` writes for the same fields, the text `isoformat` must equal.
    fn formatted(time: &EventDateTime) -> String {
        let local = time.local();
        let mut out = local.format("%Y-%m-%dT%H:%M:%S").to_string();
        let micros = local.nanosecond() / 1000;
        if micros != 0 {
            out += &format!(".{micros:06}");
        }
        if let Some(offset) = time.offset {
            let sign = if offset < 0 { '-' } else { '+' };
            let (seconds, micros) = (offset.abs() / 1_000_000, offset.abs() % 1_000_000);
            out += &format!("{sign}{:02}:{:02}", seconds / 3600, seconds / 60 % 60);
            if seconds % 60 != 0 || micros != 0 {
                out += &format!(":{:02}", seconds % 60);
            }
            if micros != 0 {
                out += &format!(".{micros:06}");
            }
        }
        out
    }

    #[test]
    fn isoformat_writes_every_field_zero_padded() {
        // A fixed pseudo-random walk over instants of years 1..=9999 and offsets within a day.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (min, max) = (-62_135_596_800_i64 + 86_400, 253_402_300_799_i64 - 86_400);
        for _ in 0..20_000 {
            let seconds = min + (next() % (max - min) as u64) as i64;
            let micros = match next() % 3 {
                0 => 0,
                _ => (next() % 1_000_000) as u32,
            };
            let instant = DateTime::from_timestamp(seconds, micros * 1000).unwrap();
            // In microseconds: none (naive), zero, whole minutes, any value within a day.
            let offset = match next() % 4 {
                0 => None,
                1 => Some(0),
                2 => Some(((next() % 2_879) as i64 - 1_439) * 60 * MICROS_PER_SECOND),
                _ => Some(
                    (next() % (2 * MAX_OFFSET_MICROS as u64 - 1)) as i64 - MAX_OFFSET_MICROS + 1,
                ),
            };
            let time = match offset {
                None => EventDateTime::naive(instant.naive_utc()),
                Some(micros) => {
                    EventDateTime::with_offset(instant, TimeDelta::microseconds(micros)).unwrap()
                }
            };
            assert_eq!(time.isoformat(), formatted(&time));
            assert_eq!(EventDateTime::parse(&time.isoformat()).unwrap(), time);
        }
    }

    /// The instant and offset of the fields, as chrono computes them; `None` when chrono
    /// refuses the date or time or the offset is a day or more.
    fn chrono_reference(
        [year, month, day, hour, minute, second, micros]: [u32; 7],
        offset: Option<i64>,
    ) -> Option<(DateTime<Utc>, Option<i64>)> {
        use chrono::{NaiveDate, NaiveTime};
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        let local = date.and_time(NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?);
        if offset.is_some_and(|o| o.abs() >= MAX_OFFSET_MICROS) {
            return None;
        }
        let utc = local.and_utc() - TimeDelta::microseconds(offset.unwrap_or(0));
        Some((utc, offset))
    }

    #[test]
    fn parsing_agrees_with_chrono_on_valid_and_invalid_fields() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..50_000 {
            let fields = [
                next(10_000) as u32,
                next(14) as u32,
                next(33) as u32,
                next(25) as u32,
                next(61) as u32,
                next(61) as u32,
                if next(2) == 0 {
                    0
                } else {
                    next(1_000_000) as u32
                },
            ];
            let [year, month, day, hour, minute, second, micros] = fields;
            let mut text =
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            if micros != 0 {
                text += &format!(".{micros:06}");
            }
            let offset = match next(3) {
                0 => None,
                _ => {
                    let (h, m, sec, us) = (next(26), next(60), next(60), next(1_000_000));
                    let sign = if next(2) == 0 { 1 } else { -1 };
                    text += &format!(
                        "{}{h:02}:{m:02}:{sec:02}.{us:06}",
                        if sign > 0 { '+' } else { '-' }
                    );
                    Some(sign * ((((h * 60 + m) * 60 + sec) * 1_000_000 + us) as i64))
                }
            };
            let parsed = EventDateTime::parse(&text)
                .ok()
                .map(|t| (t.to_utc(), t.offset));
            let expected = chrono_reference(fields, offset);
            assert_eq!(parsed, expected, "{text}");
            if expected.is_some() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 10_000 && invalid > 10_000,
            "{valid} valid, {invalid} invalid"
        );
        for (text, ok) in [
            ("2000-02-29T00:00:00", true),
            ("2024-02-29T00:00:00", true),
            ("1900-02-29T00:00:00", false),
            ("2023-02-29T00:00:00", false),
            ("2024-04-31T00:00:00", false),
            ("0000-01-01T00:00:00", true),
        ] {
            assert_eq!(EventDateTime::parse(text).is_ok(), ok, "{text}");
        }
    }

    #[test]
    fn other_iso_shapes_are_written_as_python_writes_them() {
        for (text, python) in [
            ("2024-05-06T07:08:09Z", "2024-05-06T07:08:09+00:00"),
            ("2024-05-06T07:08:09.5Z", "2024-05-06T07:08:09.500000+00:00"),
            ("2024-05-06 07:08:09", "2024-05-06T07:08:09"),
            ("2024-05-06T07:08", "2024-05-06T07:08:00"),
            ("2024-05-06", "2024-05-06T00:00:00"),
            (
                "2024-05-06T07:08:09.123456789",
                "2024-05-06T07:08:09.123456",
            ),
            ("2024-05-06T07:08:09+0200", "2024-05-06T07:08:09+02:00"),
            ("2024-05-06T07:08:09-00:00", "2024-05-06T07:08:09+00:00"),
        ] {
            assert_eq!(round_trip(text), python, "{text}");
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in [
            "",
            "yesterday",
            "2024-13-01T00:00:00",
            "2024-02-30T00:00:00",
            "2024-05-06T24:00:00",
            "2024-05-06T07:08:09+",
            "2024-05-06T07:08:09+24:00",
            "2024-05-06T07:08:09+02:60",
            "2024-05-06T07:08:09.",
            "2024-05-06T07:08:09.1234567890",
            "2024-05-06T07:08:09 ",
            "2024-05-06X07:08:09",
        ] {
            let error = EventDateTime::parse(text).unwrap_err();
            assert!(
                error.to_string().contains("not an ISO 8601 date-time"),
                "{text}"
            );
        }
    }

    #[test]
    fn values_are_instants_with_python_equality() {
        let plus_two = EventDateTime::parse("2024-05-06T09:08:09+02:00").unwrap();
        let utc = EventDateTime::parse("2024-05-06T07:08:09+00:00").unwrap();
        let naive = EventDateTime::parse("2024-05-06T07:08:09").unwrap();
        assert_eq!(plus_two, utc);
        assert_eq!(plus_two.to_utc(), utc.to_utc());
        assert_eq!(plus_two.timestamp(), 1_714_979_289);
        assert_eq!(plus_two.utc_offset(), Some(TimeDelta::hours(2)));
        assert_eq!(plus_two.local().hour(), 9);
        assert_ne!(naive, utc);
        assert_eq!(naive.partial_cmp(&utc), None);
        assert!(naive.is_naive());
        assert_eq!(naive.to_utc(), utc.to_utc());
        assert_eq!(utc, utc.to_utc());
        let from_utc = EventDateTime::from(utc.to_utc());
        assert_eq!(from_utc.isoformat(), "2024-05-06T07:08:09+00:00");
        let fixed = DateTime::parse_from_rfc3339("2024-05-06T09:08:09+02:00").unwrap();
        assert_eq!(
            EventDateTime::from(fixed).isoformat(),
            "2024-05-06T09:08:09+02:00"
        );
        assert_eq!(
            EventDateTime::with_offset(utc.to_utc(), TimeDelta::hours(24)),
            None
        );
        assert!(plus_two < EventDateTime::parse("2024-05-06T07:08:10Z").unwrap());
    }
}
