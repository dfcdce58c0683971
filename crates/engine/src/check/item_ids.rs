//! Item ids kept compactly, so that a walk of a million items holds its ids in tens of
//! megabytes: a UUID in its canonical text as 16 bytes, any other id as its text.

use std::fmt;
use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

use serde_json::Value;
use uuid::fmt::Hyphenated;
use uuid::Uuid;

/// One item id. The same text always makes the same key: only the canonical lowercase
/// hyphenated form of a UUID is packed, so packing never merges two ids that differ as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    Uuid([u8; 16]),
    Text(Box<str>),
}

impl Key {
    pub(crate) fn new(text: &str) -> Key {
        match pack_uuid(text) {
            Some(bytes) => Key::Uuid(bytes),
            None => Key::Text(text.into()),
        }
    }

    /// The id at `pointer` in `item` (ids may be strings or numbers).
    pub(crate) fn of(item: &Value, pointer: &str) -> Option<Key> {
        match item.pointer(pointer)? {
            Value::String(s) => Some(Key::new(s)),
            Value::Number(n) => Some(Key::Text(n.to_string().into())),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Text(t) => f.write_str(t),
            Key::Uuid(b) => fmt::Display::fmt(&Uuid::from_bytes(*b).hyphenated(), f),
        }
    }
}

/// The 16 bytes of `text` when it is a UUID written as `8-4-4-4-12` lowercase hex digits.
///
/// `uuid` also reads upper-case digits and the simple, braced and URN forms; those stay text
/// (only the 36-byte form is hyphenated, and upper case is turned away first), so that a
/// packed key prints back as exactly the text it came from.
fn pack_uuid(text: &str) -> Option<[u8; 16]> {
    let t = text.as_bytes();
    if t.len() != Hyphenated::LENGTH || t.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    Uuid::try_parse_ascii(t).ok().map(Uuid::into_bytes)
}

/// The ids of a listing in listing order, with a hash index to find each one: 30 to 35 bytes
/// an id, a 24-byte key and 5 bytes per slot of a table with 8/7 to 16/7 slots an id (hashbrown
/// grows by doubling). A UUID takes no more; other ids add their text.
#[derive(Default, Clone)]
pub(crate) struct IdList {
    keys: Vec<Key>,
    /// The first position in `keys` of each distinct id.
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for IdList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdList").field("keys", &self.keys).finish_non_exhaustive()
    }
}

impl IdList {
    /// The list of `keys`, in their order.
    pub(crate) fn new(keys: impl IntoIterator<Item = Key>) -> IdList {
        let mut list = IdList::default();
        for k in keys {
            list.push(k);
        }
        list.seal();
        list
    }

    /// Append an id; call [`IdList::seal`] before looking anything up.
    pub(crate) fn push(&mut self, key: Key) {
        self.keys.push(key);
    }

    /// Build the index after the last push.
    pub(crate) fn seal(&mut self) {
        self.keys.shrink_to_fit();
        let (keys, hasher) = (&self.keys, &self.hasher);
        let mut index = HashTable::with_capacity(keys.len());
        for (pos, key) in keys.iter().enumerate() {
            let hash = hasher.hash_one(key);
            if let Entry::Vacant(v) = index.entry(hash, |&p: &u32| keys[p as usize] == *key, |&p| hasher.hash_one(&keys[p as usize])) {
                v.insert(pos as u32);
            }
        }
        self.index = index;
    }

    /// How many ids were listed (repeats included): positions run below it.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// How many distinct ids were listed.
    pub(crate) fn distinct(&self) -> usize {
        self.index.len()
    }

    /// The position where `key` was first listed, if it was.
    pub(crate) fn position(&self, key: &Key) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        self.index.find(hash, |&p| self.keys[p as usize] == *key).map(|&p| p as usize)
    }

    /// Whether `pos` is where its id was first listed (not a repeat).
    pub(crate) fn is_first(&self, pos: usize) -> bool {
        self.position(&self.keys[pos]) == Some(pos)
    }

    /// A tally of another listing of the same catalogue against this one.
    pub(crate) fn recount(&self) -> Recount<'_> {
        Recount { list: self, seen: vec![0; self.len().div_ceil(64)], seen_distinct: 0, unknown: false, count: 0 }
    }

    /// The listed ids, in order.
    pub(crate) fn keys(&self) -> &[Key] {
        &self.keys
    }
}

/// Another listing of the catalogue an [`IdList`] holds, compared id by id as it comes.
pub(crate) struct Recount<'a> {
    list: &'a IdList,
    /// One bit per position of the list: its id seen again.
    seen: Vec<u64>,
    seen_distinct: usize,
    unknown: bool,
    count: usize,
}

impl Recount<'_> {
    pub(crate) fn add(&mut self, key: &Key) {
        self.count += 1;
        match self.list.position(key) {
            Some(p) if self.seen[p / 64] & (1 << (p % 64)) == 0 => {
                self.seen[p / 64] |= 1 << (p % 64);
                self.seen_distinct += 1;
            }
            Some(_) => {}
            None => self.unknown = true,
        }
    }

    /// How many ids the second listing held (repeats included).
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Whether both listings hold the same ids, as sets.
    pub(crate) fn same(&self) -> bool {
        !self.unknown && self.seen_distinct == self.list.distinct()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_key_is_the_24_bytes_the_memory_figures_count() {
        // `IdList`'s and docs/performance.md's bytes an id start from this size.
        assert_eq!(std::mem::size_of::<Key>(), 24);
    }

    #[test]
    fn only_canonical_uuids_are_packed_and_every_key_prints_its_text() {
        let canonical = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        assert!(matches!(Key::new(canonical), Key::Uuid(_)));
        assert_eq!(Key::new(canonical).to_string(), canonical);
        for text in [
            "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}",
            "img-1",
            "",
        ] {
            assert_eq!(Key::new(text), Key::Text(text.into()), "{text}");
            assert_eq!(Key::new(text).to_string(), text);
        }
        assert_eq!(Key::of(&json!({"id": 42}), "/id"), Some(Key::Text("42".into())));
        assert_eq!(Key::of(&json!({"id": null}), "/id"), None);
    }

    #[test]
    fn near_uuids_stay_text() {
        for text in [
            "0f1e2d3c-4B5a-6978-8796-a5b4c3d2e1f0",
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
            "0f1e2d3c4-b5a-6978-8796-a5b4c3d2e1f0",
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f",
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00",
            "0f1e2d3c-4b5a-6978-8796+a5b4c3d2e1f0",
            "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2",
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1é",
        ] {
            assert_eq!(Key::new(text), Key::Text(text.into()), "{text}");
        }
        let packed = Key::new("00000000-0000-0000-0000-0000000000ff");
        assert_eq!(packed, Key::Uuid([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]));
        assert_eq!(packed.to_string(), "00000000-0000-0000-0000-0000000000ff");
    }

    #[test]
    fn an_uppercase_uuid_is_a_different_id_from_its_lowercase_form() {
        let list = IdList::new([Key::new("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")]);
        assert_eq!(list.position(&Key::new("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0")), None);
    }

    #[test]
    fn positions_are_first_listings_and_repeats_are_known() {
        let list = IdList::new(["c", "a", "c", "b"].map(Key::new));
        assert_eq!((list.len(), list.distinct()), (4, 3));
        assert_eq!(list.position(&Key::new("c")), Some(0));
        assert_eq!((0..4).map(|p| list.is_first(p)).collect::<Vec<_>>(), [true, true, false, true]);
        assert!(list.position(&Key::new("z")).is_none());
    }

    #[test]
    fn a_recount_is_the_same_only_with_the_same_set() {
        let list = IdList::new(["a", "b", "a"].map(Key::new));
        let count = |ids: &[&str]| {
            let mut r = list.recount();
            ids.iter().for_each(|i| r.add(&Key::new(i)));
            r.same()
        };
        assert!(count(&["b", "a"]));
        assert!(!count(&["a"]), "b is gone");
        assert!(!count(&["a", "b", "c"]), "c is new");
    }
}
