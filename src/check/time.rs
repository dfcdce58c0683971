//! Timestamps as the image APIs write them, parsed to a comparable instant.
//!
//! Accepted: `2016-05-22T06:04:20Z`, `2016-05-22T06:04:20.425843` (no zone: UTC, as Glance
//! v1 writes it), `2016-05-22T06:04:20+08:00`, and `2016-05-22 06:04:20` (the IMS doc's
//! second form).

/// Nanoseconds since the Unix epoch.
pub type Instant = i128;

pub fn parse(s: &str) -> Option<Instant> {
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
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_secs;
    Some(secs as i128 * 1_000_000_000 + nanos)
}

/// Format an instant the way the docs write filter values: `YYYY-MM-DDThh:mm:ssZ`
/// (sub-second precision dropped, rounding down).
pub fn format_z(t: Instant) -> String {
    let secs = t.div_euclid(1_000_000_000) as i64;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", sod / 3600, sod % 3600 / 60, sod % 60)
}

// Howard Hinnant's days-from-civil algorithm (public-domain arithmetic).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn rejects_malformed_values() {
        for s in ["yesterday", "2016-13-01T00:00:00Z", "2016-05-22", "2016-05-22T06:04:20+8"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
