//! Every error of a spec file at once. serde stops at the first, so a file with three cases
//! that lack `doc:` took three runs to fix. When a spec does not deserialize, its YAML is read
//! again into a tree that keeps positions (`Node`), and its parts are deserialized from that
//! tree one at a time: the top level, each optional block, each case. Unknown keys are found
//! before a mapping is handed to serde, so that each is reported and the rest still checked.

use std::cell::RefCell;
use std::path::Path;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{did_you_mean, Pos, SpecError};
use super::model::{Case, Filters, Latency, Links, Pagination, SpecFile};

/// A YAML value with the positions of its parts.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(Any)
    }
}

/// Every error of the spec in `source`, in file order; `None` when the second reading finds
/// none (or cannot read the YAML at all), and the first reading's error stands.
pub(crate) fn errors(path: &Path, source: &str) -> Option<Vec<SpecError>> {
    let root: Spanned<Node> = serde_saphyr::from_str(source).ok()?;
    let Node::Map(entries) = &root.value else { return None };
    let problems = RefCell::new(Vec::new());
    let read = Reading { source, problems: &problems };
    let value = |key: &str| entries.iter().find(|(k, _)| matches!(&k.value, Node::Str(s) if s == key)).map(|(_, v)| v);
    // The top level with its own keys only: no cases, no optional blocks (each is read below).
    let parts = ["cases", "pagination", "filters", "links", "latency"];
    let top: Vec<_> = entries.iter().filter(|(k, _)| !matches!(&k.value, Node::Str(s) if parts.contains(&s.as_str()))).cloned().collect();
    let top = Spanned { value: Node::Map(top), referenced: root.referenced, defined: root.defined };
    read.part::<SpecFile>(&top);
    if let Some(p) = value("pagination") {
        read.part::<Option<Spanned<Pagination>>>(p);
    }
    if let Some(f) = value("filters") {
        read.part::<Option<Spanned<Filters>>>(f);
    }
    if let Some(l) = value("links") {
        read.part::<Option<Links>>(l);
    }
    if let Some(l) = value("latency") {
        read.part::<Option<Spanned<Latency>>>(l);
    }
    match value("cases") {
        Some(Spanned { value: Node::Seq(cases), .. }) => cases.iter().for_each(|case| read.part::<Case>(case)),
        Some(other) => read.part::<Vec<Case>>(other),
        None => {}
    }
    let mut found = problems.into_inner();
    found.sort_by_key(|p| (p.pos.unwrap_or_default().line, p.pos.unwrap_or_default().col));
    found.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
    (!found.is_empty()).then(|| found.into_iter().map(|p| p.located(path, source)).collect())
}

/// One second reading: the source (for scalars as written) and the problems found so far.
struct Reading<'a> {
    source: &'a str,
    problems: &'a RefCell<Vec<Problem>>,
}

impl Reading<'_> {
    /// Deserialize `node` as a `T`, recording what is wrong with it.
    fn part<T: for<'de> Deserialize<'de>>(&self, node: &Spanned<Node>) {
        if let Err(e) = T::deserialize(Tree { node, reading: self }) {
            self.problems.borrow_mut().push(e);
        }
    }

    /// A plain scalar as it stands in the source (`1.10`, `0123`), when serde wants a string.
    fn written(&self, node: &Spanned<Node>) -> Option<&str> {
        let span = node.referenced.span();
        let start = span.byte_offset()? as usize;
        self.source.get(start..start + span.byte_len()? as usize).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// What is wrong, and where (the innermost node it was found in, unless set already).
#[derive(Debug)]
pub(crate) struct Problem {
    message: String,
    hint: Option<String>,
    pos: Option<Pos>,
    width: usize,
}

impl Problem {
    fn at(mut self, node: &Spanned<Node>) -> Self {
        if self.pos.is_none() {
            self.pos = Some(Pos::of(&node.referenced)).filter(|p| p.line > 0);
        }
        self
    }

    fn located(self, path: &Path, source: &str) -> SpecError {
        let (message, hint) = match super::error::plain(&self.message) {
            (plain, Some(hint)) => (plain, Some(hint.to_string())),
            (plain, None) => (plain, self.hint),
        };
        let mut e = SpecError::new(path, message);
        if let Some(pos) = self.pos {
            e = e.at(source, pos, self.width);
        }
        match hint {
            Some(h) => e.hint(h),
            None => e,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl de::Error for Problem {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Problem { message: msg.to_string(), hint: None, pos: None, width: 1 }
    }

    fn missing_field(field: &'static str) -> Self {
        let hint = Some(format!("add `{field}:` to this mapping (see docs/spec-format.md)"));
        Problem { message: format!("missing required key `{field}`"), hint, pos: None, width: 1 }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Problem {
            message: format!("unknown value `{variant}`"),
            hint: Some(suggest(variant, expected)),
            pos: None,
            width: variant.chars().count(),
        }
    }
}

fn suggest(word: &str, expected: &[&str]) -> String {
    match did_you_mean(word, expected.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of: {}", expected.join(", ")),
    }
}

/// A deserializer over one node of the tree.
struct Tree<'a> {
    node: &'a Spanned<Node>,
    reading: &'a Reading<'a>,
}

impl<'a> Tree<'a> {
    fn of(&self, node: &'a Spanned<Node>) -> Tree<'a> {
        Tree { node, reading: self.reading }
    }

    fn text(&self) -> Option<String> {
        match &self.node.value {
            Node::Str(s) => Some(s.clone()),
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) | Node::Null => {
                self.reading.written(self.node).map(str::to_string).or_else(|| match &self.node.value {
                    Node::Bool(b) => Some(b.to_string()),
                    Node::Int(i) => Some(i.to_string()),
                    Node::UInt(u) => Some(u.to_string()),
                    Node::Float(x) => Some(x.to_string()),
                    _ => None,
                })
            }
            Node::Seq(_) | Node::Map(_) => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for Tree<'_> {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        let node = self.node;
        let result = match &node.value {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Int(i) => visitor.visit_i64(*i),
            Node::UInt(u) => visitor.visit_u64(*u),
            Node::Float(x) => visitor.visit_f64(*x),
            Node::Str(s) => visitor.visit_str(s),
            Node::Seq(items) => visitor.visit_seq(Items { items: items.iter(), tree: &self }),
            Node::Map(entries) => {
                visitor.visit_map(Entries { entries: entries.iter().collect::<Vec<_>>().into_iter(), value: None, tree: &self })
            }
        };
        result.map_err(|e| e.at(node))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        let node = self.node;
        match node.value {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(node))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Problem> {
        let node = self.node;
        if name == "__yaml_spanned" { visitor.visit_newtype_struct(SpannedTree(self)) } else { visitor.visit_newtype_struct(self) }
            .map_err(|e| e.at(node))
    }

    /// Keys the struct does not know are each a problem, and left out: the rest is still read.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        let node = self.node;
        let Node::Map(entries) = &node.value else { return self.deserialize_any(visitor) };
        let mut known = Vec::new();
        for entry in entries {
            match &entry.0.value {
                Node::Str(key) if !fields.contains(&key.as_str()) => {
                    let problem = Problem {
                        message: format!("unknown key `{key}`"),
                        hint: Some(suggest(key, fields)),
                        pos: None,
                        width: key.chars().count(),
                    };
                    self.reading.problems.borrow_mut().push(problem.at(&entry.0));
                }
                _ => known.push(entry),
            }
        }
        visitor.visit_map(Entries { entries: known.into_iter(), value: None, tree: &self }).map_err(|e| e.at(node))
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Problem> {
        let node = self.node;
        match &node.value {
            Node::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => return self.deserialize_any(visitor),
        }
        .map_err(|e: Problem| e.at(node))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        let node = self.node;
        match self.text() {
            Some(text) => visitor.visit_string::<Problem>(text).map_err(|e| e.at(node)),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct seq tuple
        tuple_struct map
    }
}

struct Items<'t, 'a> {
    items: std::slice::Iter<'a, Spanned<Node>>,
    tree: &'t Tree<'a>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = Problem;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Problem> {
        self.items.next().map(|item| seed.deserialize(self.tree.of(item)).map_err(|e| e.at(item))).transpose()
    }
}

struct Entries<'t, 'a> {
    entries: std::vec::IntoIter<&'a (Spanned<Node>, Spanned<Node>)>,
    value: Option<&'a Spanned<Node>>,
    tree: &'t Tree<'a>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = Problem;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Problem> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(self.tree.of(key)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value without its key"))?;
        // A value serde finds wrong after reading it (an untagged enum) is pointed at too.
        seed.deserialize(self.tree.of(value)).map_err(|e| e.at(value))
    }
}

/// A node as serde-saphyr presents a `Spanned<T>`: a map of a marker, the value, and where it
/// was referenced and defined.
struct SpannedTree<'a>(Tree<'a>);

impl<'de> de::Deserializer<'de> for SpannedTree<'_> {
    type Error = Problem;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_map(SpannedFields { tree: self.0, next: 0 })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct SpannedFields<'a> {
    tree: Tree<'a>,
    next: usize,
}

const SPANNED_FIELDS: [&str; 4] = ["__serde_saphyr_private_spanned", "value", "referenced", "defined"];

impl<'de> MapAccess<'de> for SpannedFields<'_> {
    type Error = Problem;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Problem> {
        SPANNED_FIELDS.get(self.next).map(|key| seed.deserialize((*key).into_deserializer())).transpose()
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let field = self.next;
        self.next += 1;
        let location =
            |at: serde_saphyr::Location| de::value::MapDeserializer::new([("line", at.line()), ("column", at.column())].into_iter());
        match field {
            0 => seed.deserialize(true.into_deserializer()),
            1 => seed.deserialize(Tree { node: self.tree.node, reading: self.tree.reading }),
            2 => seed.deserialize(location(self.tree.node.referenced)),
            _ => seed.deserialize(location(self.tree.node.defined)),
        }
    }
}
