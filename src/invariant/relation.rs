//! Whether an item's field satisfies a filter value: one pure function per relation.

use serde_json::Value;

use super::pages::{as_i128, scalar_text};
use super::time;
use crate::spec::model::{FilterParam, Relation, TimeOp};

/// The value sent for a filter parameter, as text, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The query value exactly as sent.
    pub text: String,
    pub op: Option<TimeOp>,
}

/// `Some(true/false)`: the field does/does not satisfy the filter. `None`: the field's value
/// cannot be judged (absent or of the wrong type) — reported, never guessed.
pub fn satisfies(param: &FilterParam, field: Option<&Value>, sent: &Sent) -> Option<bool> {
    let value = sent.text.as_str();
    match param.relation {
        Relation::Equals => Some(scalar_text(field?)? == value),
        Relation::EqualsIgnoreCase => Some(scalar_text(field?)?.to_lowercase() == value.to_lowercase()),
        Relation::Boolean => {
            let f = match field? {
                Value::Bool(b) => *b,
                Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return None,
            };
            Some(f == value.eq_ignore_ascii_case("true"))
        }
        Relation::AtLeast => Some(as_i128(field?)? >= value.parse::<i128>().ok()?),
        Relation::AtMost => Some(as_i128(field?)? <= value.parse::<i128>().ok()?),
        Relation::Contains => match field? {
            Value::Array(a) => Some(a.iter().any(|x| scalar_text(x).as_deref() == Some(value))),
            Value::Null => Some(false),
            _ => None,
        },
        Relation::Time => {
            let (op, t) = split_time(value)?;
            let f = time::parse(field?.as_str()?)?;
            Some(match op {
                TimeOp::Gt => f > t,
                TimeOp::Gte => f >= t,
                TimeOp::Lt => f < t,
                TimeOp::Lte => f <= t,
                TimeOp::Eq => f == t,
                TimeOp::Neq => f != t,
            })
        }
        Relation::SinceInclusive => Some(time::parse(field?.as_str()?)? >= time::parse(value)?),
        Relation::SinceExclusive => Some(time::parse(field?.as_str()?)? > time::parse(value)?),
        Relation::Mapped => {
            let accepted = param.map.get(value)?;
            let f = field?;
            Some(accepted.iter().any(|a| a == f || scalar_text(a) == scalar_text(f)))
        }
    }
}

/// `gt:2020-01-01T00:00:00Z` → (Gt, instant).
pub fn split_time(v: &str) -> Option<(TimeOp, time::Instant)> {
    let (op, t) = v.split_once(':')?;
    let op = TimeOp::ALL.into_iter().find(|o| o.as_str() == op)?;
    Some((op, time::parse(t)?))
}

/// The filter value that an item's own field suggests (so the item itself must match).
pub fn value_selecting(param: &FilterParam, field: &Value) -> Option<Sent> {
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
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!("cirros")), &sent("cirros")), Some(true));
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!("Cirros")), &sent("cirros")), Some(false));
        assert_eq!(satisfies(&param(Relation::EqualsIgnoreCase), Some(&json!("Cirros")), &sent("cirros")), Some(true));
        assert_eq!(satisfies(&param(Relation::Equals), Some(&json!(64)), &sent("64")), Some(true));
        assert_eq!(satisfies(&param(Relation::Equals), None, &sent("x")), None);
    }

    #[test]
    fn boolean_accepts_string_booleans() {
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!("true")), &sent("true")), Some(true));
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!(false)), &sent("true")), Some(false));
        assert_eq!(satisfies(&param(Relation::Boolean), Some(&json!(3)), &sent("true")), None);
    }

    #[test]
    fn integer_bounds_are_inclusive() {
        assert_eq!(satisfies(&param(Relation::AtLeast), Some(&json!(512)), &sent("512")), Some(true));
        assert_eq!(satisfies(&param(Relation::AtLeast), Some(&json!(511)), &sent("512")), Some(false));
        assert_eq!(satisfies(&param(Relation::AtMost), Some(&json!("512")), &sent("512")), Some(true));
    }

    #[test]
    fn time_operators() {
        let f = json!("2020-01-01T00:00:01Z");
        for (q, want) in [
            ("gt:2020-01-01T00:00:00Z", true),
            ("lt:2020-01-01T00:00:00Z", false),
            ("gte:2020-01-01T00:00:01Z", true),
            ("eq:2020-01-01T00:00:01Z", true),
            ("neq:2020-01-01T00:00:01Z", false),
            ("lte:2020-01-01 00:00:01", true),
        ] {
            assert_eq!(satisfies(&param(Relation::Time), Some(&f), &sent(q)), Some(want), "{q}");
        }
        assert_eq!(satisfies(&param(Relation::Time), Some(&f), &sent("after:2020")), None);
    }

    #[test]
    fn changes_since_inclusive_and_exclusive() {
        let f = json!("2020-01-01T00:00:00Z");
        assert_eq!(satisfies(&param(Relation::SinceInclusive), Some(&f), &sent("2020-01-01T00:00:00Z")), Some(true));
        assert_eq!(satisfies(&param(Relation::SinceExclusive), Some(&f), &sent("2020-01-01T00:00:00Z")), Some(false));
    }

    #[test]
    fn membership_and_mapping() {
        assert_eq!(satisfies(&param(Relation::Contains), Some(&json!(["a", "b"])), &sent("b")), Some(true));
        assert_eq!(satisfies(&param(Relation::Contains), Some(&json!([])), &sent("b")), Some(false));
        assert_eq!(satisfies(&param(Relation::Mapped), Some(&json!("SAVING")), &sent("SAVING")), Some(true));
        assert_eq!(satisfies(&param(Relation::Mapped), Some(&json!("ACTIVE")), &sent("SAVING")), Some(false));
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
            assert_eq!(satisfies(&p, Some(&field), &s), Some(true), "{rel:?} {s:?}");
        }
    }
}
