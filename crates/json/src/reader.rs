//! Reading a listing page for a walk: only what the invariants read is built.
//!
//! A walk needs the item array (and of each item only the members the invariants read: id,
//! sort keys, filter fields) and the next link. Building the whole body as a `Value` first
//! cost most of a walk's CPU, and the peak memory of a run that walks 1,000-item pages in
//! several cases at once. This parses the body in one pass (still checking that all of it is
//! JSON) and builds a `Value` holding just the wanted parts at their usual pointers, so the
//! code that reads pages does not change.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The scalar visits of a visitor that builds a `Value`: scalars are kept as they are.
macro_rules! scalars {
    () => {
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    };
}

/// Parse a whole body as a `Value`, the same tree `serde_json::from_slice` builds, built
/// cheaper: each object's members are gathered first and its map is made at its size, where
/// `from_slice` grows (and rehashes) each map key by key. Checking a 1,000-image page costs a
/// fifth less CPU (docs/performance.md), and every map is allocated tight.
pub fn parse_tree(body: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Tree.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A whole JSON value (see [`parse_tree`]).
struct Tree;

impl<'de> DeserializeSeed<'de> for Tree {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(Tree)
    }
}

impl<'de> Visitor<'de> for Tree {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            members.push((key, map.next_value_seed(Tree)?));
        }
        let mut out = Map::with_capacity(members.len());
        // A repeated key keeps its first place and its last value, as `from_slice` does.
        for (k, v) in members {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Tree)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    scalars!();
}

/// The parts of a page body to keep, as a tree of object keys.
#[derive(Debug, Default, Clone)]
pub struct Wanted<'m> {
    children: BTreeMap<String, Wanted<'m>>,
    /// Keep everything below this point.
    whole: bool,
    /// This point is the item array: keep each item's `members` (all of it when `None`).
    items: Option<Option<&'m BTreeSet<String>>>,
}

impl<'m> Wanted<'m> {
    /// The item array at `items` (cut to `members`) and the values at `keep` (JSON pointers).
    pub fn new(items: &str, members: Option<&'m BTreeSet<String>>, keep: &[&str]) -> Wanted<'m> {
        let mut root = Wanted::default();
        root.at(items).items = Some(members);
        for pointer in keep {
            root.at(pointer).whole = true;
        }
        root
    }

    fn at(&mut self, pointer: &str) -> &mut Wanted<'m> {
        let mut node = self;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = node.children.entry(token).or_default();
        }
        node
    }

    /// Parse `body`, keeping only what is wanted; the top level keeps every key (unwanted ones
    /// as `null`), so that a page without its item array can say which keys it had.
    pub fn parse(&self, body: &[u8]) -> serde_json::Result<Value> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let value = Part::Node { wanted: self, top: true }.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
}

/// A member name, borrowed from the body when it holds no escape: most names of a page are
/// compared and dropped, so they are not copied.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Cow<'de, str>, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// Where the parse is: at a point of the wanted tree, or inside one item of the array.
enum Part<'w> {
    Node { wanted: &'w Wanted<'w>, top: bool },
    Item(&'w BTreeSet<String>),
}

impl<'de> DeserializeSeed<'de> for Part<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        match self {
            Part::Node { wanted, .. } if wanted.whole || (wanted.items.is_none() && wanted.children.is_empty()) => Tree.deserialize(de),
            part => de.deserialize_any(part),
        }
    }
}

impl<'de> Visitor<'de> for Part<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // An item holds at most its wanted members: room for just those (a walk keeps many).
        let mut out = match &self {
            Part::Item(members) => Map::with_capacity(members.len()),
            Part::Node { .. } => Map::new(),
        };
        while let Some(key) = map.next_key_seed(Name)? {
            match &self {
                Part::Node { wanted, top } => match wanted.children.get(&*key) {
                    Some(child) => {
                        let v = map.next_value_seed(Part::Node { wanted: child, top: false })?;
                        out.insert(key.into_owned(), v);
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                        if *top {
                            out.insert(key.into_owned(), Value::Null);
                        }
                    }
                },
                // A few members: a scan that compares lengths first beats the set's ordering.
                Part::Item(members) if members.iter().any(|m| *m == key) => {
                    let v = map.next_value_seed(Tree)?;
                    out.insert(key.into_owned(), v);
                }
                Part::Item(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        match self {
            Part::Node { wanted: Wanted { items: Some(Some(members)), .. }, .. } => {
                while let Some(item) = seq.next_element_seed(Part::Item(members))? {
                    out.push(item);
                }
            }
            // Whole items, an array inside an item, or a wanted pointer that runs through an
            // array: keep the array.
            _ => {
                while let Some(v) = seq.next_element_seed(Tree)? {
                    out.push(v);
                }
            }
        }
        Ok(Value::Array(out))
    }

    scalars!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn members(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn items_keep_their_members_and_the_next_link_survives() {
        let body = json!({
            "images": [{"id": "a", "name": "x", "size": 1, "tags": ["t"]}, {"id": "b", "name": "y"}],
            "next": "/v2/images?marker=b",
            "schema": "/v2/schemas/images",
            "first": "/v2/images"
        });
        let m = members(&["id", "tags"]);
        let got = Wanted::new("/images", Some(&m), &["/next"]).parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            got,
            json!({
                "images": [{"id": "a", "tags": ["t"]}, {"id": "b"}],
                "next": "/v2/images?marker=b",
                "schema": null,
                "first": null
            })
        );
    }

    #[test]
    fn names_written_with_escapes_are_the_same_names() {
        let body = br#"{"imag\u0065s": [{"i\u0064": "a", "n\u0061me": "x"}], "n\u0065xt": "/v2/images?marker=a"}"#;
        let got = Wanted::new("/images", Some(&members(&["id"])), &["/next"]).parse(body).unwrap();
        assert_eq!(got, json!({"images": [{"id": "a"}], "next": "/v2/images?marker=a"}));
    }

    #[test]
    fn nested_pointers_and_links_arrays_are_followed() {
        let body =
            json!({"data": {"images": [{"id": 1, "x": 2}], "other": {"big": [1, 2, 3]}}, "images_links": [{"rel": "next", "href": "h"}]});
        let m = members(&["id"]);
        let got = Wanted::new("/data/images", Some(&m), &["/images_links"]).parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(got, json!({"data": {"images": [{"id": 1}]}, "images_links": [{"rel": "next", "href": "h"}]}));
    }

    #[test]
    fn whole_items_without_members_and_odd_shapes_are_kept_as_they_are() {
        let body = json!({"images": [{"id": 1, "x": 2}, 3, null]});
        let got = Wanted::new("/images", None, &[]).parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(got, body);
        // An item array that is not an array comes back as it is, for the caller to judge.
        let odd = json!({"images": {"id": 1}});
        assert_eq!(Wanted::new("/images", Some(&members(&["id"])), &[]).parse(odd.to_string().as_bytes()).unwrap(), json!({"images": {}}));
    }

    #[test]
    fn a_body_that_is_not_json_anywhere_is_an_error() {
        let id = members(&["id"]);
        let w = Wanted::new("/images", Some(&id), &[]);
        assert!(w.parse(b"{\"images\": [], \"x\": [1, 2,]}").is_err(), "garbage in an ignored member");
        assert!(w.parse(b"{\"images\": []} trailing").is_err());
        assert!(w.parse(b"<html>").is_err());
    }
}
