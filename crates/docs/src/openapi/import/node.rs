//! A located document tree: every node of the OpenAPI document (YAML or JSON) with the line and
//! column it came from, so that each import error points at its source.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::spec::error::Pos;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(v) => v,
            _ => &[],
        }
    }

    /// The node at a JSON pointer (`/components/schemas/Pet`), if any.
    pub(crate) fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            let token = percent_decode(&token);
            node = match &node.kind {
                Kind::Map(_) => node.get(&token)?,
                Kind::Seq(v) => v.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    pub(crate) fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Num(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(v) => Value::Array(v.iter().map(Node::to_json).collect()),
            Kind::Map(e) => Value::Object(e.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// `%7B` and friends in `$ref` pointers (paths in refs are often percent-encoded).
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Kind>::deserialize(d)?;
        Ok(Node { pos: Pos::of(&s.referenced), kind: s.value })
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        Kind::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Kind, E> {
        Ok(Kind::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Kind, E> {
        Ok(Kind::Num(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Kind, E> {
        Ok(serde_json::Number::from_f64(n).map(Kind::Num).unwrap_or(Kind::Str(n.to_string())))
    }
    fn visit_str<E>(self, s: &str) -> Result<Kind, E> {
        Ok(Kind::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Kind, E> {
        Ok(Kind::Str(s))
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Kind, E> {
        Ok(Kind::Str(String::from_utf8_lossy(b).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            out.push(n);
        }
        Ok(Kind::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            out.push((k, map.next_value::<Node>()?));
        }
        Ok(Kind::Map(out))
    }
}

/// A mapping key; YAML documents write status codes as numbers (`200:`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kind = Kind::deserialize(d)?;
        Ok(Key(match kind {
            Kind::Str(s) => s,
            Kind::Num(n) => n.to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Null => "null".into(),
            Kind::Seq(_) | Kind::Map(_) => return Err(de::Error::custom("a mapping key must be a scalar")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_line_and_numeric_keys_become_text() {
        let n: Node = serde_saphyr::from_str("a:\n  200:\n    b: [1, x]\n").unwrap();
        let b = n.pointer("/a/200/b").unwrap();
        assert_eq!((b.pos.line, b.pos.col), (3, 8));
        assert_eq!(b.to_json(), serde_json::json!([1, "x"]));
        assert_eq!(percent_decode("%7Bid%7D"), "{id}");
    }
}
