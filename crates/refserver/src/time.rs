//! Timestamps: whole UTC seconds in the model, three wire formats, and query-time parsing.
//!
//! The model keeps whole seconds on purpose: images created in the same second must tie, so
//! that sort tie-breaking is exercised. Glance v1 shows microseconds; they are a function of the
//! second (see [`v1_micros`]) so that equal seconds still render equal and the order of the
//! rendered strings is the order of the model.
//!
//! The calendar is chrono's; the layouts are read and written here. Pages render thousands of
//! timestamps, so they are written digit by digit, and the filters take what the upstreams
//! take: a missing seconds field, `+hh` and `+hhmm` offsets, any number of fraction digits.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike};

use crate::digits::padded;

/// Seconds since the Unix epoch, UTC.
pub(crate) type Secs = u32;

/// Microseconds since the Unix epoch, UTC: the resolution of query-time filters.
pub(crate) type Micros = i64;

/// A comparison operator of the `OP:TIME` filters (`created_at=gt:2018-10-28T10:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl Cmp {
    pub(crate) fn parse(op: &str) -> Option<Cmp> {
        Some(match op {
            "gt" => Cmp::Gt,
            "gte" => Cmp::Gte,
            "lt" => Cmp::Lt,
            "lte" => Cmp::Lte,
            "eq" => Cmp::Eq,
            "neq" => Cmp::Neq,
            _ => return None,
        })
    }

    /// `value OP bound`; `gt` means "later than" (upstream Glance), whatever the IMS doc's example says.
    pub(crate) fn holds<T: Ord>(self, value: T, bound: T) -> bool {
        match self {
            Cmp::Gt => value > bound,
            Cmp::Gte => value >= bound,
            Cmp::Lt => value < bound,
            Cmp::Lte => value <= bound,
            Cmp::Eq => value == bound,
            Cmp::Neq => value != bound,
        }
    }

    /// The mirror operator (gt ↔ lt, gte ↔ lte); what a server that read the doc's example literally does.
    pub(crate) fn mirrored(self) -> Cmp {
        match self {
            Cmp::Gt => Cmp::Lt,
            Cmp::Gte => Cmp::Lte,
            Cmp::Lt => Cmp::Gt,
            Cmp::Lte => Cmp::Gte,
            other => other,
        }
    }
}

/// How a family's clients see time, which decides what a filter compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clock {
    /// `2018-09-06T14:03:27Z`: the rendered value is the whole second.
    Seconds,
    /// `2016-05-22T06:04:20.425843`: the rendered value carries [`v1_micros`].
    V1,
}

impl Clock {
    pub(crate) fn micros(self, secs: Secs) -> Micros {
        let whole = i64::from(secs) * 1_000_000;
        match self {
            Clock::Seconds => whole,
            Clock::V1 => whole + i64::from(v1_micros(secs)),
        }
    }
}

/// The microsecond part Glance v1 shows; derived from the second so that ties stay ties.
pub(crate) fn v1_micros(secs: Secs) -> u32 {
    (crate::rng::mix(u64::from(secs)) % 1_000_000) as u32
}

/// `(year, month, day, hour, minute, second)` of a Unix time.
fn civil(secs: Secs) -> (i64, u32, u32, u32, u32, u32) {
    // Every u32 second (up to 2106) is within chrono's range.
    let at = DateTime::from_timestamp(i64::from(secs), 0).unwrap_or_default();
    (at.year().into(), at.month(), at.day(), at.hour(), at.minute(), at.second())
}

/// `2018-09-06T14:03:27` without zone or fraction.
fn write_plain(out: &mut String, secs: Secs) {
    let (y, mo, d, h, mi, s) = civil(secs);
    for (n, width, sep) in [(y as u64, 4, '-'), (mo.into(), 2, '-'), (d.into(), 2, 'T'), (h.into(), 2, ':'), (mi.into(), 2, ':')] {
        padded(out, n, width);
        out.push(sep);
    }
    padded(out, s.into(), 2);
}

/// `2018-09-06T14:03:27Z` (IMS, Glance v2, Nova).
pub(crate) fn write_z(out: &mut String, secs: Secs) {
    write_plain(out, secs);
    out.push('Z');
}

/// `2016-05-22T06:04:20.425843` (Glance v1: microseconds, no zone).
pub(crate) fn write_v1(out: &mut String, secs: Secs) {
    write_plain(out, secs);
    out.push('.');
    padded(out, v1_micros(secs).into(), 6);
}

/// Parses an ISO 8601 date-time as the upstreams accept it: `yyyy-MM-ddThh:mm:ss[.f][Z|±hh:mm]`,
/// also with a space instead of `T` (the IMS doc's second format) and date-only. No zone means UTC.
pub(crate) fn parse(text: &str) -> Option<Micros> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (month, day) = (num(5, 2)?, num(8, 2)?);
    // chrono knows each month's length; year, month and day are digits, so it turns away nothing else.
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let mut micros = date.and_time(NaiveTime::MIN).and_utc().timestamp() * 1_000_000;
    if b.len() == 10 {
        return Some(micros);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.get(13) != Some(&b':') {
        return None;
    }
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    let mut at = 16;
    let mut second = 0;
    if b.get(at) == Some(&b':') {
        second = num(17, 2)?;
        at = 19;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    micros += (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1_000_000;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut frac = 0i64;
        for (i, d) in b[at + 1..at + 1 + digits].iter().enumerate() {
            if i < 6 {
                frac = frac * 10 + i64::from(d - b'0');
            }
        }
        for _ in digits..6 {
            frac *= 10;
        }
        micros += frac;
        at += 1 + digits;
    }
    match b.get(at) {
        None => Some(micros),
        Some(b'Z' | b'z') if at + 1 == b.len() => Some(micros),
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(at + 1, 2)?;
            let om = match b.len() - (at + 3) {
                0 => 0,
                2 => num(at + 3, 2)?,
                3 if b[at + 3] == b':' => num(at + 4, 2)?,
                _ => return None,
            };
            let offset = (i64::from(oh) * 3600 + i64::from(om) * 60) * 1_000_000;
            Some(if *sign == b'+' { micros - offset } else { micros + offset })
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(secs: Secs) -> String {
        let mut s = String::new();
        write_z(&mut s, secs);
        s
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(z(0), "1970-01-01T00:00:00Z");
        assert_eq!(z(1_536_242_607), "2018-09-06T14:03:27Z");
        assert_eq!(z(951_782_400), "2000-02-29T00:00:00Z");
        let mut v1 = String::new();
        write_v1(&mut v1, 1_463_897_060);
        assert!(v1.starts_with("2016-05-22T06:04:20."), "{v1}");
        assert_eq!(v1.len(), "2016-05-22T06:04:20.425843".len());
    }

    #[test]
    fn parses_both_documented_formats_and_iso_variants() {
        let t = 1_540_720_800 * 1_000_000; // 2018-10-28T10:00:00Z
        assert_eq!(parse("2018-10-28T10:00:00Z"), Some(t));
        assert_eq!(parse("2018-10-28 10:00:00"), Some(t));
        assert_eq!(parse("2018-10-28T10:00:00"), Some(t));
        assert_eq!(parse("2018-10-28T12:00:00+02:00"), Some(t));
        assert!(parse("2018-10-28T0800-0200").is_none());
        assert_eq!(parse("2018-10-28T08:00:00-0200"), Some(t));
        assert_eq!(parse("2018-10-28T10:00:00.5Z"), Some(t + 500_000));
        assert_eq!(parse("2018-10-28T10:00Z"), Some(t));
        assert_eq!(parse("2018-10-28"), Some(t - 10 * 3600 * 1_000_000));
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "yesterday",
            "2018-13-01T00:00:00Z",
            "2018-02-30T00:00:00Z",
            "2018-10-28T25:00:00Z",
            "2018-10-28T10:00:00Zjunk",
            "2018/10/28 10:00:00",
            "2018-10-28T10:00:00.Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    /// Which filter values the server takes, and as which instant, is what specs observe.
    #[test]
    fn parsing_keeps_its_edges() {
        let at = |s: &str| parse(s).unwrap_or_else(|| panic!("{s} is accepted"));
        let t = at("2018-10-28T10:00:00Z");
        assert_eq!(at("2018-10-28t10:00:00z"), t);
        assert_eq!(at("2018-10-28T12:00:00+02"), t);
        assert_eq!(at("2018-10-28T12:00:00+0200"), t);
        assert_eq!(at("2018-10-28T10:00:00.1234569Z"), t + 123_456);
        assert_eq!(at("2018-10-27T10:00:00+99:59") + 99 * 3600 * 1_000_000 + 59 * 60 * 1_000_000, at("2018-10-27T10:00:00Z"));
        assert_eq!(at("2016-02-29"), 1_456_704_000 * 1_000_000);
        assert_eq!(at("0000-01-01T00:00:00Z"), -62_167_219_200 * 1_000_000);
        assert_eq!(at("9999-12-31T23:59:59.999999Z"), 253_402_300_799 * 1_000_000 + 999_999);
        assert_eq!(at("1969-12-31T23:59:59.5"), -500_000);
        for bad in [
            " 2018-10-28T10:00:00Z",
            "2018-10-28T10:00:00Z ",
            "2018-10-28T",
            "2018-10-28T10",
            "2018-10-28T10:0",
            "2018-10-28T10:00:0",
            "2018-10-28_10:00:00",
            "2018-10-28T10:00:60Z",
            "2018-10-28T10:60:00Z",
            "2018-10-28T10:00:00+2",
            "2018-10-28T10:00:00+020",
            "2018-10-28T10:00:00+02:0",
            "2018-10-28T10:00:00+02-00",
            "2018-10-28T10:00:00+02:00Z",
            "2018-10-28T10:00:00Z+02:00",
            "2018-10-28T10:00:00 Z",
            "2017-02-29",
            "2018-04-31",
            "2018-1-28",
            "+018-10-28",
            "2018-+1-28",
            "2018-10-2é",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_the_edges_of_the_model() {
        assert_eq!(z(Secs::MAX), "2106-02-07T06:28:15Z");
        assert_eq!(z(86_399), "1970-01-01T23:59:59Z");
        let mut v1 = String::new();
        write_v1(&mut v1, 0);
        assert_eq!(v1, "1970-01-01T00:00:00.000000");
        v1.clear();
        write_v1(&mut v1, 1);
        assert_eq!(v1, format!("1970-01-01T00:00:01.{:06}", crate::rng::mix(1) % 1_000_000));
    }

    #[test]
    fn round_trips_through_formatting() {
        for secs in [0, 1, 86_399, 1_514_764_800, 1_700_000_000, 4_000_000_000] {
            assert_eq!(parse(&z(secs)), Some(i64::from(secs) * 1_000_000));
        }
    }

    #[test]
    fn gt_means_later_than() {
        assert!(Cmp::Gt.holds(2, 1));
        assert!(!Cmp::Gt.holds(1, 1));
        assert!(Cmp::Gte.holds(1, 1));
        assert!(Cmp::Neq.holds(1, 2));
        assert_eq!(Cmp::Gt.mirrored(), Cmp::Lt);
        assert_eq!(Cmp::Eq.mirrored(), Cmp::Eq);
    }

    #[test]
    fn v1_clock_keeps_equal_seconds_equal_and_order_monotone() {
        assert_eq!(Clock::V1.micros(100), Clock::V1.micros(100));
        assert!(Clock::V1.micros(100) < Clock::V1.micros(101));
        assert_eq!(Clock::Seconds.micros(2), 2_000_000);
    }
}
