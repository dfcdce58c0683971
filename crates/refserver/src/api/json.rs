//! A minimal JSON writer: pages are written straight into one buffer, no intermediate values.
//!
//! At tens of thousands of pages a second, building `serde_json::Value` trees per image would
//! dominate the cost; this writes each byte once.

use std::fmt::Write as _;

use crate::fault::defect::TimeStyle;
use crate::time::{self, Secs};

/// Writes JSON; commas are inserted automatically between members and elements.
pub(crate) struct JsonOut {
    buf: String,
    comma: bool,
}

impl JsonOut {
    pub(crate) fn with_capacity(bytes: usize) -> JsonOut {
        JsonOut { buf: String::with_capacity(bytes), comma: false }
    }

    pub(crate) fn finish(self) -> String {
        self.buf
    }

    fn separate(&mut self) {
        if self.comma {
            self.buf.push(',');
        }
    }

    pub(crate) fn begin_object(&mut self) {
        self.separate();
        self.buf.push('{');
        self.comma = false;
    }

    pub(crate) fn end_object(&mut self) {
        self.buf.push('}');
        self.comma = true;
    }

    pub(crate) fn begin_array(&mut self) {
        self.separate();
        self.buf.push('[');
        self.comma = false;
    }

    pub(crate) fn end_array(&mut self) {
        self.buf.push(']');
        self.comma = true;
    }

    /// A member name. Names come from this crate and never need escaping.
    pub(crate) fn key(&mut self, key: &str) {
        debug_assert!(!key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20));
        self.separate();
        self.buf.push('"');
        self.buf.push_str(key);
        self.buf.push_str("\":");
        self.comma = false;
    }

    pub(crate) fn str(&mut self, value: &str) {
        self.separate();
        escape_into(&mut self.buf, value);
        self.comma = true;
    }

    pub(crate) fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.str(v),
            None => self.null(),
        }
    }

    pub(crate) fn uint(&mut self, value: u64) {
        self.separate();
        crate::digits::decimal(&mut self.buf, value);
        self.comma = true;
    }

    pub(crate) fn opt_uint(&mut self, value: Option<u64>) {
        match value {
            Some(v) => self.uint(v),
            None => self.null(),
        }
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.separate();
        self.buf.push_str(if value { "true" } else { "false" });
        self.comma = true;
    }

    pub(crate) fn null(&mut self) {
        self.separate();
        self.buf.push_str("null");
        self.comma = true;
    }

    /// A string value whose content `write` produces; it must not need escaping (digits, hex,
    /// our own URLs).
    pub(crate) fn str_with(&mut self, write: impl FnOnce(&mut String)) {
        self.separate();
        self.buf.push('"');
        write(&mut self.buf);
        self.buf.push('"');
        self.comma = true;
    }

    pub(crate) fn uuid(&mut self, id: u128) {
        self.str_with(|b| crate::catalog::write_uuid(b, id));
    }

    pub(crate) fn time(&mut self, secs: Secs, style: TimeStyle) {
        self.str_with(|b| match style {
            TimeStyle::Zulu => time::write_z(b, secs),
            TimeStyle::Micros => time::write_v1(b, secs),
        });
    }

    // Shorthands for `key` + value.
    pub(crate) fn field_str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.str(value);
    }

    pub(crate) fn field_uint(&mut self, key: &str, value: u64) {
        self.key(key);
        self.uint(value);
    }

    pub(crate) fn field_bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.bool(value);
    }
}

/// Appends `value` as a JSON string literal.
pub(crate) fn escape_into(buf: &mut String, value: &str) {
    buf.push('"');
    if !value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        buf.push_str(value);
    } else {
        for c in value.chars() {
            match c {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                '\n' => buf.push_str("\\n"),
                '\r' => buf.push_str("\\r"),
                '\t' => buf.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(buf, "\\u{:04x}", c as u32);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_structures_with_commas() {
        let mut out = JsonOut::with_capacity(64);
        out.begin_object();
        out.key("images");
        out.begin_array();
        for i in 0..2 {
            out.begin_object();
            out.field_uint("n", i);
            out.field_str("s", "a\"b\\c\n\u{1}");
            out.key("none");
            out.opt_uint(None);
            out.key("tags");
            out.begin_array();
            out.str("x");
            out.str("y");
            out.end_array();
            out.end_object();
        }
        out.end_array();
        out.field_bool("ok", true);
        out.end_object();
        let text = out.finish();
        let value: serde_json::Value = serde_json::from_str(&text).expect(&text);
        assert_eq!(value["images"][1]["n"], 1);
        assert_eq!(value["images"][0]["s"], "a\"b\\c\n\u{1}");
        assert_eq!(value["images"][0]["tags"][1], "y");
        assert!(value["images"][0]["none"].is_null());
        assert_eq!(value["ok"], true);
    }

    #[test]
    fn escapes_like_serde() {
        for s in ["plain", "数据盘镜像", "tab\there", "quote\"", "\u{7f}\u{0}"] {
            let mut buf = String::new();
            escape_into(&mut buf, s);
            assert_eq!(serde_json::from_str::<String>(&buf).unwrap(), s);
        }
    }
}
