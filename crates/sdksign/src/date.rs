//! `X-Sdk-Date`: `YYYYMMDDTHHMMSSZ` in UTC, from and to seconds since the Unix epoch.
//!
//! The calendar is chrono's. The layout is read here: verification has always taken a day up
//! to 31 in any month and a 60th second, rolling over into the next month or minute, where
//! chrono's `%Y%m%dT%H%M%SZ` would turn the first away and keep the second as a leap second.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Timelike};

/// Formats seconds since the epoch as `YYYYMMDDTHHMMSSZ`.
pub fn sdk_date(unix_secs: u64) -> String {
    // Past chrono's last year (262143) a signing clock is broken anyway: it signs that year's end.
    let at = i64::try_from(unix_secs).ok().and_then(|s| DateTime::from_timestamp(s, 0)).unwrap_or(DateTime::<chrono::Utc>::MAX_UTC);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second())
}

/// Parses `YYYYMMDDTHHMMSSZ` into seconds since the epoch.
pub fn parse_sdk_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(y as i32, mo as u32, 1)?;
    let midnight = first.checked_add_days(Days::new(d as u64 - 1))?.and_time(NaiveTime::MIN).and_utc().timestamp();
    u64::try_from(midnight + h * 3600 + mi * 60 + se).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        assert_eq!(sdk_date(0), "19700101T000000Z");
        assert_eq!(sdk_date(951_782_400), "20000229T000000Z");
        assert_eq!(sdk_date(1_798_761_599), "20261231T235959Z");
        for t in [0, 951_782_400, 1_798_761_599, 4_102_444_800] {
            assert_eq!(parse_sdk_date(&sdk_date(t)), Some(t));
        }
        assert_eq!(parse_sdk_date("2026-01-01T00:00:00Z"), None);
        assert_eq!(parse_sdk_date("20261301T000000Z"), None);
        assert_eq!(parse_sdk_date("2026010+T000000Z"), None);
    }

    /// What verification accepts decides which signed requests pass: it stays as it was.
    #[test]
    fn parsing_keeps_its_lenient_and_strict_edges() {
        // The day is only checked against 31, and a leap second is the next minute's first.
        assert_eq!(parse_sdk_date("20260230T000000Z"), parse_sdk_date("20260302T000000Z"));
        assert_eq!(parse_sdk_date("20261231T235960Z"), parse_sdk_date("20270101T000000Z"));
        assert_eq!(parse_sdk_date("99991231T235959Z"), Some(253_402_300_799));
        // Before the epoch there is no unsigned second.
        assert_eq!(parse_sdk_date("19691231T235959Z"), None);
        for bad in [
            "",
            "20260101T000000",
            "20260101t000000Z",
            "20260101T000000z",
            "20260101T000000ZZ",
            "2026-101T000000Z",
            "20260001T000000Z",
            "20260100T000000Z",
            "20260132T000000Z",
            "20260101T240000Z",
            "20260101T006000Z",
            "20260101T000061Z",
            "+0260101T000000Z",
            "2026010éT00000Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_the_far_future() {
        assert_eq!(sdk_date(253_402_300_799), "99991231T235959Z");
        assert_eq!(sdk_date(4_102_444_800), "21000101T000000Z");
    }
}
