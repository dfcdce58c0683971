//! Timestamps as the image APIs write them, parsed to a comparable instant.
//!
//! Accepted: `2016-05-22T06:04:20Z`, `2016-05-22T06:04:20.425843` (no zone: UTC, as Glance
//! v1 writes it), `2016-05-22T06:04:20+08:00`, and `2016-05-22 06:04:20` (the IMS doc's
//! second form).
//!
//! The shape of a value (which characters stand where) is read here, because it is what the
//! specs and their findings depend on, including a few lenient forms no API writes (see the
//! tests); the calendar is chrono's. chrono's own `parse_from_str` would take one-digit months
//! and turn away days past the month's end, leap seconds and colons inside offsets.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Timelike, Utc};

/// Nanoseconds since the Unix epoch.
pub(crate) type Instant = i128;

pub(crate) fn parse(s: &str) -> Option<Instant> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: i128 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        let padded = format!("{:0<9}", &digits[..digits.len().min(9)]);
        nanos = padded.parse().ok()?;
        rest = &frac[digits.len()..];
    }
    let offset_secs: i64 = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = rest[1..].replace(':', "");
            if t.len() != 4 {
                return None;
            }
            let oh: i64 = t[..2].parse().ok()?;
            let om: i64 = t[2..].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days are checked against 31 only: February 30th has always been read as March 1st or 2nd.
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(mo).ok()?, 1)?.checked_add_days(Days::new(d as u64 - 1))?;
    let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
    // Added as a count, a leap second (`:60`) is the next minute's first second.
    let secs = midnight + h * 3600 + mi * 60 + se - offset_secs;
    Some(secs as i128 * 1_000_000_000 + nanos)
}

/// Format an instant the way the docs write filter values: `YYYY-MM-DDThh:mm:ssZ`
/// (sub-second precision dropped, rounding down).
pub(crate) fn format_z(t: Instant) -> String {
    let secs = t.div_euclid(1_000_000_000) as i64;
    // Parsed values lie within years -999..=9999; anything past chrono's range is clamped.
    let at = DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC });
    // Written by hand rather than with `%Y`, which pads years before 0 to five characters (`-0001`).
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second())
}

/// `t` as `YYYY-MM-DD hh:mm:ss` (UTC, no zone): the IMS doc's second layout.
pub(crate) fn format_space(t: Instant) -> String {
    format_z(t).trim_end_matches('Z').replacen('T', " ", 1)
}

/// `t` on a clock `minutes` ahead of UTC (`+05:30`, or behind: `-05:00`): the same instant.
pub(crate) fn format_offset(t: Instant, minutes: i64) -> String {
    let local = format_z(t + i128::from(minutes) * 60 * 1_000_000_000);
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{}{sign}{:02}:{:02}", local.trim_end_matches('Z'), minutes.abs() / 60, minutes.abs() % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_of_an_instant_reads_back_as_that_instant() {
        let t = parse("2020-01-01T00:10:00Z").unwrap();
        assert_eq!(format_space(t), "2020-01-01 00:10:00");
        assert_eq!(format_offset(t, 330), "2020-01-01T05:40:00+05:30");
        assert_eq!(format_offset(t, -300), "2019-12-31T19:10:00-05:00");
        for text in [format_space(t), format_offset(t, 330), format_offset(t, -300)] {
            assert_eq!(parse(&text), Some(t), "{text}");
        }
    }

    #[test]
    fn forms_of_the_same_instant_agree() {
        let z = parse("2016-05-22T06:04:20Z").unwrap();
        assert_eq!(parse("2016-05-22 06:04:20"), Some(z));
        assert_eq!(parse("2016-05-22T14:04:20+08:00"), Some(z));
        assert_eq!(parse("2016-05-22T06:04:20.425843").unwrap() - z, 425_843_000);
    }

    #[test]
    fn round_trips_through_the_doc_format() {
        for s in ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2026-11-22T05:42:55Z"] {
            assert_eq!(format_z(parse(s).unwrap()), s);
        }
        assert_eq!(parse("1970-01-01T00:00:01Z"), Some(1_000_000_000));
    }

    /// Inputs the parser has always taken although no API writes them. Checks compare values
    /// with these instants, so each one stays as it is.
    #[test]
    fn lenient_forms_keep_their_instants() {
        let at = |s: &str| parse(s).unwrap_or_else(|| panic!("{s} is accepted"));
        // Whitespace around the value, and a lower-case zone.
        assert_eq!(at(" 2016-05-22T06:04:20z\n"), at("2016-05-22T06:04:20Z"));
        // A leap second is the first second of the next minute.
        assert_eq!(at("2016-12-31T23:59:60Z"), at("2017-01-01T00:00:00Z"));
        // The day is only checked against 31: February 30th is March 1st or 2nd.
        assert_eq!(at("2016-02-30T00:00:00Z"), at("2016-03-01T00:00:00Z"));
        assert_eq!(at("2015-02-31T00:00:00Z"), at("2015-03-03T00:00:00Z"));
        assert_eq!(at("2015-04-31T12:00:00Z"), at("2015-05-01T12:00:00Z"));
        // Any number of fraction digits, cut to nanoseconds.
        assert_eq!(at("2016-05-22T06:04:20.1234567891Z") - at("2016-05-22T06:04:20Z"), 123_456_789);
        assert_eq!(at("2016-05-22T06:04:20.5") - at("2016-05-22T06:04:20"), 500_000_000);
        // Offsets with or without a colon (anywhere), of any size up to 99 hours.
        assert_eq!(at("2016-05-22T14:04:20+0800"), at("2016-05-22T06:04:20Z"));
        assert_eq!(at("2016-05-22T14:04:20+0:800"), at("2016-05-22T06:04:20Z"));
        assert_eq!(at("2016-05-22T06:04:20-99:59"), at("2016-05-26T10:03:20Z"));
        // Numbers as Rust reads them: a `+` sign in a field.
        assert_eq!(at("2016-+5-22T06:04:20Z"), at("2016-05-22T06:04:20Z"));
        assert_eq!(at("0000-01-01T00:00:00Z"), -62_167_219_200 * 1_000_000_000);
        assert_eq!(at("9999-12-31T23:59:59Z"), 253_402_300_799 * 1_000_000_000);
        assert_eq!(at("1969-12-31T23:59:59.5Z"), -500_000_000);
        // Years before 0 come in with a sign and go out four characters wide.
        assert_eq!(at("-999-01-01T00:00:00Z"), -93_692_592_000 * 1_000_000_000);
        assert_eq!(format_z(at("-999-01-01T00:00:00Z")), "-999-01-01T00:00:00Z");
        assert_eq!(format_z(at("0000-01-01T00:00:00+01:00")), "-001-12-31T23:00:00Z");
    }

    #[test]
    fn formats_instants_before_the_epoch_and_drops_fractions() {
        assert_eq!(format_z(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_z(-62_167_219_200 * 1_000_000_000), "0000-01-01T00:00:00Z");
        assert_eq!(format_z(1_999_999_999), "1970-01-01T00:00:01Z");
        assert_eq!(format_z(253_402_300_799 * 1_000_000_000), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn rejects_what_it_always_rejected() {
        for s in [
            "",
            "2016-05-22T06:04",
            "2016-05-22t06:04:20Z",
            "2016-05-22_06:04:20Z",
            "2016/05/22T06:04:20Z",
            "2016-05-22T06:04:20.Z",
            "2016-05-22T06:04:20 Z",
            "2016-05-22T06:04:20ZZ",
            "2016-05-22T06:04:20+08",
            "2016-05-22T06:04:20+08:00:00",
            "2016-05-22T06:04:20UTC",
            "2016-00-22T06:04:20Z",
            "2016-05-00T06:04:20Z",
            "2016-05-32T06:04:20Z",
            "2016-05-22T24:00:00Z",
            "2016-05-22T06:60:00Z",
            "2016-05-22T06:04:61Z",
            "2016-5-22T06:04:20Z",
            "2016-05-22T06:04:2é",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn rejects_malformed_values() {
        for s in ["yesterday", "2016-13-01T00:00:00Z", "2016-05-22", "2016-05-22T06:04:20+8"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
