//! Reads a body onto a tape directly, a byte at a time, where serde_json would call a visitor
//! for each value and check each string as UTF-8 on its own. It reads only what it is sure of:
//! a body it is not sure of (not JSON, not UTF-8, nested deeper than [`MAX_DEPTH`], or with a
//! `\u` escape of half a surrogate pair) is left to serde_json, which reads it or says why not
//! in its own words. What it reads, it reads to the very tape serde_json's events build
//! (tested below on generated and on damaged bodies).

use serde_json::Number;

use super::{Build, Seen, Tok};

/// Deeper nesting is left to serde_json, whose own limit (128) and error then apply.
const MAX_DEPTH: u32 = 100;

/// Reads `b.body` onto `b.toks`; `None` leaves the body to serde_json, and `b.toks` may then
/// hold some of its tokens, which the caller drops.
pub(super) fn read(b: &mut Build<'_>) -> Option<()> {
    // Once for the whole body: JSON outside strings is ASCII, so every string is UTF-8 too.
    simdutf8::basic::from_utf8(b.body).ok()?;
    let mut reader = Reader { b, at: 0, depth: 0 };
    reader.value()?;
    reader.skip_space();
    (reader.at == reader.b.body.len()).then_some(())
}

struct Reader<'x, 'b> {
    b: &'x mut Build<'b>,
    /// The next byte to read.
    at: usize,
    depth: u32,
}

impl Reader<'_, '_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.body.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not white space, read.
    fn next(&mut self) -> Option<u8> {
        self.skip_space();
        let byte = *self.b.body.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn value(&mut self) -> Option<()> {
        // Each kind pushes its own token: handing tokens back through `Option` made the
        // processor wait on its own stores (`perf annotate`).
        match self.next()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b't' => self.word(b"rue", Tok::Bool(true)),
            b'f' => self.word(b"alse", Tok::Bool(false)),
            b'n' => self.word(b"ull", Tok::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// The rest of `true`, `false` or `null`, whose first letter was read.
    fn word(&mut self, rest: &[u8], tok: Tok) -> Option<()> {
        if self.b.body.get(self.at..self.at + rest.len())? != rest {
            return None;
        }
        self.at += rest.len();
        self.b.toks.push(tok);
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// An object, whose `{` was read.
    fn object(&mut self) -> Option<()> {
        self.enter()?;
        let object = self.b.toks.len() as u32;
        self.b.toks.push(Tok::Null);
        let (mut len, mut seen) = (0, Seen::new(self.b));
        let mut byte = self.next()?;
        if byte != b'}' {
            loop {
                if byte != b'"' {
                    return None;
                }
                self.string()?;
                self.b.note_name(&mut seen, self.b.toks.len() as u32 - 1);
                if self.next()? != b':' {
                    return None;
                }
                self.value()?;
                len += 1;
                match self.next()? {
                    b',' => byte = self.next()?,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.b.end_object(seen);
        self.b.toks[object as usize] = Tok::Obj { len, end: self.b.toks.len() as u32 };
        self.depth -= 1;
        Some(())
    }

    /// An array, whose `[` was read.
    fn array(&mut self) -> Option<()> {
        self.enter()?;
        let array = self.b.toks.len();
        self.b.toks.push(Tok::Null);
        let mut len = 0;
        self.skip_space();
        if self.b.body.get(self.at) == Some(&b']') {
            self.at += 1;
        } else {
            loop {
                self.value()?;
                len += 1;
                match self.next()? {
                    b',' => {}
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.b.toks[array] = Tok::Arr { len, end: self.b.toks.len() as u32 };
        self.depth -= 1;
        Some(())
    }

    /// A number, whose first byte (`-` or a digit) was read.
    fn number(&mut self) -> Option<()> {
        let body = self.b.body;
        let start = self.at - 1;
        let digits = |at: &mut usize| {
            let from = *at;
            while let Some(b'0'..=b'9') = body.get(*at) {
                *at += 1;
            }
            *at - from
        };
        let negative = body[start] == b'-';
        let mut at = if negative { start + 1 } else { start };
        match body.get(at)? {
            // One leading zero only: a digit after it ends the number, and the reading.
            b'0' => at += 1,
            b'1'..=b'9' => {
                digits(&mut at);
            }
            _ => return None,
        }
        let mut integer = true;
        if body.get(at) == Some(&b'.') {
            at += 1;
            if digits(&mut at) == 0 {
                return None;
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = body.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = body.get(at) {
                at += 1;
            }
            if digits(&mut at) == 0 {
                return None;
            }
            integer = false;
        }
        self.at = at;
        let text = &body[start..at];
        // Up to 19 digits always fit a u64.
        if integer && !negative && text.len() <= 19 {
            let n = text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            self.b.toks.push(Tok::U64(n));
            return Some(());
        }
        // Anything else exactly as serde_json reads it: its reading of floats is its own.
        let n: Number = std::str::from_utf8(text).ok()?.parse().ok()?;
        self.b.toks.push(Tok::num(&n));
        Some(())
    }

    /// A string, whose `"` was read: a span of the body when it has no escapes.
    fn string(&mut self) -> Option<()> {
        let body = self.b.body;
        let start = self.at;
        let mut at = start + special(&body[start..])?;
        if body[at] == b'"' {
            self.at = at + 1;
            self.b.toks.push(Tok::Span { at: start as u32, len: (at - start) as u32 });
            return Some(());
        }
        let mut text = body[start..at].to_vec();
        loop {
            match body[at] {
                b'"' => break,
                b'\\' => at = escape(body, at + 1, &mut text)?,
                // A control character, which JSON strings may only hold escaped.
                _ => return None,
            }
            let run = special(&body[at..])?;
            text.extend_from_slice(&body[at..at + run]);
            at += run;
        }
        self.at = at + 1;
        // Runs between escapes are whole UTF-8 sequences of a UTF-8 body, so this holds.
        self.b.own(std::str::from_utf8(&text).ok()?);
        Some(())
    }
}

/// The escape after a `\` at `at - 1`, appended to `text`; the index after it.
fn escape(body: &[u8], at: usize, text: &mut Vec<u8>) -> Option<usize> {
    let byte = match body.get(at)? {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'u' => {
            let unit = hex4(body.get(at + 1..at + 5)?)?;
            let (c, next) = match unit {
                // A high surrogate, and its low half right after it.
                0xD800..=0xDBFF => {
                    if body.get(at + 5..at + 7)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(body.get(at + 7..at + 11)?)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    (char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?, at + 11)
                }
                _ => (char::from_u32(unit)?, at + 5),
            };
            text.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            return Some(next);
        }
        _ => return None,
    };
    text.push(byte);
    Some(at + 1)
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| Some(n * 16 + (*d as char).to_digit(16)?))
}

/// The index of the first `"`, `\` or control character of `s`, eight bytes at a time: a byte
/// is flagged where `x - 0x01..` borrows into its top bit and its own top bit was clear, and the
/// lowest flagged byte is always a true one.
fn special(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let mut at = 0;
    while let Some(chunk) = s.get(at..at + 8) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        let flagged =
            (zero(v ^ (ONES * u64::from(b'"'))) | zero(v ^ (ONES * u64::from(b'\\'))) | (v.wrapping_sub(ONES * 0x20) & !v)) & TOPS;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    s[at..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::super::Tape;
    use super::*;
    use proptest::prelude::*;

    /// Both ways of reading `body`: directly when the reader takes it, and through serde_json.
    fn both(body: &[u8], wrap: Option<&str>) -> (Option<Tape>, serde_json::Result<Tape>) {
        let direct = {
            let mut build = Build::new(body, 0);
            if let Some(wrap) = wrap {
                build.toks.push(Tok::Obj { len: 1, end: 0 });
                build.own(wrap);
            }
            read(&mut build).map(|()| Tape::parse(body, wrap).unwrap())
        };
        (direct, Tape::parse_by(body, wrap, false))
    }

    fn same(a: &Tape, b: &Tape) -> bool {
        a.toks == b.toks && a.owned == b.owned && a.root == b.root && a.repeats_a_name == b.repeats_a_name && a.body_len == b.body_len
    }

    #[test]
    fn special_finds_the_first_quote_backslash_or_control_byte_at_every_place() {
        for len in 0..20 {
            for at in 0..=len {
                for byte in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut s = vec![b'a'; len];
                    // Bytes past it that would be flagged too, and some that must not be.
                    s.extend_from_slice(b"\x01\"\\ \x7f\xc3\xa9");
                    if at < len {
                        s[at] = byte;
                    }
                    let expected = if at < len { at } else { len };
                    assert_eq!(special(&s), Some(expected), "{s:?}");
                }
            }
        }
        assert_eq!(special("é ~ \u{7f} 0123456789".as_bytes()), None);
    }

    #[test]
    fn escapes_read_as_serde_json_reads_them() {
        let bodies: [&[u8]; 8] = [
            br#""a\"b\\c\/d\be\ff\ng\rh\ti""#,
            br#"{"n\u0061me": "caf\u00e9 \u00E9", "k": "\ud83d\ude00!"}"#,
            "\"déjà \\u0000 vu\"".as_bytes(),
            br#"["\u2028", "x\u20ac\u0041"]"#,
            br#"{"a": 1, "\u0061": 2}"#,
            br#""plain"  "#,
            b" [ 0 , -0 , -0.0 , 1e2 , 1E+2 , -1e-2 , 12345678901234567890 , -9223372036854775808 , 18446744073709551616 , 0.1 ]\n",
            br#"{"nested": [[{"a": [true, false, null]}], {}], "e": [], "o": {}}"#,
        ];
        for body in bodies {
            let (direct, serde) = both(body, Some("slot"));
            let (direct, serde) = (direct.expect("read directly"), serde.unwrap());
            assert!(same(&direct, &serde), "{}\n{:?}\n{:?}", String::from_utf8_lossy(body), direct.toks, serde.toks);
        }
    }

    #[test]
    fn what_the_reader_is_not_sure_of_is_left_to_serde_json() {
        for body in [
            &br#""\ud800""#[..],
            br#""\udc00""#,
            br#""\ud800\u0041""#,
            &[b'['; 101],
            b"\"\xff\"",
            b"01",
            b"[1,]",
            b"{\"a\" 1}",
            b"\"a\x01\"",
            b"nul",
            b"1.",
            b"-",
            b"1e",
            b"",
            b"   ",
            b"{} {}",
            b"1e999",
        ] {
            assert!(both(body, None).0.is_none(), "{}", String::from_utf8_lossy(body));
        }
        // Deep nesting within serde_json's limit is still read, by it.
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        let (direct, serde) = both(deep.as_bytes(), None);
        assert!(direct.is_none() && serde.is_ok());
    }

    /// Valid bodies written in varied ways, and bytes of them damaged in ways JSON is sensitive to.
    fn bodies() -> impl Strategy<Value = Vec<u8>> {
        let valid = (super::super::tests::json_value(), any::<bool>()).prop_map(|(v, pretty)| {
            if pretty {
                serde_json::to_vec_pretty(&v).unwrap()
            } else {
                serde_json::to_vec(&v).unwrap()
            }
        });
        let sensitive = prop_oneof![
            Just(b'"'),
            Just(b'\\'),
            Just(b'{'),
            Just(b'}'),
            Just(b'['),
            Just(b']'),
            Just(b','),
            Just(b':'),
            Just(b'0'),
            Just(b'-'),
            Just(b'.'),
            Just(b'e'),
            Just(b'u'),
            Just(b' '),
            Just(0x01),
            Just(0xc3),
            Just(0xff)
        ];
        (valid, proptest::collection::vec((any::<prop::sample::Index>(), sensitive, 0..3u8), 0..3)).prop_map(|(mut body, damage)| {
            for (place, byte, how) in damage {
                if body.is_empty() {
                    break;
                }
                let at = place.index(body.len());
                match how {
                    0 => body[at] = byte,
                    1 => body.insert(at, byte),
                    _ => {
                        body.remove(at);
                    }
                }
            }
            body
        })
    }

    #[test]
    fn the_reader_takes_only_what_serde_json_takes_and_reads_it_to_the_same_tape() {
        use proptest::test_runner::{Config, TestRunner};
        // Damaged bodies the reader took, and ones it left: both happen, often.
        let seen = std::cell::Cell::new([0usize; 2]);
        let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
        runner
            .run(&(bodies(), proptest::option::of(Just("s"))), |(body, wrap)| {
                let (direct, serde) = both(&body, wrap);
                let mut counts = seen.get();
                counts[usize::from(direct.is_some())] += 1;
                seen.set(counts);
                if let Some(direct) = direct {
                    let serde = serde.map_err(|e| TestCaseError::fail(format!("serde_json refuses what was read: {e}")))?;
                    prop_assert!(same(&direct, &serde), "{}", String::from_utf8_lossy(&body));
                }
                Ok(())
            })
            .unwrap();
        let seen = seen.get();
        assert!(seen.iter().all(|&n| n >= 300), "left, taken: {seen:?}");
    }

    #[test]
    fn objects_of_a_list_are_told_apart_by_their_names_whatever_the_object_before() {
        // Listings repeat one object's names in the next; a repeat within one object is found
        // wherever it stands, and after whatever came before.
        for (body, distinct) in [
            (&br#"[{"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1}]"#[..], true),
            (br#"[{"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}, {"c": 1, "a": 2}]"#, true),
            (br#"[{"a": 1, "b": 2}, {"a": 1, "b": 2, "a": 3}]"#, false),
            (br#"[{"a": 1, "b": 2}, {"a": 1, "a": 2}]"#, false),
            (br#"[{"a": 1, "b": 2}, {"b": 1, "a": 2, "b": 3}]"#, false),
            (br#"[{"a": {"x": 1}, "b": 2}, {"a": {"y": 1, "y": 2}, "b": 2}]"#, false),
            (br#"[{"a": {"x": 1}, "b": 2}, {"a": {"y": 1}, "b": 2, "b": 3}]"#, false),
            (br#"[{"a": 1}, {"a": 1}, {"a": 1, "x": {"k": 1, "k": 2}}]"#, false),
            (br#"[1, {"a": 1, "a": 2}]"#, false),
            (br#"[{"a": 1}, [], {"a": 1, "a": 2}]"#, false),
            (br#"[{"a\u0062": 1, "b": 2}, {"ab": 1, "b": 2}, {"ab": 1, "b": 2, "a\u0062": 3}]"#, false),
        ] {
            let (direct, serde) = both(body, None);
            let (direct, serde) = (direct.expect("the reader takes it"), serde.unwrap());
            assert!(same(&direct, &serde), "{}", String::from_utf8_lossy(body));
            assert_eq!(direct.names_are_distinct(), distinct, "{}", String::from_utf8_lossy(body));
        }
    }

    /// A list of objects written out with the names as given, repeats and all.
    fn listing() -> impl Strategy<Value = String> {
        let name = prop_oneof![Just("id"), Just("name"), Just("status"), Just("a\\u0062"), Just("ab")];
        let value =
            prop_oneof![Just("1".to_string()), Just("{\"k\": 1, \"j\": [2]}".to_string()), Just("{\"k\": 1, \"k\": 2}".to_string())];
        let object = proptest::collection::vec((name, value), 0..5)
            .prop_map(|members| format!("{{{}}}", members.iter().map(|(n, v)| format!("\"{n}\": {v}")).collect::<Vec<_>>().join(", ")));
        proptest::collection::vec(object, 0..6).prop_map(|objects| format!("[{}]", objects.join(", ")))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn listings_with_repeated_names_read_as_serde_json_reads_them(body in listing()) {
            let (direct, serde) = both(body.as_bytes(), None);
            prop_assert!(same(&direct.expect("the reader takes it"), &serde.unwrap()), "{}", body);
        }

        #[test]
        fn the_reader_takes_every_valid_body(v in super::super::tests::json_value(), pretty: bool) {
            let body = if pretty { serde_json::to_vec_pretty(&v).unwrap() } else { serde_json::to_vec(&v).unwrap() };
            prop_assert!(both(&body, None).0.is_some(), "{}", String::from_utf8_lossy(&body));
        }
    }
}
