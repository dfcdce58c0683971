//! A response body as the checks read it: the bytes, read as JSON at most once in each form.
//!
//! A body is read in the cheapest form that answers: a passing body is checked on its tape
//! ([`crate::tape`]) and never built into a `serde_json::Value`; the tree is built only when a
//! check needs it (to word a failure, to record a snapshot). Both forms are kept once built, so
//! every check of a case reads the same one. Who passes a body around sees only [`Body`]; which
//! forms were built is this module's business.
//!
//! A body can be read as the member of a one-member object (see [`Body::read_as_member`]): the
//! shape in which the load's shared validator checks it (`spec::catalog`). Parsing it into that
//! shape from the start spares copying the body into a wrapper object for the schema check.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::tape::{Tape, View};

/// The bytes of a response body and the JSON read from them, each form on first use.
#[derive(Debug, Clone, Default)]
pub struct Body {
    bytes: Vec<u8>,
    /// The member name the body is read under (`{member: body}`), when one was asked for.
    member: Option<Arc<str>>,
    /// The body as a tree (wrapped when `member` is set), once built.
    tree: OnceLock<Result<Value, String>>,
    /// The body as a tape (wrapped when `member` is set), once read.
    tape: OnceLock<Result<Tape, String>>,
}

/// The body as JSON, in the form already at hand: the tree when a check built it, the tape
/// when none did (see [`Body::cheapest`]).
pub enum Read<'a> {
    Tree(&'a Value),
    Tape(View<'a>),
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body { bytes, ..Body::default() }
    }
}

impl Body {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Read the body, when it is first read, as the value of `member` in an object: the shape
    /// the load's validator checks (see [`Body::wrapped`]). No effect once the body was read.
    pub fn read_as_member(&mut self, member: Option<&Arc<str>>) {
        if self.tree.get().is_none() && self.tape.get().is_none() {
            self.member = member.cloned();
        }
    }

    /// The body as a tree, built on the first call and shared by every later one.
    pub fn json(&self) -> Result<&Value, &str> {
        let tree = self.tree.get_or_init(|| self.build_tree()).as_ref().map_err(String::as_str)?;
        Ok(match &self.member {
            Some(member) => &tree[member.as_ref()],
            None => tree,
        })
    }

    /// `{member: body}`, when the body was read as `member` and its tree was built.
    pub fn wrapped(&self, member: &str) -> Option<&Value> {
        match (&self.member, self.tree.get()) {
            (Some(m), Some(Ok(wrapped))) if m.as_ref() == member => Some(wrapped),
            _ => None,
        }
    }

    /// Whether the body is JSON, from the tree if it was built and the cheaper tape if not; the
    /// error is the one [`Body::json`] gives.
    pub fn parses(&self) -> Result<(), &str> {
        match self.tree.get() {
            Some(tree) => tree.as_ref().map(|_| ()).map_err(String::as_str),
            None => self.tape().map(|_| ()),
        }
    }

    /// The tree when it was built, else the tape (read now if it was not); `None` when the
    /// body is not JSON.
    pub fn cheapest(&self) -> Option<Read<'_>> {
        match self.tree.get() {
            Some(_) => self.json().ok().map(Read::Tree),
            None => self.tape().ok()?.view(&self.bytes).map(Read::Tape),
        }
    }

    /// The body on its tape, for a validator that expects it as `member` (`None`: unwrapped):
    /// `None` when the body was read under another member, is not JSON, or has an object that
    /// repeats a member name (a tape reads the first, a tree keeps the last, so only the tree
    /// says what a validator makes of it).
    pub fn tape_as(&self, member: Option<&str>) -> Option<View<'_>> {
        if self.member.as_deref() != member {
            return None;
        }
        let tape = self.tape().ok()?;
        tape.view(&self.bytes).filter(|_| tape.names_are_distinct())
    }

    /// The start of the body as text, for messages.
    pub fn excerpt(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.bytes[..self.bytes.len().min(max * 4)]);
        let mut s: String = text.chars().take(max).collect();
        if text.chars().count() > max || self.bytes.len() > max * 4 {
            s.push('…');
        }
        if s.is_empty() {
            "(empty body)".into()
        } else {
            s
        }
    }

    /// The body on its tape, read on the first call (wrapped when a member was set).
    fn tape(&self) -> Result<&Tape, &str> {
        self.tape
            .get_or_init(|| Tape::parse(&self.bytes, self.member.as_deref()).map_err(|e| self.not_json(e)))
            .as_ref()
            .map_err(String::as_str)
    }

    fn build_tree(&self) -> Result<Value, String> {
        let body = crate::reader::parse_tree(&self.bytes).map_err(|e| self.not_json(e))?;
        Ok(match &self.member {
            Some(member) => Value::Object(serde_json::Map::from_iter([(member.to_string(), body)])),
            None => body,
        })
    }

    fn not_json(&self, e: serde_json::Error) -> String {
        format!("body is not JSON ({e}): {}", self.excerpt(120))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_read_as_a_member_reads_the_same_and_is_offered_wrapped() {
        let mut body = Body::from(br#"{"images": [1]}"#.to_vec());
        let member: Arc<str> = "s1".into();
        body.read_as_member(Some(&member));
        assert_eq!(body.json().unwrap(), &json!({"images": [1]}));
        assert_eq!(body.wrapped("s1"), Some(&json!({"s1": {"images": [1]}})));
        assert_eq!(body.wrapped("s2"), None);
        // Once read, the shape stays: a later member is not taken.
        body.read_as_member(None);
        assert_eq!(body.wrapped("s1").map(|w| &w["s1"]), Some(body.json().unwrap()));
        let plain = Body::from(body.bytes().to_vec());
        assert_eq!(plain.json().unwrap(), body.json().unwrap());
        assert_eq!(plain.wrapped("s1"), None);
    }

    #[test]
    fn a_tape_is_offered_only_to_the_member_it_was_read_as() {
        let mut body = Body::from(br#"{"a": 1}"#.to_vec());
        body.read_as_member(Some(&Arc::from("m")));
        assert!(body.tape_as(None).is_none());
        let view = body.tape_as(Some("m")).expect("a tape");
        assert!(matches!(body.cheapest(), Some(Read::Tape(_))));
        drop(view);
        // Reading the tape built no tree; once a check builds it, it is the cheapest form.
        assert!(body.tree.get().is_none());
        body.json().unwrap();
        assert!(matches!(body.cheapest(), Some(Read::Tree(v)) if v == &json!({"a": 1})));
    }

    #[test]
    fn a_repeated_member_name_is_read_from_the_tree_only() {
        let body = Body::from(br#"{"a": 1, "a": 2}"#.to_vec());
        assert!(body.tape_as(None).is_none());
        assert_eq!(body.json().unwrap(), &json!({"a": 2}));
    }

    #[test]
    fn not_json_says_so_with_the_start_of_the_body() {
        let body = Body::from(b"<html>".to_vec());
        let err = body.parses().unwrap_err();
        assert!(err.starts_with("body is not JSON (") && err.ends_with("): <html>"), "{err}");
        assert_eq!(body.json().unwrap_err(), err);
        assert!(body.cheapest().is_none());
        assert_eq!(Body::default().excerpt(10), "(empty body)");
    }
}
