//! A body as a flat tape: one token per JSON value, strings left in the body where they can
//! be, containers knowing where they end. Checking a response against its schema reads the
//! tape through jsonschema's generic `Json` backend ([`TapeJson`]), so a body that passes is
//! never built into a `serde_json::Value`: on a 25-image page, reading a body onto a tape
//! (`read`) costs about a sixth of building the tree (docs/performance.md). A body with
//! findings is still parsed into a `Value`, once, to word them.

use std::borrow::Cow;
use std::fmt;

use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

mod read;

/// One token of a [`Tape`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Null,
    Bool(bool),
    /// Numbers as serde_json reads them: a u64, else an i64 (negative), else a finite f64.
    U64(u64),
    I64(i64),
    F64(f64),
    /// A string as it stands in the body, `len` bytes from `at` (no escapes in it).
    Span {
        at: u32,
        len: u32,
    },
    /// A string that had escapes, or that is not in the body: `len` bytes from `at` of the
    /// tape's own text.
    Own {
        at: u32,
        len: u32,
    },
    /// `len` members follow (a key token, then the value's tokens, each); `end` is the index of
    /// the token after the object.
    Obj {
        len: u32,
        end: u32,
    },
    /// `len` elements follow; `end` as for objects.
    Arr {
        len: u32,
        end: u32,
    },
}

impl Tok {
    /// Where a [`Tok::Span`] string stands in its body.
    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Tok::Span { at, len } => Some(*at as usize..(*at + *len) as usize),
            _ => None,
        }
    }

    /// Where a [`Tok::Own`] string stands in the tape's own text.
    fn own(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Tok::Own { at, len } => Some(*at as usize..(*at + *len) as usize),
            _ => None,
        }
    }

    fn num(n: &Number) -> Tok {
        match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Tok::U64(u),
            (None, Some(i), _) => Tok::I64(i),
            (None, None, Some(f)) => Tok::F64(f),
            _ => Tok::Null,
        }
    }

    fn number(&self) -> Option<Number> {
        match *self {
            Tok::U64(u) => Some(u.into()),
            Tok::I64(i) => Some(i.into()),
            Tok::F64(f) => Number::from_f64(f),
            _ => None,
        }
    }
}

/// The index of the token after the value at `i`: containers know where they end.
fn after(toks: &[Tok], i: u32) -> u32 {
    match toks[i as usize] {
        Tok::Obj { end, .. } | Tok::Arr { end, .. } => end,
        _ => i + 1,
    }
}

/// A parsed body (see the module documentation). Its string tokens point into the body it was
/// parsed from, so it is read through a [`View`] of the two.
#[derive(Debug, Clone)]
pub struct Tape {
    toks: Vec<Tok>,
    /// The text of [`Tok::Own`] strings, one after the other.
    owned: String,
    /// Index of the body's own value: 0, or 2 when it was parsed as `{wrap: body}`.
    root: u32,
    /// An object of the body repeats a member name. A tape reads the first, a `Value` keeps the
    /// last, so such a body is checked through its `Value` only.
    repeats_a_name: bool,
    /// The length of the body it was parsed from.
    body_len: usize,
}

impl Tape {
    /// Parse `body`, as the value of `wrap` in an object when given (the shape the load's
    /// validator checks, `spec::catalog`). A body of 4 GiB or more is refused.
    pub fn parse(body: &[u8], wrap: Option<&str>) -> serde_json::Result<Tape> {
        Tape::parse_by(body, wrap, true)
    }

    /// [`Tape::parse`], reading the body directly first when `direct` (`read`), through serde_json
    /// only when that reader leaves it; tests compare the two ways.
    fn parse_by(body: &[u8], wrap: Option<&str>, direct: bool) -> serde_json::Result<Tape> {
        if u32::try_from(body.len()).is_err() {
            return Err(serde::de::Error::custom("body too large for a tape"));
        }
        let mut build = Build::new(body, body.len() / 12 + 4);
        if let Some(wrap) = wrap {
            build.toks.push(Tok::Obj { len: 1, end: 0 });
            build.own(wrap);
        }
        let root = build.toks.len() as u32;
        if !direct || read::read(&mut build).is_none() {
            build.toks.truncate(root as usize);
            build.owned.truncate(wrap.map_or(0, str::len));
            build.repeats_a_name = false;
            build.names.clear();
            let mut de = serde_json::Deserializer::from_slice(body);
            Value_(&mut build).deserialize(&mut de)?;
            de.end()?;
        }
        let end = build.toks.len() as u32;
        if root == 2 {
            build.toks[0] = Tok::Obj { len: 1, end };
        }
        Ok(Tape { toks: build.toks, owned: build.owned, root, repeats_a_name: build.repeats_a_name, body_len: body.len() })
    }

    /// Whether every object's member names are distinct (see `repeats_a_name`).
    pub fn names_are_distinct(&self) -> bool {
        !self.repeats_a_name
    }

    /// The tape read with the body it was parsed from; `None` for another body. A body that
    /// parsed is UTF-8 throughout (JSON outside strings is ASCII, and the parser checked every
    /// string), so this checks the whole body once rather than each string at each read.
    pub fn view<'a>(&'a self, body: &'a [u8]) -> Option<View<'a>> {
        let body = simdutf8::basic::from_utf8(body).ok().filter(|b| b.len() == self.body_len)?;
        Some(View { toks: Cow::Borrowed(&self.toks), body, owned: Cow::Borrowed(&self.owned), root: self.root })
    }
}

/// A tape and its body, the place nodes are read from.
pub struct View<'a> {
    toks: Cow<'a, [Tok]>,
    body: &'a str,
    owned: Cow<'a, str>,
    root: u32,
}

impl<'a> View<'a> {
    /// The whole parsed value: `{wrap: body}` when the tape was parsed wrapped.
    pub fn top(&'a self) -> TNode<'a> {
        TNode { v: self, i: 0 }
    }

    /// The body's own value.
    pub fn body(&'a self) -> TNode<'a> {
        TNode { v: self, i: self.root }
    }

    fn tok(&self, i: u32) -> &Tok {
        &self.toks[i as usize]
    }

    fn after(&self, i: u32) -> u32 {
        after(&self.toks, i)
    }

    fn str_at(&'a self, i: u32) -> Option<&'a str> {
        match self.tok(i) {
            tok @ Tok::Own { .. } => self.owned.get(tok.own()?),
            tok => self.body.get(tok.span()?),
        }
    }

    fn value(&'a self, i: u32) -> Value {
        match self.tok(i) {
            Tok::Null => Value::Null,
            Tok::Bool(b) => Value::Bool(*b),
            tok @ (Tok::U64(_) | Tok::I64(_) | Tok::F64(_)) => tok.number().map_or(Value::Null, Value::Number),
            Tok::Span { .. } | Tok::Own { .. } => Value::String(self.str_at(i).unwrap_or_default().to_string()),
            Tok::Arr { .. } => Value::Array(TArr { v: self, i }.elements().map(|n| self.value(n.i)).collect()),
            Tok::Obj { .. } => Value::Object(TObj { v: self, i }.members().map(|(k, n)| (k.to_string(), self.value(n.i))).collect()),
        }
    }
}

/// Builds a tape, from the body directly (`read`) or from serde_json's events.
struct Build<'b> {
    toks: Vec<Tok>,
    owned: String,
    body: &'b [u8],
    repeats_a_name: bool,
    /// The names of the objects being read, innermost last: hash and token.
    names: Vec<(u64, u32)>,
}

impl<'b> Build<'b> {
    fn new(body: &'b [u8], capacity: usize) -> Build<'b> {
        Build { toks: Vec::with_capacity(capacity), owned: String::new(), body, repeats_a_name: false, names: Vec::new() }
    }

    /// A string of the tape's own, appended to its text.
    fn own(&mut self, text: &str) {
        let at = self.owned.len() as u32;
        self.owned.push_str(text);
        self.toks.push(Tok::Own { at, len: text.len() as u32 });
    }
}

/// The names of one object being read (see [`Build::note_name`]).
struct Seen {
    /// Where its names start in [`Build::names`].
    from: usize,
    /// One bit of 256 per name, by its hash.
    quick: [u64; 4],
}

impl Seen {
    /// Names checked as they come; past these, at the object's end.
    const SCANNED: usize = 128;

    fn new(b: &Build<'_>) -> Seen {
        Seen { from: b.names.len(), quick: [0; 4] }
    }
}

/// A 64-bit hash of a member name: its length, and its first and last eight bytes (four, for
/// shorter names). Names that share them are told apart by their text.
fn name_hash(name: &[u8]) -> u64 {
    let len = name.len();
    let (first, last) = match len {
        8.. => (word::<8>(&name[..8]), word::<8>(&name[len - 8..])),
        4..=7 => (word::<4>(&name[..4]), word::<4>(&name[len - 4..])),
        _ => (name.iter().fold(0, |w, &b| w << 8 | u64::from(b)), 0),
    };
    let mix = |h: u64, w: u64| (h.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let hash = mix(mix(len as u64, first), last);
    hash ^ (hash >> 29)
}

/// `N` bytes (4 or 8) as a little-endian number.
fn word<const N: usize>(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..N].copy_from_slice(&bytes[..N]);
    u64::from_le_bytes(word)
}

/// One JSON value onto the tape.
struct Value_<'x, 'b>(&'x mut Build<'b>);

impl<'de> DeserializeSeed<'de> for Value_<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value_<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.toks.push(Tok::Null);
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.toks.push(Tok::Bool(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.toks.push(Tok::num(&v.into()));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.toks.push(Tok::num(&v.into()));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As `serde_json::Value` does: a float that is not finite becomes null.
        self.0.toks.push(Number::from_f64(v).map_or(Tok::Null, |n| Tok::num(&n)));
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        // Borrowed strings are slices of the body: their place is their address less the body's.
        let at = (v.as_ptr() as usize).wrapping_sub(self.0.body.as_ptr() as usize);
        let tok = match self.0.body.get(at..at.wrapping_add(v.len())) {
            Some(inside) if inside.as_ptr() == v.as_ptr() => Tok::Span { at: at as u32, len: v.len() as u32 },
            _ => {
                self.0.own(v);
                return Ok(());
            }
        };
        self.0.toks.push(tok);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.own(v);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let b = self.0;
        let at = b.toks.len();
        b.toks.push(Tok::Null);
        let mut len = 0;
        while seq.next_element_seed(Value_(&mut *b))?.is_some() {
            len += 1;
        }
        b.toks[at] = Tok::Arr { len, end: b.toks.len() as u32 };
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.0;
        let at = b.toks.len();
        b.toks.push(Tok::Null);
        let mut len = 0;
        let mut seen = Seen::new(b);
        while map.next_key_seed(Value_(&mut *b))?.is_some() {
            let key = (b.toks.len() - 1) as u32;
            b.note_name(&mut seen, key);
            map.next_value_seed(Value_(&mut *b))?;
            len += 1;
        }
        b.end_object(seen);
        b.toks[at] = Tok::Obj { len, end: b.toks.len() as u32 };
        Ok(())
    }
}

impl Build<'_> {
    /// The bytes of the name at token `i`.
    fn name(&self, i: u32) -> &[u8] {
        match &self.toks[i as usize] {
            tok @ Tok::Own { .. } => tok.own().and_then(|r| self.owned.as_bytes().get(r)).unwrap_or_default(),
            tok => tok.span().and_then(|r| self.body.get(r)).unwrap_or_default(),
        }
    }

    /// Notes the name at token `key`, a member of the object whose names `seen` keeps, finding
    /// whether the object named it before. Names are compared by a 64-bit hash first, and by
    /// their text only when two hashes are equal.
    fn note_name(&mut self, seen: &mut Seen, key: u32) {
        let hash = name_hash(self.name(key));
        let earlier = self.names.len() - seen.from;
        if earlier < Seen::SCANNED {
            let bit = (hash >> 56) as usize;
            let (word, bit) = (bit / 64, 1u64 << (bit % 64));
            // A bit already set sends the name to the hashes before it, which few objects need.
            if seen.quick[word] & bit != 0 && self.names[seen.from..].iter().any(|&(h, k)| h == hash && self.same_name(k, key)) {
                self.repeats_a_name = true;
            }
            seen.quick[word] |= bit;
        }
        self.names.push((hash, key));
    }

    /// The end of the object whose names `seen` keeps: the names past the first
    /// [`Seen::SCANNED`] are found by sorting their hashes, so that no object costs the square
    /// of its size.
    fn end_object(&mut self, seen: Seen) {
        if self.names.len() - seen.from > Seen::SCANNED {
            let mut names = self.names.split_off(seen.from);
            // By hash, then by text: equal names end up side by side.
            names.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.name(a.1).cmp(self.name(b.1))));
            if names.windows(2).any(|w| w[0].0 == w[1].0 && self.same_name(w[0].1, w[1].1)) {
                self.repeats_a_name = true;
            }
        }
        self.names.truncate(seen.from);
    }

    fn same_name(&self, a: u32, b: u32) -> bool {
        self.name(a) == self.name(b)
    }
}

/// jsonschema's backend over a [`View`].
pub struct TapeJson;

/// A value on a tape.
#[derive(Clone, Copy)]
pub struct TNode<'a> {
    v: &'a View<'a>,
    i: u32,
}

pub struct TObj<'a> {
    v: &'a View<'a>,
    i: u32,
}

pub struct TArr<'a> {
    v: &'a View<'a>,
    i: u32,
}

pub struct TNum(Number);

impl Json for TapeJson {
    type Node<'a> = TNode<'a>;
    type PreparedKey = String;
    type StringBuffer = Option<Box<View<'static>>>;
    const KEYS_PER_LOOKUP: usize = 8;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut Self::StringBuffer, string: &str, f: impl FnOnce(TNode<'_>) -> T) -> T {
        let own = Tok::Own { at: 0, len: string.len() as u32 };
        let view = buffer.insert(Box::new(View { toks: Cow::Owned(vec![own]), body: "", owned: Cow::Owned(string.to_owned()), root: 0 }));
        f(TNode { v: view, i: 0 })
    }
}

impl JsonNumber for TNum {
    fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }
    fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Borrowed(&self.0)
    }
}

impl<'a> Node<'a, TapeJson> for TNode<'a> {
    type Object = TObj<'a>;
    type Array = TArr<'a>;
    type Number = TNum;

    fn as_object(&self) -> Option<TObj<'a>> {
        matches!(self.v.tok(self.i), Tok::Obj { .. }).then_some(TObj { v: self.v, i: self.i })
    }
    fn as_array(&self) -> Option<TArr<'a>> {
        matches!(self.v.tok(self.i), Tok::Arr { .. }).then_some(TArr { v: self.v, i: self.i })
    }
    fn as_string(&self) -> Option<Cow<'a, str>> {
        self.v.str_at(self.i).map(Cow::Borrowed)
    }
    fn as_number(&self) -> Option<TNum> {
        self.v.tok(self.i).number().map(TNum)
    }
    fn as_boolean(&self) -> Option<bool> {
        match self.v.tok(self.i) {
            Tok::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        matches!(self.v.tok(self.i), Tok::Null)
    }
    fn json_type(&self) -> JsonType {
        match self.v.tok(self.i) {
            Tok::Null => JsonType::Null,
            Tok::Bool(_) => JsonType::Boolean,
            Tok::U64(_) | Tok::I64(_) | Tok::F64(_) => JsonType::Number,
            Tok::Span { .. } | Tok::Own { .. } => JsonType::String,
            Tok::Arr { .. } => JsonType::Array,
            Tok::Obj { .. } => JsonType::Object,
        }
    }
    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.v.value(self.i))
    }
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(self.v as *const View as usize, self.i))
    }
}

/// The members of an object: (name, value).
pub struct Members<'a> {
    v: &'a View<'a>,
    at: u32,
    left: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TNode<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let name = self.v.str_at(self.at).unwrap_or_default();
        let value = self.at + 1;
        self.at = self.v.after(value);
        Some((name, TNode { v: self.v, i: value }))
    }
}

impl<'a> Object<'a, TapeJson> for TObj<'a> {
    type Node = TNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        match self.v.tok(self.i) {
            Tok::Obj { len, .. } => *len as usize,
            _ => 0,
        }
    }
    fn get(&self, key: &String) -> Option<TNode<'a>> {
        self.members().find(|(k, _)| *k == key.as_str()).map(|(_, v)| v)
    }
    fn members(&self) -> Members<'a> {
        Members { v: self.v, at: self.i + 1, left: self.len() as u32 }
    }
}

impl<'a> TObj<'a> {
    /// The names of the members, as string nodes (for `propertyNames`).
    pub(crate) fn name_nodes(&self) -> impl Iterator<Item = TNode<'a>> + use<'a> {
        let v = self.v;
        self.members().map(move |(_, value)| TNode { v, i: value.i - 1 })
    }
}

/// The elements of an array.
pub struct Elements<'a> {
    v: &'a View<'a>,
    at: u32,
    left: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = TNode<'a>;
    fn next(&mut self) -> Option<TNode<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let element = self.at;
        self.at = self.v.after(element);
        Some(TNode { v: self.v, i: element })
    }
}

impl<'a> Array<'a, TapeJson> for TArr<'a> {
    type Node = TNode<'a>;
    type ElementsIter = Elements<'a>;

    fn len(&self) -> usize {
        match self.v.tok(self.i) {
            Tok::Arr { len, .. } => *len as usize,
            _ => 0,
        }
    }
    fn elements(&self) -> Elements<'a> {
        Elements { v: self.v, at: self.i + 1, left: self.len() as u32 }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn value_of(body: &[u8], wrap: Option<&str>) -> Value {
        let tape = Tape::parse(body, wrap).unwrap();
        let view = tape.view(body).unwrap();
        view.top().to_value().into_owned()
    }

    /// Values with the shapes and the strings an image listing has, and the ones that break it.
    pub(crate) fn json_value() -> impl Strategy<Value = Value> {
        let string = prop_oneof![
            Just("3b3a2b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b".to_string()),
            Just("2026-11-28T19:38:41Z".to_string()),
            Just("2026-13-28T19:38:41Z".to_string()),
            Just("active".to_string()),
            Just("queued".to_string()),
            Just("été \"quoted\" \\ back\u{1}slash / tab\t".to_string()),
            "[a-z]{0,6}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            Just(json!(2.5)),
            string.prop_map(Value::String),
        ];
        let key = prop_oneof![
            Just("id"),
            Just("status"),
            Just("size"),
            Just("tags"),
            Just("created_at"),
            Just("name"),
            Just("min_ram"),
            Just("self"),
            Just("é/~x"),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..7)
                    .prop_map(|members| Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }

    /// Images that mostly pass [`schema`], each member sometimes of a wrong kind.
    pub(crate) fn image() -> impl Strategy<Value = Value> {
        let field = |good: Value, bad: BoxedStrategy<Value>| prop_oneof![4 => Just(good), 1 => bad].boxed();
        let any = || json_value().boxed();
        (
            field(json!("3b3a2b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), any()),
            field(json!("active"), any()),
            proptest::option::of(field(json!(12), any())),
            proptest::option::of(field(json!(["a", "bb"]), any())),
            proptest::option::of(field(json!("2026-11-28T19:38:41Z"), any())),
            proptest::option::of(field(json!(1.5), any())),
            proptest::option::of(field(json!({"x": 1}), any())),
        )
            .prop_map(|(id, status, size, tags, created, ram, odd)| {
                let mut o = serde_json::Map::new();
                o.insert("id".into(), id);
                o.insert("status".into(), status);
                for (k, v) in [("size", size), ("tags", tags), ("created_at", created), ("min_ram", ram), ("é/~x", odd)] {
                    if let Some(v) = v {
                        o.insert(k.into(), v);
                    }
                }
                Value::Object(o)
            })
    }

    /// Bodies for [`schema`]: images, lists of them, and anything at all.
    pub(crate) fn body() -> impl Strategy<Value = Value> {
        prop_oneof![
            image(),
            proptest::collection::vec(image(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(image(), 0..3).prop_map(|tags| json!({"tags": tags})),
            json_value(),
        ]
    }

    /// An image's schema, with the keywords specs use on listings.
    pub(crate) fn image_schema() -> Value {
        json!({
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "status": {"enum": ["active", "queued"]},
                "size": {"type": ["integer", "null"], "minimum": 0},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "uniqueItems": true},
                "created_at": {"type": "string", "format": "date-time"},
                "name": {"type": "string", "pattern": "^[a-z]*$"},
                "min_ram": {"type": "number", "multipleOf": 0.5},
                "self": {"const": "active"},
                "é/~x": {"anyOf": [{"type": "boolean"}, {"type": "object", "maxProperties": 2}]}
            },
            "additionalProperties": false
        })
    }

    /// A schema using the keywords specs use on listings, nested.
    fn schema() -> Value {
        let image = image_schema();
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "anyOf": [image, {"type": "array", "items": image, "minItems": 1}, {"type": "object", "required": ["tags"], "properties": {"tags": {"type": "array", "items": image}}}]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn a_tape_reads_back_the_value_serde_json_builds(v in json_value(), wrap in proptest::option::of("[a-z-]{1,8}")) {
            let body = serde_json::to_vec(&v).unwrap();
            let expected = match &wrap {
                Some(s) => json!({s.as_str(): v.clone()}),
                None => v.clone(),
            };
            prop_assert_eq!(value_of(&body, wrap.as_deref()), expected);
        }
    }

    #[test]
    fn validating_the_tape_agrees_with_validating_the_value() {
        let schema = schema();
        let by_value = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
        let by_tape = jsonschema::options_for::<TapeJson>().should_validate_formats(true).build(&schema).unwrap();
        agree_on(body(), 2000, "the tape", |v| {
            let body = serde_json::to_vec(&v).unwrap();
            let tape = Tape::parse(&body, None).unwrap();
            let valid = by_value.is_valid(&v);
            prop_assert_eq!(by_tape.is_valid(tape.view(&body).unwrap().top()), valid, "{}", String::from_utf8_lossy(&body));
            Ok(valid)
        });
    }

    /// Runs `check` on `cases` values of `strategy`: it asserts that two validators agree, and
    /// gives their answer. Both answers must come at least 50 times, so that the agreement is
    /// not the agreement of one answer.
    pub(crate) fn agree_on<S: Strategy>(strategy: S, cases: u32, what: &str, check: impl Fn(S::Value) -> Result<bool, TestCaseError>) {
        let seen = std::cell::Cell::new([0usize; 2]);
        let mut runner =
            proptest::test_runner::TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() });
        runner
            .run(&strategy, |v| {
                let valid = check(v)?;
                let mut counts = seen.get();
                counts[usize::from(valid)] += 1;
                seen.set(counts);
                Ok(())
            })
            .unwrap();
        let seen = seen.get();
        assert!(seen.iter().all(|&n| n >= 50), "invalid, valid: {seen:?} for {what}");
    }

    #[test]
    fn the_validators_agree_on_a_valid_and_an_invalid_image() {
        // The property above must see both answers; these two pin them.
        let schema = schema();
        let by_tape = jsonschema::options_for::<TapeJson>().should_validate_formats(true).build(&schema).unwrap();
        let valid = br#"{"id": "3b3a2b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "status": "active", "tags": ["a"], "size": null}"#;
        let invalid = br#"{"id": "3b3a2b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "status": "active", "created_at": "2026-13-28T19:38:41Z"}"#;
        for (body, expected) in [(&valid[..], true), (&invalid[..], false)] {
            let tape = Tape::parse(body, None).unwrap();
            assert_eq!(by_tape.is_valid(tape.view(body).unwrap().top()), expected);
        }
    }

    #[test]
    fn a_token_is_two_words_and_owns_nothing() {
        // Tapes of large bodies hold a token per value: their size is the tape's, and a token
        // that owned a string would make dropping a tape a walk over all of them.
        assert_eq!(std::mem::size_of::<Tok>(), 16);
        assert!(!std::mem::needs_drop::<Tok>());
    }

    #[test]
    fn escaped_strings_and_names_read_as_their_text() {
        let body = br#"{"n\u0061me": "a\"b\/c\u00e9", "plain": "x"}"#;
        assert_eq!(value_of(body, None), json!({"name": "a\"b/cé", "plain": "x"}));
    }

    #[test]
    fn an_object_that_repeats_a_name_is_left_to_the_value() {
        for (body, distinct) in [
            (&br#"{"a": 1, "a": 2}"#[..], false),
            (br#"{"a": 1, "\u0061": 2}"#, false),
            (br#"[{"id": 1}, {"name": 2, "x": {"k": 1, "k": 1}}]"#, false),
            (br#"{"ab": 1, "ba": 2, "a": {"ab": 3}}"#, true),
            (br#"{"id": 1, "name": 2, "status": 3, "size": 4, "tags": [], "min_ram": 0, "min_disk": 0}"#, true),
        ] {
            let tape = Tape::parse(body, None).unwrap();
            assert_eq!(tape.names_are_distinct(), distinct, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn names_are_told_apart_in_objects_of_any_size() {
        // Objects checked name by name and objects past `Seen::SCANNED`, checked by sorting;
        // repeats at the first and at the last place, past nested values.
        for count in [3, 100, Seen::SCANNED, Seen::SCANNED + 1, 300] {
            let members: Vec<String> = (0..count).map(|i| format!(r#""name{i}": {{"v": [{i}], "name{i}": 0}}"#)).collect();
            let distinct = format!("{{{}}}", members.join(", "));
            let first = format!("{{\"name0\": 1, {}}}", members.join(", "));
            let last = format!("{{{}, \"name{}\": 0}}", members.join(", "), count - 1);
            for (body, expected) in [(distinct, true), (first, false), (last, false)] {
                for direct in [true, false] {
                    let tape = Tape::parse_by(body.as_bytes(), None, direct).unwrap();
                    assert_eq!(tape.names_are_distinct(), expected, "{count} names, read directly: {direct}");
                }
            }
        }
    }

    #[test]
    fn a_wrapped_body_is_the_wrapper_s_one_member() {
        let body = br#"[1, {"a": null}]"#;
        let tape = Tape::parse(body, Some("specgate-schema-1")).unwrap();
        let view = tape.view(body).unwrap();
        assert_eq!(view.top().to_value().into_owned(), json!({"specgate-schema-1": [1, {"a": null}]}));
        assert_eq!(view.body().to_value().into_owned(), json!([1, {"a": null}]));
    }

    #[test]
    fn a_member_is_found_by_its_name_whatever_its_length_or_escapes() {
        let body = br#"{"id": 1, "ids": [2], "di": 3, "n\u0061me": "x", "": 4, "nested": {"id": 5}}"#;
        let tape = Tape::parse(body, None).unwrap();
        let view = tape.view(body).unwrap();
        let object = view.body().as_object().unwrap();
        let get = |name: &str| object.get(&name.to_string()).map(|n| n.to_value().into_owned());
        assert_eq!(get("id"), Some(json!(1)));
        assert_eq!(get("ids"), Some(json!([2])));
        assert_eq!(get("di"), Some(json!(3)));
        assert_eq!(get("name"), Some(json!("x")), "a name written with escapes");
        assert_eq!(get(""), Some(json!(4)));
        assert_eq!(get("nested"), Some(json!({"id": 5})));
        for absent in ["i", "idz", "n\\u0061me", "nam", "names", "5"] {
            assert_eq!(get(absent), None, "{absent}");
        }
    }

    #[test]
    fn a_tape_is_read_only_with_its_own_body() {
        let body = br#"{"a": "b"}"#;
        let tape = Tape::parse(body, None).unwrap();
        assert!(tape.view(br#"{"a": "b", "c": 1}"#).is_none());
        assert!(tape.view(body).is_some());
    }

    #[test]
    fn a_body_that_is_not_json_fails_as_serde_json_says() {
        for body in [&b"{\"a\": }"[..], b"[1, 2", b"{} trailing", b"\"\xff\"", b""] {
            let ours = Tape::parse(body, Some("s")).unwrap_err().to_string();
            let theirs = serde_json::from_slice::<Value>(body).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(body));
        }
    }
}
