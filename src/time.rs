//! Instants and durations as smile-sec reads and writes them: `--now`, the default signing
//! timestamp, every timestamp spelling the official SDKs send, `90s`/`15m`/`24h`/`7d` durations,
//! and key-file dates.

use chrono::{
    DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc,
};

/// Where a command's "now" comes from: a fixed time (`--now`, `SMILE_SEC_NOW`), or the clock,
/// read again each time it is asked (a long run judges each callback by when it came).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock(Option<DateTime<Utc>>);

impl Clock {
    /// `Some`: that time, always; `None`: the clock.
    pub fn new(fixed: Option<DateTime<Utc>>) -> Clock {
        Clock(fixed)
    }

    pub fn now(self) -> DateTime<Utc> {
        self.0.unwrap_or_else(Utc::now)
    }

    /// The fixed time, if there is one.
    pub fn fixed(self) -> Option<DateTime<Utc>> {
        self.0
    }
}

/// How a received timestamp was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The timestamp said where it is (`Z` or an offset).
    Explicit,
    /// No offset: read as UTC. Python SDK ≤ 3.0.0 sends naive *local* time, so this may be off.
    AssumedUtc,
}

/// A timestamp string that none of the known spellings matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTimestamp(pub String);

impl std::fmt::Display for BadTimestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not an RFC 3339 time (e.g. 2026-11-20T10:00:00.123Z)",
            self.0
        )
    }
}

impl std::error::Error for BadTimestamp {}

/// The timestamp smile-sec signs with by default: the Node SDK and docs form, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_signing_timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Strict RFC 3339, as `--now` and `SMILE_SEC_NOW` take it.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, BadTimestamp> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| BadTimestamp(text.to_owned()))
}

/// A received callback timestamp in any spelling the official SDKs produce (smile-id-signing.md):
/// RFC 3339 with any fraction and `Z` or an offset (Node, Python 3.0.1, Java, PHP), ISO without an
/// offset (Python ≤ 3.0.0, read as UTC) and Ruby's `Time#to_s` (`2024-03-15 11:20:30 +0100`,
/// `2024-03-15 10:20:30 UTC`).
pub fn parse_callback_timestamp(text: &str) -> Result<(DateTime<Utc>, Zone), BadTimestamp> {
    let bad = || BadTimestamp(text.to_owned());
    // chrono's RFC 3339 parser also takes a space or lowercase `t` as separator; all are unambiguous.
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok((t.with_timezone(&Utc), Zone::Explicit));
    }
    // chrono's `%Y-%m-%d` also takes signed, short or long years and one-digit months and days
    // (`-2024-2-5`); no SDK sends those, so the other spellings must start `YYYY-MM-DD`.
    if !starts_with_full_date(text) {
        return Err(bad());
    }
    // Ruby's `Time#to_s`, and ISO with a colon-less offset (`+0000`).
    for layout in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(text, layout) {
            return Ok((t.with_timezone(&Utc), Zone::Explicit));
        }
    }
    // Ruby's `Time#to_s` of a UTC time (`Time.now.utc`) names the zone instead.
    if let Some(utc) = text.strip_suffix(" UTC")
        && let Ok(naive) = NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S")
    {
        return Ok((Utc.from_utc_datetime(&naive), Zone::Explicit));
    }
    for layout in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, layout) {
            return Ok((Utc.from_utc_datetime(&naive), Zone::AssumedUtc));
        }
    }
    Err(bad())
}

/// Whether `text` starts with exactly `YYYY-MM-DD` followed by a separator (or nothing).
fn starts_with_full_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
        && b.get(10).is_none_or(|c| !c.is_ascii_digit())
}

/// A key-file time: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
pub fn parse_date_or_time(text: &str) -> Result<DateTime<Utc>, BadTimestamp> {
    if let Some(date) = parse_full_date(text) {
        return Ok(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists")));
    }
    parse_rfc3339(text)
}

/// Exactly `YYYY-MM-DD`. (chrono's `%Y-%m-%d` alone also takes `2026-9-1` and, found by
/// fuzzing, `2026- 9-01`: found by fuzzing.)
pub fn parse_full_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 || !starts_with_full_date(text) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A duration that is not one of `90s`, `15m`, `24h`, `7d` or a bare number of seconds, or one
/// too long to count with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadDuration {
    NotADuration(String),
    TooLong(String),
}

impl std::fmt::Display for BadDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadDuration::NotADuration(text) => write!(
                f,
                "`{}` is not a duration (expected e.g. 90s, 15m, 24h, 7d, or a number of seconds)",
                text
            ),
            BadDuration::TooLong(text) => write!(
                f,
                "`{}` is too long a duration to count with (at most {}d)",
                text,
                Duration::MAX.num_days()
            ),
        }
    }
}

impl std::error::Error for BadDuration {}

/// Parses `90s`, `15m`, `24h`, `7d`, or a bare number of seconds. No sign, no fraction, no spaces.
pub fn parse_duration(text: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration::NotADuration(text.to_owned());
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let too_long = || BadDuration::TooLong(text.to_owned());
    // Written right: a number that does not fit is too long, not malformed.
    let count: i64 = digits.parse().map_err(|_| too_long())?;
    count
        .checked_mul(seconds_per_unit)
        .and_then(Duration::try_seconds)
        .ok_or_else(too_long)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn every_sdk_spelling_is_read() {
        let cases = [
            (
                "2024-03-15T10:20:30.123Z",
                "2024-03-15T10:20:30.123Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T10:20:30.123456+00:00",
                "2024-03-15T10:20:30.123456Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T10:20:30+00:00",
                "2024-03-15T10:20:30Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T10:20:30.123456789Z",
                "2024-03-15T10:20:30.123456789Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15 11:20:30 +0100",
                "2024-03-15T10:20:30Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15 10:20:30 UTC",
                "2024-03-15T10:20:30Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T10:20:30.123+0000",
                "2024-03-15T10:20:30.123Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T05:20:30.123-05:00",
                "2024-03-15T10:20:30.123Z",
                Zone::Explicit,
            ),
            (
                "2024-03-15T11:20:30.123456",
                "2024-03-15T11:20:30.123456Z",
                Zone::AssumedUtc,
            ),
            (
                "2024-03-15T11:20:30",
                "2024-03-15T11:20:30Z",
                Zone::AssumedUtc,
            ),
        ];
        for (input, instant, zone) in cases {
            assert_eq!(
                parse_callback_timestamp(input),
                Ok((utc(instant), zone)),
                "{input}"
            );
        }
    }

    #[test]
    fn garbage_timestamps_are_refused() {
        for input in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-03-15",
            "1710498030",
            "2024-03-15T10:20:30.123Z ",
            // Found by fuzzing: chrono's `%Y-%m-%d` takes these, no SDK sends them.
            "-2024-2-5T10:20:30.0312024-2304",
            "2024-3-15 11:20:30 +0100",
            "+2024-03-15T11:20:30",
            "12024-03-15 11:20:30",
            "2024-03-15 10:20:30 utc",
            "2024-03-15 10:20:30 UTC ",
            "2024-03-15 10:20:30.5 UTC",
        ] {
            assert!(parse_callback_timestamp(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn signing_timestamp_is_node_form() {
        assert_eq!(
            format_signing_timestamp(utc("2026-11-20T10:00:00.5+00:00")),
            "2026-11-20T10:00:00.500Z"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("24h"), Ok(Duration::hours(24)));
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration("300"), Ok(Duration::seconds(300)));
        assert_eq!(parse_duration("0"), Ok(Duration::zero()));
        for bad in [
            "",
            "s",
            "-5s",
            "1.5h",
            "5 m",
            "5w",
            "99999999999999999999d",
            "9223372036854775807d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        // Written right, but too long to count with: said so.
        let longest = Duration::MAX.num_days();
        assert_eq!(
            parse_duration(&format!("{longest}d")),
            Ok(Duration::days(longest))
        );
        for long in [
            format!("{}d", longest + 1),
            "99999999999999999999".to_owned(),
        ] {
            assert_eq!(
                parse_duration(&long),
                Err(BadDuration::TooLong(long.clone()))
            );
        }
        for unit in ["5w", "99999999999999999999w"] {
            assert_eq!(
                parse_duration(unit),
                Err(BadDuration::NotADuration(unit.into()))
            );
        }
    }

    #[test]
    fn key_file_dates() {
        assert_eq!(
            parse_date_or_time("2026-09-01"),
            Ok(utc("2026-09-01T00:00:00Z"))
        );
        assert_eq!(
            parse_date_or_time("2026-09-01T02:00:00+02:00"),
            Ok(utc("2026-09-01T00:00:00Z"))
        );
        assert!(parse_date_or_time("2026-9-1").is_err());
        // Found by fuzzing.
        assert!(parse_date_or_time("2026- 9-01").is_err());
        assert!(parse_full_date("2026-09- 1").is_none());
        assert!(parse_date_or_time("2026-02-30").is_err());
    }
}
