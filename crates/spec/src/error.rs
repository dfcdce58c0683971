//! Spec errors: what is wrong, where (file:line:col), the offending line, and a hint.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a spec file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn of(loc: &serde_saphyr::Location) -> Pos {
        Pos { line: loc.line() as usize, col: loc.column() as usize }
    }
}

/// A problem with a spec file, rendered rustc-style. Boxed: it travels in `Result`s.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.render())]
pub struct SpecError(Box<Detail>);

impl std::ops::Deref for SpecError {
    type Target = Detail;
    fn deref(&self) -> &Detail {
        &self.0
    }
}

/// What a [`SpecError`] says.
#[derive(Debug, Clone)]
pub struct Detail {
    pub file: PathBuf,
    pub pos: Option<Pos>,
    pub message: String,
    /// The offending source line, when the position is known; of a long line (minified JSON),
    /// only a window around the column.
    pub line_text: Option<String>,
    /// Characters of the line left out before `line_text`.
    pub line_skip: usize,
    /// Length of the underline.
    pub width: usize,
    pub hint: Option<String>,
}

impl SpecError {
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        SpecError(Box::new(Detail {
            file: file.into(),
            pos: None,
            message: message.into(),
            line_text: None,
            line_skip: 0,
            width: 1,
            hint: None,
        }))
    }

    /// Point the error at `pos` in `source`, underlining `width` characters.
    pub fn at(self, source: &str, pos: Pos, width: usize) -> Self {
        let line = pos.line.checked_sub(1).and_then(|n| source.lines().nth(n));
        self.at_line(line, pos, width)
    }

    /// Like [`SpecError::at`], with the line at `pos` already found: a loader that points many
    /// errors into one file looks lines up in its own index rather than scanning from the top.
    pub(crate) fn at_line(mut self, line: Option<&str>, pos: Pos, width: usize) -> Self {
        if pos.line > 0 {
            self.0.pos = Some(pos);
            // A warning per schema of a 47 MB one-line document kept the whole line each (22 GB
            // for Microsoft Graph beta); the render shows `WIDE` characters around the column.
            let (text, skip) = match line {
                Some(l) if l.len() > 8 * WIDE => {
                    let skip = pos.col.saturating_sub(2 * WIDE);
                    (Some(l.chars().skip(skip).take(4 * WIDE).collect()), skip)
                }
                other => (other.map(str::to_owned), 0),
            };
            self.0.line_text = text;
            self.0.line_skip = skip;
            self.0.width = width.max(1);
        }
        self
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = message.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    /// `file:line:col`, or just the file when the position is unknown.
    pub fn location(&self) -> String {
        match self.pos {
            Some(p) => format!("{}:{}:{}", self.file.display(), p.line, p.col),
            None => self.file.display().to_string(),
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        writeln!(out, "error: {}", self.message)?;
        match (self.pos, &self.line_text) {
            (Some(p), Some(text)) => {
                let gutter = p.line.to_string().len();
                writeln!(out, "{:gutter$}--> {}", "", self.location())?;
                writeln!(out, "{:gutter$} |", "")?;
                // Minified documents (one-line JSON) would print megabytes: show the part around
                // the column.
                let (text, col) = crop(text, p.col - self.line_skip);
                writeln!(out, "{} | {}", p.line, text)?;
                let pad: String = text.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                writeln!(out, "{:gutter$} | {}{}", "", pad, "^".repeat(self.width))?;
                if let Some(h) = &self.hint {
                    writeln!(out, "{:gutter$} = hint: {}", "", h)?;
                }
            }
            _ => {
                writeln!(out, " --> {}", self.location())?;
                if let Some(h) = &self.hint {
                    writeln!(out, "  = hint: {}", h)?;
                }
            }
        }
        Ok(())
    }
}

/// At most `WIDE` characters of `line` around `col`, with `…` where it was cut, and the column in
/// what is left.
const WIDE: usize = 120;

fn crop(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= WIDE {
        return (line.to_string(), col);
    }
    let start = col.saturating_sub(WIDE / 2 + 1).min(len - WIDE);
    let mut text: String = line.chars().skip(start).take(WIDE).collect();
    let mut col = col - start;
    if start > 0 {
        text.insert(0, '…');
        col += 1;
    }
    if start + WIDE < len {
        text.push('…');
    }
    (text, col)
}

/// The closest candidate to `word`, if it is plausibly a typo of it.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub fn yaml_error(path: &Path, source: &str, err: &serde_saphyr::Error) -> SpecError {
    use serde_saphyr::Error as E;
    let inner = err.without_snippet();
    let pos = inner.location().map(|l| Pos::of(&l)).unwrap_or_default();
    match inner {
        E::SerdeUnknownField { field, expected, .. } => {
            let mut e = SpecError::new(path, format!("unknown key `{field}`")).at(source, pos, field.chars().count());
            e = match did_you_mean(field, expected.iter().copied()) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint(format!("expected one of: {}", expected.join(", "))),
            };
            e
        }
        E::SerdeUnknownVariant { variant, expected, .. } => {
            let e = SpecError::new(path, format!("unknown value `{variant}`")).at(source, pos, variant.chars().count());
            match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint(format!("expected one of: {}", expected.join(", "))),
            }
        }
        E::SerdeMissingField { field, .. } => SpecError::new(path, format!("missing required key `{field}`"))
            .at(source, pos, 1)
            .hint(format!("add `{field}:` here (see docs/spec-format.md)")),
        other => {
            let text = other.to_string();
            let text = text.lines().next().unwrap_or("").trim_start_matches("error: ");
            // The YAML parser prefixes its message with "line N column M: " and serde suffixes
            // "at line N, column M"; the position is shown separately.
            let msg = match text.split_once(": ") {
                Some((head, rest)) if head.starts_with("line ") => rest,
                _ => text,
            };
            let msg = msg.split(" at line ").next().unwrap_or(msg);
            let (msg, hint) = plain(msg);
            let e = SpecError::new(path, msg).at(source, pos, 1);
            match hint {
                Some(h) => e.hint(h),
                None => e,
            }
        }
    }
}

/// serde's message in the words of the spec format, and a hint where one helps.
pub(crate) fn plain(msg: &str) -> (String, Option<&'static str>) {
    // The parser's resource limits (alias expansion, size) name a Rust value; say what it means.
    if msg.starts_with("budget breached") {
        return (
            "the document is too large for a spec once its YAML aliases are expanded".to_string(),
            Some("aliases (`*name`) repeat what their anchor holds; write small values out instead"),
        );
    }
    match msg.strip_prefix("data did not match any variant of untagged enum ") {
        Some("StatusSet") => ("invalid status".to_string(), Some("write a status code (`200`) or a list of them (`[200, 203]`)")),
        Some("QueryValue") | Some("Scalar") => {
            ("invalid query value".to_string(), Some("write a scalar, a list of scalars (a repeated parameter) or `null`"))
        }
        Some(other) => (format!("invalid value for {other}"), None),
        None => (msg.to_string(), None),
    }
}

pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_transposed_key() {
        assert_eq!(did_you_mean("sort_dri", ["sort_key", "sort_dir", "limit"]), Some("sort_dir"));
    }

    #[test]
    fn no_suggestion_for_unrelated_word() {
        assert_eq!(did_you_mean("banana", ["sort_key", "limit"]), None);
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let src = format!("{}HERE{}", "a".repeat(500), "b".repeat(500));
        let text = SpecError::new("x.json", "m").at(&src, Pos { line: 1, col: 501 }, 4).render();
        let line = text.lines().nth(3).unwrap();
        let caret = text.lines().nth(4).unwrap();
        assert!(line.len() < 140 && line.contains("…aaa") && line.ends_with("bb…"), "{text}");
        assert_eq!(line.find("HERE").map(|i| line[..i].chars().count()), caret.find('^').map(|i| caret[..i].chars().count()), "{text}");
        assert!(text.contains("x.json:1:501"), "{text}");
    }

    #[test]
    fn a_long_line_is_kept_as_a_window_around_the_column() {
        let line: String = (0..200_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        for col in [3, 500, 100_000, 199_990] {
            let e = SpecError::new("big.json", "x").at(&line, Pos { line: 1, col }, 1);
            assert!(e.line_text.as_ref().unwrap().len() <= 4 * WIDE, "col {col}: a window, not the line");
            let (text, at) = crop(&line, col);
            let caret = format!("1 | {text}\n  | {}^\n", " ".repeat(at - 1));
            assert!(e.render().contains(&caret), "col {col}: as cut from the whole line:\n{}", e.render());
            assert!(e.render().contains(&format!("big.json:1:{col}")));
        }
    }

    #[test]
    fn renders_location_line_and_hint() {
        let src = "a: 1\n  sort_dri: x\n";
        let e = SpecError::new("x.yaml", "unknown key `sort_dri`").at(src, Pos { line: 2, col: 3 }, 8).hint("did you mean `sort_dir`?");
        let text = e.render();
        assert_eq!(
            text,
            "error: unknown key `sort_dri`\n --> x.yaml:2:3\n  |\n2 |   sort_dri: x\n  |   ^^^^^^^^\n  = hint: did you mean `sort_dir`?\n"
        );
    }
}
