//! How fast can a body be validated without building a `serde_json::Value`? jsonschema 0.60's
//! `Validator<J>` is generic over its `Json` trait; `TapeJson` implements it over a flat tape
//! of the body (one token per value, strings borrowed from the body, containers knowing where
//! they end). The program times parse-only and parse+validate for both representations on the
//! same body and schema, and checks that both say the same of a broken body.
//!
//!     cargo run --release --manifest-path benches/tape-validate/Cargo.toml \
//!         --target-dir target/tape-validate -- SCHEMA BODY BROKEN_BODY [ROUNDS]

use std::borrow::Cow;
use std::fmt;
use std::time::Instant;

use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

#[derive(Debug, Clone)]
enum Tok<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    /// members (key token + value subtree each); `end`: index after the subtree
    Obj {
        len: u32,
        end: u32,
    },
    Arr {
        len: u32,
        end: u32,
    },
}

pub struct Tape<'a> {
    toks: Vec<Tok<'a>>,
}

struct Build<'t, 'a>(&'t mut Vec<Tok<'a>>);

impl<'de, 't> DeserializeSeed<'de> for Build<'t, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for Build<'t, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("json")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push(Tok::Null);
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push(Tok::Bool(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.push(Tok::Num(v.into()));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.push(Tok::Num(v.into()));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.0.push(Number::from_f64(v).map_or(Tok::Null, Tok::Num));
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.0.push(Tok::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push(Tok::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        container(self.0, |toks| Ok(seq.next_element_seed(Build(toks))?.is_some()), |len, end| Tok::Arr { len, end })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        container(
            self.0,
            |toks| {
                let more = map.next_key_seed(Build(&mut *toks))?.is_some();
                if more {
                    map.next_value_seed(Build(toks))?;
                }
                Ok(more)
            },
            |len, end| Tok::Obj { len, end },
        )
    }
}

/// A container's token, then its members while `member` adds one, then the token patched with
/// its length and the index after it.
fn container<'a, E>(
    toks: &mut Vec<Tok<'a>>,
    mut member: impl FnMut(&mut Vec<Tok<'a>>) -> Result<bool, E>,
    token: fn(u32, u32) -> Tok<'a>,
) -> Result<(), E> {
    let at = toks.len();
    toks.push(Tok::Null);
    let mut len = 0;
    while member(toks)? {
        len += 1;
    }
    toks[at] = token(len, toks.len() as u32);
    Ok(())
}

impl<'a> Tape<'a> {
    fn parse(body: &'a [u8]) -> serde_json::Result<Tape<'a>> {
        let mut toks = Vec::with_capacity(body.len() / 8);
        let mut de = serde_json::Deserializer::from_slice(body);
        Build(&mut toks).deserialize(&mut de)?;
        de.end()?;
        Ok(Tape { toks })
    }
    fn next(&self, i: u32) -> u32 {
        match self.toks[i as usize] {
            Tok::Obj { end, .. } | Tok::Arr { end, .. } => end,
            _ => i + 1,
        }
    }
    fn value(&self, i: u32) -> Value {
        match &self.toks[i as usize] {
            Tok::Null => Value::Null,
            Tok::Bool(b) => Value::Bool(*b),
            Tok::Num(n) => Value::Number(n.clone()),
            Tok::Str(s) => Value::String(s.to_string()),
            Tok::Arr { .. } => Value::Array(TArr { t: self, i }.elements().map(|n| self.value(n.i)).collect()),
            Tok::Obj { .. } => Value::Object(TObj { t: self, i }.members().map(|(k, n)| (k.to_string(), self.value(n.i))).collect()),
        }
    }
}

pub struct TapeJson;

#[derive(Clone, Copy)]
pub struct TNode<'a> {
    t: &'a Tape<'a>,
    i: u32,
}
pub struct TObj<'a> {
    t: &'a Tape<'a>,
    i: u32,
}
pub struct TArr<'a> {
    t: &'a Tape<'a>,
    i: u32,
}
pub struct TNum<'a>(&'a Number);

impl Json for TapeJson {
    type Node<'a> = TNode<'a>;
    type PreparedKey = String;
    type StringBuffer = Option<Box<Tape<'static>>>;
    const KEYS_PER_LOOKUP: usize = 8;
    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }
    fn with_string_node<T>(buffer: &mut Self::StringBuffer, string: &str, f: impl FnOnce(TNode<'_>) -> T) -> T {
        let tape = buffer.insert(Box::new(Tape { toks: vec![Tok::Str(Cow::Owned(string.to_owned()))] }));
        f(TNode { t: tape, i: 0 })
    }
}

impl JsonNumber for TNum<'_> {
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
        Cow::Borrowed(self.0)
    }
}

impl<'a> Node<'a, TapeJson> for TNode<'a> {
    type Object = TObj<'a>;
    type Array = TArr<'a>;
    type Number = TNum<'a>;
    fn as_object(&self) -> Option<TObj<'a>> {
        matches!(self.t.toks[self.i as usize], Tok::Obj { .. }).then_some(TObj { t: self.t, i: self.i })
    }
    fn as_array(&self) -> Option<TArr<'a>> {
        matches!(self.t.toks[self.i as usize], Tok::Arr { .. }).then_some(TArr { t: self.t, i: self.i })
    }
    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.t.toks[self.i as usize] {
            Tok::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
            Tok::Str(Cow::Owned(s)) => Some(Cow::Borrowed(s.as_str())),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<TNum<'a>> {
        match &self.t.toks[self.i as usize] {
            Tok::Num(n) => Some(TNum(n)),
            _ => None,
        }
    }
    fn as_boolean(&self) -> Option<bool> {
        match self.t.toks[self.i as usize] {
            Tok::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        matches!(self.t.toks[self.i as usize], Tok::Null)
    }
    fn json_type(&self) -> JsonType {
        match self.t.toks[self.i as usize] {
            Tok::Null => JsonType::Null,
            Tok::Bool(_) => JsonType::Boolean,
            Tok::Num(_) => JsonType::Number,
            Tok::Str(_) => JsonType::String,
            Tok::Arr { .. } => JsonType::Array,
            Tok::Obj { .. } => JsonType::Object,
        }
    }
    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.t.value(self.i))
    }
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(self.t as *const Tape as usize, self.i))
    }
}

pub struct Members<'a> {
    t: &'a Tape<'a>,
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
        let Tok::Str(k) = &self.t.toks[self.at as usize] else { unreachable!() };
        let v = self.at + 1;
        self.at = self.t.next(v);
        Some((k.as_ref(), TNode { t: self.t, i: v }))
    }
}

impl<'a> Object<'a, TapeJson> for TObj<'a> {
    type Node = TNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;
    fn len(&self) -> usize {
        match self.t.toks[self.i as usize] {
            Tok::Obj { len, .. } => len as usize,
            _ => 0,
        }
    }
    fn get(&self, key: &String) -> Option<TNode<'a>> {
        self.members().find(|(k, _)| *k == key.as_str()).map(|(_, v)| v)
    }
    fn members(&self) -> Members<'a> {
        Members { t: self.t, at: self.i + 1, left: self.len() as u32 }
    }
}

pub struct Elements<'a> {
    t: &'a Tape<'a>,
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
        let v = self.at;
        self.at = self.t.next(v);
        Some(TNode { t: self.t, i: v })
    }
}

impl<'a> Array<'a, TapeJson> for TArr<'a> {
    type Node = TNode<'a>;
    type ElementsIter = Elements<'a>;
    fn len(&self) -> usize {
        match self.t.toks[self.i as usize] {
            Tok::Arr { len, .. } => len as usize,
            _ => 0,
        }
    }
    fn elements(&self) -> Elements<'a> {
        Elements { t: self.t, at: self.i + 1, left: self.len() as u32 }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [schema, body, broken] =
        [0, 1, 2].map(|i| std::fs::read(args.get(i).expect("SCHEMA BODY BROKEN_BODY [ROUNDS]")).expect("readable file"));
    let n: usize = args.get(3).map_or(1000, |v| v.parse().expect("ROUNDS is a number"));
    let schema: Value = serde_json::from_slice(&schema).expect("schema is JSON");
    let by_value = jsonschema::options().should_validate_formats(true).build(&schema).expect("a valid schema");
    let by_tape = jsonschema::options_for::<TapeJson>().should_validate_formats(true).build(&schema).expect("a valid schema");
    let per = |f: &mut dyn FnMut() -> bool| {
        let t = Instant::now();
        let valid = (0..n).filter(|_| f()).count();
        (t.elapsed().as_secs_f64() * 1e6 / n as f64, valid)
    };
    println!("| round | Value: parse | Value: parse + validate | tape: parse | tape: parse + validate |");
    println!("|---:|---:|---:|---:|---:|");
    for round in 1..=3 {
        let (vp, _) = per(&mut || std::hint::black_box(serde_json::from_slice::<Value>(&body).is_ok()));
        let (vv, a) = per(&mut || by_value.is_valid(&serde_json::from_slice::<Value>(&body).unwrap()));
        let (tp, _) = per(&mut || std::hint::black_box(Tape::parse(&body).is_ok()));
        let (tv, b) = per(&mut || {
            let tape = Tape::parse(&body).unwrap();
            by_tape.is_valid(TNode { t: &tape, i: 0 })
        });
        assert_eq!((a, b), (n, n), "the body is valid both ways");
        println!("| {round} | {vp:.1} µs | {vv:.1} µs | {tp:.1} µs | {tv:.1} µs |");
    }
    let value: Value = serde_json::from_slice(&broken).expect("broken body is JSON");
    let tape = Tape::parse(&broken).expect("broken body is JSON");
    let (a, b) = (by_value.is_valid(&value), by_tape.is_valid(TNode { t: &tape, i: 0 }));
    assert!(!a && !b, "the broken body is invalid both ways (Value: {a}, tape: {b})");
    println!("\nthe broken body is invalid both ways");
}
