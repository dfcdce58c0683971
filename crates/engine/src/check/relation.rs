//! Whether an item's field satisfies a filter value: one pure function per relation.

use serde_json::Value;

use super::pages::{as_i128, scalar_text};
use super::time;
use crate::spec::model::{FilterParam, Relation, TimeOp};

/// The value sent for a filter parameter, as text, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sent {
    /// The query value exactly as sent.
    pub text: String,
    pub op: Option<TimeOp>,
}

/// Whether a field satisfies a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    Yes,
    No,
    /// The field is shown coarser than the server compares it (a timestamp to the second,
    /// compared to the microsecond), and the answer depends on the hidden part: either is right.
    Undecidable,
    /// The field is absent or not of the relation's type.
    Incomparable,
}

impl From<Option<bool>> for Match {
    fn from(b: Option<bool>) -> Match {
        match b {
            Some(true) => Match::Yes,
            Some(false) => Match::No,
            None => Match::Incomparable,
        }
    }
}

/// Does `field` satisfy the filter value `sent` under `param`'s relation?
pub(crate) fn satisfies(param: &FilterParam, field: Option<&Value>, sent: &Sent) -> Match {
    let value = sent.text.as_str();
    let plain = |b: Option<bool>| Match::from(b);
    match param.relation {
        Relation::Equals => plain(field.and_then(scalar_text).map(|f| f == value)),
        Relation::EqualsIgnoreCase => plain(field.and_then(scalar_text).map(|f| f.to_lowercase() == value.to_lowercase())),
        Relation::Boolean => plain(
            field
                .and_then(|f| match f {
                    Value::Bool(b) => Some(*b),
                    Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
                    Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
                    _ => None,
                })
                .map(|f| f == value.eq_ignore_ascii_case("true")),
        ),
        Relation::AtLeast => plain(field.and_then(as_i128).zip(value.parse::<i128>().ok()).map(|(f, v)| f >= v)),
        Relation::AtMost => plain(field.and_then(as_i128).zip(value.parse::<i128>().ok()).map(|(f, v)| f <= v)),
        Relation::Contains => plain(match field {
            Some(Value::Array(a)) => Some(a.iter().any(|x| scalar_text(x).as_deref() == Some(value))),
            Some(Value::Null) => Some(false),
            _ => None,
        }),
        Relation::Time => match split_time(value) {
            Some((op, t)) => compare_time(field, op, t),
            None => Match::Incomparable,
        },
        Relation::SinceInclusive => time::parse(value).map(|t| compare_time(field, TimeOp::Gte, t)).unwrap_or(Match::Incomparable),
        Relation::SinceExclusive => time::parse(value).map(|t| compare_time(field, TimeOp::Gt, t)).unwrap_or(Match::Incomparable),
        Relation::Mapped => match (param.map.get(value), field) {
            (Some(accepted), Some(f)) => plain(Some(accepted.iter().any(|a| a == f || scalar_text(a) == scalar_text(f)))),
            _ => Match::Incomparable,
        },
    }
}

/// Compare a shown timestamp with `t`. A value shown without a fraction stands for the whole
/// second it names: `10:00:00Z` may be 10:00:00.4 on the server, so `gt:10:00:00Z` may or may
/// not select it.
fn compare_time(field: Option<&Value>, op: TimeOp, t: time::Instant) -> Match {
    let Some(text) = field.and_then(Value::as_str) else { return Match::Incomparable };
    let Some(lo) = time::parse(text) else { return Match::Incomparable };
    let whole_second = !text.contains('.');
    let hi = if whole_second { lo + 999_999_999 } else { lo };
    let (all, none) = match op {
        TimeOp::Gt => (lo > t, hi <= t),
        TimeOp::Gte => (lo >= t, hi < t),
        TimeOp::Lt => (hi < t, lo >= t),
        TimeOp::Lte => (hi <= t, lo > t),
        TimeOp::Eq => (lo == t && hi == t, t < lo || t > hi),
        TimeOp::Neq => (t < lo || t > hi, lo == t && hi == t),
    };
    match (all, none) {
        (true, _) => Match::Yes,
        (_, true) => Match::No,
        _ => Match::Undecidable,
    }
}

/// `gt:2020-01-01T00:00:00Z` → (Gt, instant).
pub(crate) fn split_time(v: &str) -> Option<(TimeOp, time::Instant)> {
    let (op, t) = v.split_once(':')?;
    let op = TimeOp::ALL.into_iter().find(|o| o.as_str() == op)?;
    Some((op, time::parse(t)?))
}

/// The filter value that an item's own field suggests (so the item itself must match).
pub(crate) fn value_selecting(param: &FilterParam, field: &Value) -> Option<Sent> {
    let text = match param.relation {
        Relation::Equals | Relation::EqualsIgnoreCase | Relation::AtLeast | Relation::AtMost => scalar_text(field)?,
        Relation::Boolean => match field {
            Value::Bool(b) => b.to_string(),
            Value::String(s) => s.to_lowercase(),
            _ => return None,
        },
        Relation::Contains => scalar_text(field.as_array()?.first()?)?,
        Relation::Time => {
            return Some(Sent { text: format!("gte:{}", time::format_z(time::parse(field.as_str()?)?)), op: Some(TimeOp::Gte) })
        }
        Relation::SinceInclusive | Relation::SinceExclusive => time::format_z(time::parse(field.as_str()?)? - 1),
        Relation::Mapped => param.map.iter().find(|(_, vals)| vals.iter().any(|v| scalar_text(v) == scalar_text(field)))?.0.clone(),
    };
    Some(Sent { text, op: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(relation: Relation) -> FilterParam {
        FilterParam {
            param: "p".into(),
            field: "/f".into(),
            relation,
            doc: None,
            level: None,
            completeness: None,
            why: None,
            map: [("SAVING".to_string(), vec![json!("SAVING")]), ("ACTIVE".to_string(), vec![json!("ACTIVE")])].into_iter().collect(),
            ops: vec![],
            formats: vec![],
            with: Default::default(),
            values: vec![],
            invalid: vec![],
        }
    }

    fn sent(t: &str) -> Sent {
        Sent { text: t.into(), op: None }
    }

    #[test]
    fn equality_relations() {
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!("cirros")), &sent("cirros")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!("Cirros")), &sent("cirros")), Match::No);
        assert_eq!(satisfies(&param(Relation::EqualsIgnoreCase), Some(&json!("Cirros")), &sent("cirros")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!(64)), &sent("64")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Equals), None, &sent("x")), Match::Incomparable);
    }

    #[test]
    fn boolean_accepts_string_booleans() {
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!("true")), &sent("true")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!(false)), &sent("true")), Match::No);
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!(3)), &sent("true")), Match::Incomparable);
    }

    #[test]
    fn integer_bounds_are_inclusive() {
        assert_eq!(satisfies(&param(Relation::AtLeast), Some(&json!(512)), &sent("512")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::AtLeast), Some(&json!(511)), &sent("512")), Match::No);
        assert_eq!(satisfies(&param(Relation::AtMost), Some(&json!("512")), &sent("512")), Match::Yes);
    }

    #[test]
    fn time_operators() {
        // A value with a fraction is exact.
        let f = json!("2020-01-01T00:00:01.000000Z");
        for (q, want) in [
            ("gt:2020-01-01T00:00:00Z", true),
            ("lt:2020-01-01T00:00:00Z", false),
            ("gte:2020-01-01T00:00:01Z", true),
            ("eq:2020-01-01T00:00:01Z", true),
            ("neq:2020-01-01T00:00:01Z", false),
            ("lte:2020-01-01 00:00:01", true),
        ] {
            assert_eq!(satisfies(&param(Relation::Time), Some(&f), &sent(q)), Some(want).into(), "{q}");
        }
        assert_eq!(satisfies(&param(Relation::Time), Some(&f), &sent("after:2020")), Match::Incomparable);
    }

    #[test]
    fn whole_second_values_stand_for_the_whole_second() {
        // Shown as 10:00:00Z, stored maybe as 10:00:00.4: `gt:10:00:00Z` may select it or not.
        let f = json!("2020-01-01T10:00:00Z");
        let judge = |q: &str| satisfies(&param(Relation::Time), Some(&f), &sent(q));
        assert_eq!(judge("gt:2020-01-01T10:00:00Z"), Match::Undecidable);
        assert_eq!(judge("eq:2020-01-01T10:00:00Z"), Match::Undecidable);
        assert_eq!(judge("gte:2020-01-01T10:00:00Z"), Match::Yes);
        assert_eq!(judge("lt:2020-01-01T10:00:00Z"), Match::No);
        assert_eq!(judge("gt:2020-01-01T09:59:59Z"), Match::Yes);
        assert_eq!(judge("lte:2020-01-01T10:00:01Z"), Match::Yes);
        assert_eq!(judge("neq:2020-01-01T10:00:01Z"), Match::Yes);
    }

    #[test]
    fn changes_since_inclusive_and_exclusive() {
        let f = json!("2020-01-01T00:00:00.000Z");
        assert_eq!(satisfies(&param(Relation::SinceInclusive), Some(&f), &sent("2020-01-01T00:00:00Z")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::SinceExclusive), Some(&f), &sent("2020-01-01T00:00:00Z")), Match::No);
    }

    #[test]
    fn membership_and_mapping() {
        assert_eq!(satisfies(&param(Relation::Contains), Some(&json!(["a", "b"])), &sent("b")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Contains), Some(&json!([])), &sent("b")), Match::No);
        assert_eq!(satisfies(&param(Relation::Mapped), Some(&json!("SAVING")), &sent("SAVING")), Match::Yes);
        assert_eq!(satisfies(&param(Relation::Mapped), Some(&json!("ACTIVE")), &sent("SAVING")), Match::No);
    }

    #[test]
    fn value_selecting_an_item_selects_it() {
        for (rel, field) in [
            (Relation::Equals, json!("x")),
            (Relation::Boolean, json!("true")),
            (Relation::AtLeast, json!(3)),
            (Relation::Time, json!("2020-01-01T00:00:01.5Z")),
            (Relation::SinceExclusive, json!("2020-01-01T00:00:01Z")),
            (Relation::Contains, json!(["t"])),
        ] {
            let p = param(rel);
            let s = value_selecting(&p, &field).unwrap();
            assert_eq!(satisfies(&p, Some(&field), &s), Match::Yes, "{rel:?} {s:?}");
        }
    }
}
