//! Reads Sphinx reStructuredText pages: section titles, grid tables (cells over several lines,
//! with notes and bullet lists inside), the `list-table` and `csv-table` directives, and the
//! os-api-ref directives (`rest_method`, `rest_parameters` resolved against their parameters
//! file, `literalinclude` samples). A file with several `rest_method`s is read up to the
//! second: the page model holds one endpoint.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthChar;

use super::error::DocError;
use super::page::{Column, Example, Reading as Read, Row, Sections, Status, Table, Uri};

/// One directive in the page: where it is, its argument and its body's line range.
struct Directive<'a> {
    path: &'a Path,
    source: &'a str,
    lines: &'a [&'a str],
    /// The directive's own line (0-based).
    at: usize,
    /// Its body: lines `first..end` (0-based).
    first: usize,
    end: usize,
    arg: &'a str,
}

impl Directive<'_> {
    fn body(&self) -> impl Iterator<Item = (usize, &&str)> {
        self.lines.iter().enumerate().take(self.end).skip(self.first)
    }

    fn error(&self, line: usize, message: String, hint: &str) -> DocError {
        DocError::at(self.path, self.source, line, message, hint)
    }

    fn caption(&self) -> Option<String> {
        Some(inline(self.arg)).filter(|c| !c.is_empty())
    }
}

/// Whether `source` is reStructuredText: a section title underlined, a grid table, or a
/// directive this reader knows.
pub(crate) fn is_rst(source: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let titled = lines.windows(2).any(|w| underline(w[1]).is_some_and(|_| is_title_text(w[0], w[1])));
    let directive = lines.iter().any(|l| {
        let t = l.trim_start();
        ["table::", "list-table::", "csv-table::", "rest_method::", "rest_parameters::"].iter().any(|d| t.starts_with(&format!(".. {d}")))
    });
    titled || directive || lines.iter().any(|l| is_grid_border(l))
}

/// A line of one punctuation character repeated (`=====`, `-----`, `~~~~~`): its character.
fn underline(line: &str) -> Option<char> {
    let t = line.trim_end();
    let c = t.chars().next()?;
    (t.chars().count() >= 3 && "=-~^\"'`*+#:._".contains(c) && t.chars().all(|x| x == c)).then_some(c)
}

fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Title text is flush left and no longer than its underline.
fn is_title_text(text: &str, under: &str) -> bool {
    let t = text.trim_end();
    !t.is_empty()
        && !t.starts_with(char::is_whitespace)
        && underline(t).is_none()
        && width(t) <= width(under.trim_end())
        && !is_grid_border(t)
}

fn is_grid_border(line: &str) -> bool {
    let t = line.trim();
    t.len() > 2 && t.starts_with("+-") && t.ends_with('+') && t.chars().all(|c| c == '+' || c == '-')
}

/// The directive a line opens: (name, argument).
fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix(".. ")?;
    let (name, arg) = rest.split_once("::")?;
    (!name.contains(' ')).then(|| (name.trim(), arg.trim()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The lines of a directive's body: those after `start` indented deeper than the directive,
/// blank lines included, up to the first line that is not. Returns (first, end) line indexes.
fn block(lines: &[&str], start: usize) -> (usize, usize) {
    let base = indent(lines[start]);
    let mut end = start + 1;
    let mut last = start + 1;
    while end < lines.len() {
        let l = lines[end];
        if l.trim().is_empty() {
            end += 1;
            continue;
        }
        if indent(l) <= base {
            break;
        }
        end += 1;
        last = end;
    }
    (start + 1, last)
}

pub(crate) fn read(path: &Path, source: &str) -> Result<Read, DocError> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Read::default();
    let mut caption: Option<String> = None;
    let mut params = ParamFiles::default();
    let mut seen_title = false;
    // os-api-ref pages title each method with the heading right above its `rest_method`.
    let mut last_heading = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        // Overlined and underlined title, then underlined title.
        if i + 2 < lines.len() && underline(line).is_some() && underline(line) == underline(lines[i + 2]) && !lines[i + 1].trim().is_empty()
        {
            last_heading = inline(lines[i + 1].trim());
            heading(&mut out, &mut seen_title, lines[i + 1].trim(), i + 2);
            i += 3;
            continue;
        }
        if i + 1 < lines.len() && underline(lines[i + 1]).is_some() && is_title_text(line, lines[i + 1]) {
            last_heading = inline(line.trim());
            heading(&mut out, &mut seen_title, line.trim(), i + 1);
            i += 2;
            continue;
        }
        if is_grid_border(line) {
            let (table, next) = grid_table(path, source, &lines, i, &out.sections, caption.take())?;
            out.tables.push(table);
            i = next;
            continue;
        }
        if let Some((name, arg)) = directive(line) {
            let (first, end) = block(&lines, i);
            let d = Directive { path, source, lines: &lines, at: i, first, end, arg };
            match name {
                "table" => {
                    caption = Some(inline(arg)).filter(|c| !c.is_empty());
                    // The grid table is the directive's body: read it on the next turns.
                    i += 1;
                    continue;
                }
                "list-table" => out.tables.push(list_table(&d, &out.sections)),
                "csv-table" => out.tables.push(csv_table(&d, &out.sections)?),
                "rest_method" => {
                    if out.uri.is_some() {
                        break;
                    }
                    out.uri = super::page::find_uri(arg).map(|u| Uri { line: i + 1, ..u });
                    if !last_heading.is_empty() {
                        out.title = last_heading.clone();
                    }
                }
                "rest_parameters" => {
                    let table = params.table(&d, &out.sections)?;
                    out.tables.push(table);
                }
                "literalinclude" => {
                    let file = path.parent().unwrap_or(Path::new(".")).join(arg);
                    let value = std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok());
                    match value {
                        Some(value) => out.examples.push(Example { section: out.sections.current(), line: i + 1, value }),
                        None if arg.ends_with(".json") => {
                            return Err(DocError::at(
                                path,
                                source,
                                i + 1,
                                format!("the sample `{arg}` cannot be read as JSON ({})", file.display()),
                                "keep the page's samples beside it, at the path the directive names",
                            ))
                        }
                        None => {}
                    }
                }
                _ => {}
            }
            i = end.max(i + 1);
            continue;
        }
        codes(line, i + 1, &mut out);
        out.sections.feed(&inline(line), i + 1, false);
        i += 1;
    }
    refer_to_operators(&mut out.tables);
    Ok(out)
}

/// Glance's time parameters say "a comparison filter (See Time Comparison Filters)" and
/// leave the operators to a list-table elsewhere on the page (`Operator`, `Description`).
/// The reference is followed: each description that makes it gets the operators appended
/// (`Operators: gt:, gte:, …`), so that the filter proposal reads the rule the page states.
fn refer_to_operators(tables: &mut [Table]) {
    let ops: Vec<String> = tables
        .iter()
        .filter(|t| matches!(t.columns.first(), Some(Column::Other(h)) if h.eq_ignore_ascii_case("operator")))
        .flat_map(|t| t.rows.iter().filter_map(|r| r.cells.first()))
        .map(|c| c.trim().to_string())
        .filter(|op| !op.is_empty() && op.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    if ops.len() < 2 {
        return;
    }
    let words = format!("Operators: {}.", ops.iter().map(|o| format!("{o}:")).collect::<Vec<_>>().join(", "));
    for t in tables.iter_mut() {
        let Some(d) = t.columns.iter().position(|c| *c == Column::Description) else { continue };
        for cell in t.rows.iter_mut().filter_map(|r| r.cells.get_mut(d)) {
            if cell.to_lowercase().contains("comparison filter") {
                cell.push('\n');
                cell.push_str(&words);
            }
        }
    }
}

fn heading(out: &mut Read, seen_title: &mut bool, text: &str, line: usize) {
    let text = inline(text);
    if !*seen_title {
        *seen_title = true;
        out.title = text;
    } else {
        out.sections.feed(&text, line, true);
    }
}

/// os-api-ref's `Normal response codes: 200` and `Error response codes: badRequest(400), …`.
fn codes(line: &str, at: usize, out: &mut Read) {
    let t = line.trim();
    let numbers =
        |s: &str| -> Vec<u16> { s.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 3).filter_map(|w| w.parse().ok()).collect() };
    if let Some(rest) = t.strip_prefix("Normal response codes:") {
        out.statuses.extend(numbers(rest).into_iter().map(|code| Status { code, line: at }));
    } else if let Some(rest) = t.strip_prefix("Error response codes:") {
        let rows = numbers(rest).into_iter().map(|c| Row { line: at, cells: vec![c.to_string()] }).collect();
        let section = Some(out.sections.current()).filter(|s| !s.is_empty()).unwrap_or_else(|| "Error response codes".into());
        out.tables.push(Table { section, caption: None, line: at, columns: vec![Column::Status], rows });
    }
}

/// Read a grid table whose top border is line `start`. Column edges are the display columns of
/// the top border's `+`; `=` marks the end of the header (without one, the first row heads).
fn grid_table(
    path: &Path,
    source: &str,
    lines: &[&str],
    start: usize,
    sections: &Sections,
    caption: Option<String>,
) -> Result<(Table, usize), DocError> {
    let edges: Vec<usize> = display_positions(lines[start], '+');
    let mut rows: Vec<Row> = Vec::new();
    let mut header_rows = 0;
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); edges.len().saturating_sub(1)];
    let mut row_line = start + 2;
    let mut i = start + 1;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.starts_with('+') {
            if cells.iter().any(|c| !c.is_empty()) {
                let texts = cells.iter().map(|c| cell_text(c)).collect();
                rows.push(Row { line: row_line, cells: texts });
            }
            cells.iter_mut().for_each(Vec::clear);
            if t.contains('=') {
                header_rows = rows.len();
            }
            row_line = i + 2;
            i += 1;
            continue;
        }
        if !t.starts_with('|') {
            break;
        }
        let line = lines[i];
        for (k, pair) in edges.windows(2).enumerate() {
            if !matches!(char_at(line, pair[1]), Some('|') | Some('+')) {
                return Err(DocError::at(
                    path,
                    source,
                    i + 1,
                    "merged grid table cell (a cell spans a column edge)",
                    "merged cells make the row's columns ambiguous; split the cell into one per row and column",
                ));
            }
            cells[k].push(slice(line, pair[0] + 1, pair[1]).to_string());
        }
        i += 1;
    }
    let header_rows = if header_rows == 0 { 1 } else { header_rows };
    let mut rows = rows.into_iter();
    let head: Vec<Row> = rows.by_ref().take(header_rows).collect();
    let columns = head.first().map(|r| r.cells.iter().map(|c| Column::of(c)).collect()).unwrap_or_default();
    let table = Table { section: sections.current(), caption, line: start + 1, columns, rows: rows.collect() };
    Ok((table, i))
}

/// Display columns at which `c` appears in `line`.
fn display_positions(line: &str, c: char) -> Vec<usize> {
    let mut col = 0;
    let mut out = Vec::new();
    for ch in line.chars() {
        if ch == c {
            out.push(col);
        }
        col += ch.width().unwrap_or(0);
    }
    out
}

fn char_at(line: &str, col: usize) -> Option<char> {
    let mut at = 0;
    for ch in line.chars() {
        if at == col {
            return Some(ch);
        }
        at += ch.width().unwrap_or(0);
        if at > col {
            return None;
        }
    }
    None
}

/// The text between display columns `from` (inclusive) and `to` (exclusive).
fn slice(line: &str, from: usize, to: usize) -> &str {
    let (mut start, mut end, mut col) = (line.len(), line.len(), 0);
    for (b, ch) in line.char_indices() {
        if col >= from && start == line.len() {
            start = b;
        }
        if col >= to {
            end = b;
            break;
        }
        col += ch.width().unwrap_or(0);
    }
    &line[start.min(end)..end]
}

/// A cell's lines as text: paragraphs (lines joined) and list items each on a line of their
/// own, directives' own lines dropped (a note's body stays), inline markup removed.
pub(crate) fn cell_text<S: AsRef<str>>(lines: &[S]) -> String {
    let base = lines.iter().map(AsRef::as_ref).filter(|l| !l.trim().is_empty()).map(indent).min().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for l in lines.iter().map(AsRef::as_ref) {
        let t = l.trim();
        if t.is_empty() {
            open = false;
            continue;
        }
        if directive(t).is_some() {
            let (name, arg) = directive(t).unwrap_or_default();
            open = false;
            if name == "note" || name == "important" || name == "warning" {
                out.push(format!("{}:", name.to_uppercase()));
            }
            if !arg.is_empty() {
                out.push(arg.to_string());
            }
            continue;
        }
        let item = indent(l) <= base + 1 && (t.starts_with("- ") || t.starts_with("* ") || t == "-");
        if open && !item {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(t);
            }
        } else {
            out.push(t.to_string());
            open = true;
        }
    }
    out.iter().map(|l| inline(l)).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

/// Remove inline markup: `**strong**`, ``` ``literal`` ```, roles (``` :ref:`Text <target>` ```
/// keeps `Text`), links (``` `text <url>`_ ``` keeps `text`), backslash escapes (`\ ` is
/// nothing, `\_` is `_`).
pub(crate) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(' ') | None => {}
                Some(n) => out.push(n),
            },
            '*' => {}
            '`' => {
                // A role's name before the backquote (`:ref:`) is dropped with its colons.
                if out.ends_with(':') {
                    if let Some(p) = out[..out.len() - 1].rfind(':') {
                        let role = &out[p + 1..out.len() - 1];
                        if !role.is_empty() && role.chars().all(|r| r.is_ascii_alphanumeric() || r == '-' || r == '_') {
                            out.truncate(p);
                        }
                    }
                }
                let double = chars.peek() == Some(&'`');
                if double {
                    chars.next();
                }
                let mut inner = String::new();
                while let Some(n) = chars.next() {
                    if n == '`' {
                        if double && chars.peek() == Some(&'`') {
                            chars.next();
                        }
                        break;
                    }
                    inner.push(n);
                }
                while chars.peek() == Some(&'_') {
                    chars.next();
                }
                if double {
                    out.push_str(&inner);
                } else {
                    // `Text <target>`: the text.
                    let shown = match inner.rfind(" <").filter(|_| inner.ends_with('>')) {
                        Some(p) => inner[..p].to_string(),
                        None => inner.trim_start_matches('<').trim_end_matches('>').to_string(),
                    };
                    out.push_str(&shown);
                }
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// `.. list-table:: caption` with `:header-rows: N`, then `* - cell` rows and `  - cell` cells.
fn list_table(d: &Directive, sections: &Sections) -> Table {
    let mut header_rows = 0;
    let mut rows: Vec<(usize, Vec<Vec<String>>)> = Vec::new();
    let mut cell_indent = 0;
    for (i, l) in d.body() {
        let t = l.trim_start();
        if let Some(v) = t.strip_prefix(":header-rows:") {
            header_rows = v.trim().parse().unwrap_or(0);
            continue;
        }
        if t.starts_with(':') && rows.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("* - ").or_else(|| (t == "* -").then_some("")) {
            cell_indent = indent(l) + 2;
            rows.push((i + 1, vec![vec![rest.to_string()]]));
        } else if let Some(rest) = t.strip_prefix("- ").or_else(|| (t == "-").then_some("")).filter(|_| indent(l) == cell_indent) {
            if let Some((_, cells)) = rows.last_mut() {
                cells.push(vec![rest.to_string()]);
            }
        } else if let Some(cell) = rows.last_mut().and_then(|(_, c)| c.last_mut()) {
            cell.push(l.get(cell_indent + 2..).unwrap_or(l.trim()).to_string());
        }
    }
    let mut rows = rows.into_iter().map(|(line, cells)| Row { line, cells: cells.iter().map(|c| cell_text(c)).collect() });
    let head: Vec<Row> = rows.by_ref().take(header_rows).collect();
    let columns = head.first().map(|r| r.cells.iter().map(|c| Column::of(c)).collect()).unwrap_or_default();
    Table { section: sections.current(), caption: d.caption(), line: d.at + 1, columns, rows: rows.collect() }
}

/// `.. csv-table:: caption` with `:header: "a", "b"` (or `:header-rows:`) and CSV rows.
fn csv_table(d: &Directive, sections: &Sections) -> Result<Table, DocError> {
    let mut header: Option<Vec<String>> = None;
    let mut header_rows = 0;
    let mut delim = b',';
    let mut body = String::new();
    let mut body_first = None;
    for (i, l) in d.body() {
        let t = l.trim();
        if body_first.is_none() {
            if let Some(h) = t.strip_prefix(":header:") {
                header = Some(csv_rows(h.trim(), b',').into_iter().next().map(|(_, r)| r).unwrap_or_default());
                continue;
            }
            if let Some(v) = t.strip_prefix(":header-rows:") {
                header_rows = v.trim().parse().unwrap_or(0);
                continue;
            }
            if let Some(v) = t.strip_prefix(":delim:") {
                delim = match v.trim() {
                    "tab" => b'\t',
                    "space" => b' ',
                    d => d.bytes().next().unwrap_or(b','),
                };
                continue;
            }
            if t.starts_with(':') && t[1..].contains(':') {
                if t.starts_with(":file:") || t.starts_with(":url:") {
                    return Err(d.error(
                        i + 1,
                        "csv-table rows kept in another file or URL".into(),
                        "put the rows in the page: derive reads what the page itself shows",
                    ));
                }
                continue;
            }
            if t.is_empty() {
                continue;
            }
            body_first = Some(i);
        }
        body.push_str(t);
        body.push('\n');
    }
    let start = body_first.unwrap_or(d.first);
    let mut rows = csv_rows(&body, delim)
        .into_iter()
        .map(|(line, cells)| Row { line: start + line, cells: cells.iter().map(|c| inline(c)).collect() });
    let head: Vec<String> = match header {
        Some(h) => h,
        None => rows.by_ref().take(header_rows.max(1)).next().map(|r| r.cells).unwrap_or_default(),
    };
    Ok(Table {
        section: sections.current(),
        caption: d.caption(),
        line: d.at + 1,
        columns: head.iter().map(|c| Column::of(&inline(c))).collect(),
        rows: rows.collect(),
    })
}

/// CSV records with the (1-based, within `text`) line each starts on. docutils lets a space
/// follow the delimiter (`"a", "b"`); the csv crate would take that field's quote literally,
/// so such spaces are dropped first.
fn csv_rows(text: &str, delim: u8) -> Vec<(usize, Vec<String>)> {
    let mut packed = String::with_capacity(text.len());
    let (mut quoted, mut after_delim) = (false, false);
    for c in text.chars() {
        if after_delim && c == ' ' {
            continue;
        }
        after_delim = !quoted && c as u32 == u32::from(delim);
        if c == '"' {
            quoted = !quoted;
        }
        packed.push(c);
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).delimiter(delim).from_reader(packed.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .map(|r| (r.position().map_or(1, |p| p.line() as usize), r.iter().map(str::to_string).collect()))
        .collect()
}

/// One entry of an os-api-ref parameters file.
#[derive(Debug, Clone, serde::Deserialize)]
struct ParamDef {
    #[serde(default)]
    description: String,
    #[serde(rename = "in", default)]
    location: String,
    #[serde(default)]
    required: Option<bool>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// Parameters files read so far, by path.
#[derive(Default)]
struct ParamFiles {
    files: HashMap<PathBuf, std::collections::BTreeMap<String, ParamDef>>,
}

impl ParamFiles {
    /// The table a `rest_parameters` directive shows: one row per `- name: key` line, the key
    /// resolved in the parameters file. Headers are left out: a spec's query and body have
    /// no place for them.
    fn table(&mut self, d: &Directive, sections: &Sections) -> Result<Table, DocError> {
        let arg = d.arg;
        let file = d.path.parent().unwrap_or(Path::new(".")).join(arg);
        if !self.files.contains_key(&file) {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                d.error(d.at + 1, format!("cannot read the parameters file `{arg}`: {e}"), "keep the parameters file beside the page")
            })?;
            let defs = serde_saphyr::from_str(&text)
                .map_err(|e| d.error(d.at + 1, format!("the parameters file `{arg}` is not a map of parameters: {e}"), ""))?;
            self.files.insert(file.clone(), defs);
        }
        let defs = &self.files[&file];
        let columns = vec![Column::Name, Column::Other("In".into()), Column::Mandatory, Column::Type, Column::Description];
        let mut rows = Vec::new();
        for (i, l) in d.body() {
            let Some(item) = l.trim().strip_prefix("- ") else { continue };
            // YAML splits `- OS-DCF:diskConfig: OS-DCF:diskConfig` at the colon before a space.
            let Some((name, key)) = item.split_once(": ").or_else(|| item.strip_suffix(':').map(|n| (n, n))) else { continue };
            let (name, key) = (name.trim(), key.trim());
            let Some(def) = defs.get(key) else {
                let near = defs.keys().min_by_key(|k| strsim::levenshtein(k, key)).filter(|k| strsim::levenshtein(k, key) <= 3);
                let hint = near.map(|k| format!("did you mean `{k}`?")).unwrap_or_else(|| format!("add `{key}` to {arg}"));
                return Err(d.error(i + 1, format!("parameter `{key}` is not in {arg}"), &hint));
            };
            if def.location == "header" {
                continue;
            }
            let required = match def.required {
                Some(true) => "Yes",
                Some(false) => "No",
                None => "",
            };
            let description = cell_text(&def.description.lines().collect::<Vec<_>>());
            rows.push(Row {
                line: i + 1,
                cells: vec![name.to_string(), def.location.clone(), required.into(), def.kind.clone().unwrap_or_default(), description],
            });
        }
        Ok(Table { section: sections.current(), caption: None, line: d.at + 1, columns, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(src: &str) -> Read {
        read(Path::new("p.rst"), src).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn inline_markup_is_removed() {
        assert_eq!(inline(r"\__isregistered"), "__isregistered");
        assert_eq!(inline(r"images.\ **id**"), "images.id");
        assert_eq!(inline(r"**images**\.[]"), "images.[]");
        assert_eq!(inline("see :ref:`Table 2 <en-us_topic__t>` and ``limit``"), "see Table 2 and limit");
        assert_eq!(inline("`ISO 8601 <https://x>`_ format"), "ISO 8601 format");
    }

    #[test]
    fn grid_table_cells_keep_lists_and_notes_on_lines_of_their_own() {
        let src = "Title\n=====\n\nURI\n---\n\nGET /v2/x\n\n.. table:: **Table 1** Parameters\n\n   +------+------+------------------+\n   | Parameter | Type | Description |\n";
        // Column edges come from the top border; a header wider than its column is a merge.
        assert!(read(Path::new("p.rst"), src).is_err());
        let src = "Title\n=====\n\nURI\n---\n\n.. table:: **Table 1** Parameters\n\n   +------+-------+-----------------+\n   | Name | Type  | Description     |\n   +======+=======+=================+\n   | \\__a | String| One of:         |\n   |      |       |                 |\n   |      |       | -  **x**: first |\n   |      |       | -  **y**: then  |\n   |      |       |    more         |\n   |      |       |                 |\n   |      |       | .. note::       |\n   |      |       |                 |\n   |      |       |    Careful.     |\n   +------+-------+-----------------+\n";
        let r = read_str(src);
        let t = &r.tables[0];
        assert_eq!((t.caption.as_deref(), t.columns[0].clone(), t.rows.len()), (Some("Table 1 Parameters"), Column::Name, 1));
        assert_eq!(t.rows[0].cells[0], "__a");
        assert_eq!(t.rows[0].cells[2], "One of:\n-  x: first\n-  y: then more\nNOTE:\nCareful.");
        assert_eq!((t.rows[0].line, t.section.as_str()), (12, "URI"));
    }

    #[test]
    fn a_description_referring_to_the_operator_table_gets_its_operators() {
        let src = "T\n=\n\n.. list-table::\n   :header-rows: 1\n\n   * - Operator\n     - Description\n   * - ``gt``\n     - After.\n   * - ``lte``\n     - Up to.\n\n.. csv-table:: Query\n   :header: Name, Description\n\n   created_at, \"A *comparison filter* (See Time Comparison Filters).\"\n   name, A name.\n";
        let r = read_str(src);
        assert_eq!(r.tables[1].rows[0].cells[1], "A comparison filter (See Time Comparison Filters).\nOperators: gt:, lte:.");
        assert_eq!(r.tables[1].rows[1].cells[1], "A name.");
    }

    #[test]
    fn list_and_csv_tables() {
        let src = "T\n=\n\nRequest\n-------\n\n.. list-table:: Query\n   :header-rows: 1\n\n   * - Name\n     - Type\n     - Description\n   * - ``limit``\n     - integer\n     - Page size,\n       at most 1000.\n\n.. csv-table:: Fields\n   :header: \"Name\", \"Type\"\n\n   \"id\", \"string\"\n   name, \"string, or null\"\n";
        let r = read_str(src);
        assert_eq!(r.tables.len(), 2);
        assert_eq!(r.tables[0].rows[0].cells, ["limit", "integer", "Page size, at most 1000."]);
        assert_eq!(r.tables[0].rows[0].line, 13);
        assert_eq!(r.tables[1].columns, [Column::Name, Column::Type]);
        assert_eq!(r.tables[1].rows[1].cells, ["name", "string, or null"]);
        assert_eq!(r.tables[1].rows[1].line, 22);
    }
}
