//! Response snapshots: the *shape* of a body (keys and value types, arrays folded to the union
//! of their items' shapes) so that a field appearing, vanishing or changing type between runs
//! shows as a diff, while ids, names and timestamps — which differ on every catalogue — do not.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::verdict::{CheckId, Finding};

/// The shape of a JSON value.
pub fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!("integer"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => {
            let mut merged: Option<Value> = None;
            for item in items {
                let s = shape(item);
                merged = Some(match merged {
                    None => s,
                    Some(m) => union(m, s),
                });
            }
            json!([merged.unwrap_or(json!("empty"))])
        }
    }
}

/// The union of two shapes: objects merge key-wise; differing scalars become `"a|b"`.
fn union(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut x), Value::Object(y)) => {
            for (k, v) in y {
                let merged = match x.remove(&k) {
                    Some(old) => union(old, v),
                    None => v,
                };
                x.insert(k, merged);
            }
            // Keys present in only some items stay listed; order is made stable.
            Value::Object(x.into_iter().collect::<BTreeMap<_, _>>().into_iter().collect())
        }
        (Value::Array(mut x), Value::Array(y)) => match (x.pop(), y.into_iter().next()) {
            (Some(p), Some(q)) => json!([union(p, q)]),
            (p, q) => json!([p.or(q).unwrap_or(json!("empty"))]),
        },
        (x, y) if x == y => x,
        (x, y) => {
            let mut kinds: Vec<String> = [x, y]
                .iter()
                .flat_map(|v| {
                    v.as_str().map(|s| s.split('|').map(str::to_owned).collect::<Vec<_>>()).unwrap_or_else(|| vec!["object".into()])
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            json!(kinds.join("|"))
        }
    }
}

/// Compare a recorded shape with the current one; a finding with a unified diff if they differ.
pub fn compare(recorded: &str, current: &Value, file: &str) -> Option<Finding> {
    let now = serde_json::to_string_pretty(current).expect("shapes serialize") + "\n";
    if recorded == now {
        return None;
    }
    let diff = similar::TextDiff::from_lines(recorded, &now).unified_diff().context_radius(2).header("recorded", "now").to_string();
    Some(Finding::new(
        CheckId::Snapshot,
        "",
        json!(file),
        json!(diff),
        format!("the response shape differs from {file} (rerun with --update-snapshots to accept):\n{diff}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_vanish_types_and_keys_stay() {
        let a = json!({"images": [{"id": "1", "size": 5}, {"id": "2", "size": null, "tags": []}]});
        assert_eq!(shape(&a), json!({"images": [{"id": "string", "size": "integer|null", "tags": ["empty"]}]}));
        let b = json!({"images": [{"id": "9", "size": 7}, {"id": "8", "size": null, "tags": []}]});
        assert_eq!(shape(&a), shape(&b), "other values, same shape");
    }

    #[test]
    fn a_changed_type_is_a_finding_with_a_diff() {
        let before = serde_json::to_string_pretty(&shape(&json!({"min_ram": 1}))).unwrap() + "\n";
        assert!(compare(&before, &shape(&json!({"min_ram": 2})), "f").is_none());
        let f = compare(&before, &shape(&json!({"min_ram": "1"})), "f").unwrap();
        assert!(f.message.contains("-  \"min_ram\": \"integer\""), "{}", f.message);
        assert!(f.message.contains("+  \"min_ram\": \"string\""), "{}", f.message);
    }
}
