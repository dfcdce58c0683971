//! `X-Sdk-Date`: `YYYYMMDDTHHMMSSZ` in UTC, from and to seconds since the Unix epoch.

/// Formats seconds since the epoch as `YYYYMMDDTHHMMSSZ`.
pub fn sdk_date(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
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
    let days = days_from_civil(y, mo, d);
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + se).ok()
}

// The proleptic Gregorian conversions of Howard Hinnant's "chrono-compatible low-level date
// algorithms" (public domain).

/// `(year, month, day)` of a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a `(year, month, day)`.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
