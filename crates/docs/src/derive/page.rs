//! The typed model of one API reference page: its URI, tables (with the section and caption
//! they sit under and the source line of every row), JSON examples and status codes.

use std::path::PathBuf;

/// What the RST and HTML readers hand back. `uri`, `examples` and `statuses` add to what the
/// line-based finders below see in the source.
#[derive(Default)]
pub(crate) struct Reading {
    pub title: String,
    pub tables: Vec<Table>,
    pub sections: Sections,
    pub uri: Option<Uri>,
    pub examples: Vec<Example>,
    pub statuses: Vec<Status>,
}

/// One vendor API reference page, read into tables and examples.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page's file name, as citations name it.
    pub file: String,
    pub path: PathBuf,
    pub title: String,
    pub format: Format,
    pub uri: Option<Uri>,
    pub tables: Vec<Table>,
    pub examples: Vec<Example>,
    /// Success codes the page states (e.g. "正常 200").
    pub statuses: Vec<Status>,
    /// The page's text, kept so that later stages can point at any line of it.
    pub source: String,
}

/// Which reader understood the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown with pipe tables or embedded HTML tables.
    Markdown,
    /// Text scraped from a rendered page: pipe rows spread over lines, or one cell per line.
    Scraped,
    /// Sphinx reStructuredText: grid tables, `list-table`, `csv-table`.
    Rst,
    /// OpenStack's os-api-ref: `rest_method`, `rest_parameters` resolved against their file.
    OsApiRef,
    /// HTML as a docs site serves it.
    Html,
}

/// `METHOD /path{?a,b}` or `METHOD /path?a={a}&b={b}` as the page writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub method: String,
    /// The line as written (escapes removed).
    pub text: String,
    pub path: String,
    pub query: Vec<UriQuery>,
    pub line: usize,
}

/// One query parameter named in the URI template, with the placeholder it is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriQuery {
    pub name: String,
    pub placeholder: Option<String>,
}

/// What a table column holds, recognised from its heading in Chinese or English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Name,
    Mandatory,
    Type,
    Description,
    Status,
    Other(String),
}

impl Column {
    pub(crate) fn of(heading: &str) -> Column {
        match heading.trim() {
            "参数" | "参数名称" | "名称" | "Parameter" | "Parameters" | "Name" => Column::Name,
            "是否必选" | "必选" | "Mandatory" | "Required" => Column::Mandatory,
            "参数类型" | "类型" | "Type" => Column::Type,
            "描述" | "说明" | "Description" => Column::Description,
            "返回值" | "状态码" | "Returned Values" | "Returned Value" | "Status Code" | "Response Code" => Column::Status,
            other => Column::Other(other.to_string()),
        }
    }
}

/// Where a table belongs, from its columns and the section it sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableKind {
    Request,
    Response,
    Status,
    Other,
}

#[derive(Debug, Clone)]
pub struct Table {
    /// Heading path, e.g. `响应消息 / 响应参数`.
    pub section: String,
    /// The table's own caption, e.g. `表 1 images字段说明`.
    pub caption: Option<String>,
    pub line: usize,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

impl Table {
    pub(crate) fn kind(&self) -> TableKind {
        if self.columns.first() == Some(&Column::Status) {
            return TableKind::Status;
        }
        if self.columns.first() != Some(&Column::Name) {
            return TableKind::Other;
        }
        let s = self.section.to_lowercase();
        if s.contains("响应") || s.contains("response") {
            TableKind::Response
        } else if s.contains("请求") || s.contains("request") || s.contains("uri") {
            TableKind::Request
        } else {
            TableKind::Other
        }
    }

    /// The cell of `row` under the column `col`, if the table has that column.
    pub(crate) fn cell<'a>(&self, row: &'a Row, col: &Column) -> Option<&'a str> {
        let i = self.columns.iter().position(|c| c == col)?;
        row.cells.get(i).map(String::as_str)
    }

    /// How citations name the table: its section, then its caption.
    pub(crate) fn label(&self) -> String {
        match &self.caption {
            Some(c) if !self.section.contains(c.as_str()) => format!("{} / {}", self.section, c),
            _ => self.section.clone(),
        }
    }
}

/// A JSON body shown on the page.
#[derive(Debug, Clone)]
pub struct Example {
    pub section: String,
    pub line: usize,
    pub value: serde_json::Value,
}

impl Example {
    /// An example shown under a response heading.
    pub(crate) fn is_response(&self) -> bool {
        let s = self.section.to_lowercase();
        s.contains("响应") || s.contains("response")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub line: usize,
}

/// Section headings both readers recognise: (top level, below a top level).
const TOP: &[&str] = &[
    "功能介绍",
    "接口约束",
    "URI",
    "请求消息",
    "响应消息",
    "请求示例",
    "响应示例",
    "返回值",
    "错误码",
    "Function",
    "Request",
    "Response",
    "Example Request",
    "Example Response",
    "Returned Values",
    "Constraints",
];
const SUB: &[&str] = &[
    "请求参数",
    "响应参数",
    "请求样例",
    "响应样例",
    "正常",
    "异常",
    "Request parameters",
    "Response parameters",
    "Example request",
    "Example response",
    "Normal",
    "Abnormal",
];

/// Tracks the heading path while a reader walks the page, and records it by line.
#[derive(Debug, Default)]
pub(crate) struct Sections {
    top: String,
    sub: Option<String>,
    /// (first line, section) in page order.
    pub(crate) marks: Vec<(usize, String)>,
}

impl Sections {
    /// Strip list bullets and whitespace: scraped pages keep `•` and markdown keeps `-`.
    pub(crate) fn clean(line: &str) -> &str {
        line.trim().trim_start_matches(['•', '-', '*']).trim()
    }

    pub(crate) fn is_top(text: &str) -> bool {
        TOP.iter().any(|t| t.eq_ignore_ascii_case(Sections::clean(text)))
    }

    /// Feed one line of text; returns whether it was a heading.
    pub(crate) fn feed(&mut self, text: &str, line: usize, forced_top: bool) -> bool {
        let t = Sections::clean(text);
        if forced_top || TOP.iter().any(|h| h.eq_ignore_ascii_case(t)) {
            self.top = t.to_string();
            self.sub = None;
        } else if SUB.iter().any(|h| h.eq_ignore_ascii_case(t)) {
            self.sub = Some(t.to_string());
        } else {
            return false;
        }
        self.marks.push((line, self.current()));
        true
    }

    pub(crate) fn current(&self) -> String {
        match &self.sub {
            Some(s) => format!("{} / {}", self.top, s),
            None => self.top.clone(),
        }
    }

    pub(crate) fn at(&self, line: usize) -> String {
        self.marks.iter().take_while(|(l, _)| *l <= line).last().map(|(_, s)| s.clone()).unwrap_or_default()
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// The first `METHOD /path` line: the endpoint the page documents. Request examples
/// (`GET https://…`) do not count: they carry a host.
pub(crate) fn find_uri(source: &str) -> Option<Uri> {
    source.lines().enumerate().find_map(|(i, raw)| {
        let text = Sections::clean(raw).replace('\\', "");
        let (method, rest) = text.split_once(' ')?;
        let rest = rest.trim();
        if !METHODS.contains(&method) || !rest.starts_with('/') {
            return None;
        }
        Some(parse_uri(method, rest, i + 1))
    })
}

fn parse_uri(method: &str, template: &str, line: usize) -> Uri {
    let mut query = Vec::new();
    let path;
    if let Some((p, q)) = template.split_once("{?") {
        path = p.to_string();
        for name in q.trim_end_matches('}').split(',') {
            let name = name.trim().to_string();
            query.push(UriQuery { placeholder: Some(name.clone()), name });
        }
    } else if let Some((p, q)) = template.split_once('?') {
        path = p.to_string();
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = v.trim();
            let placeholder = v.strip_prefix('{').and_then(|v| v.strip_suffix('}')).map(str::to_string);
            query.push(UriQuery { name: k.trim().to_string(), placeholder });
        }
    } else {
        path = template.to_string();
    }
    Uri { method: method.to_string(), text: format!("{method} {template}"), path, query, line }
}

/// Every JSON object on the page that starts on a line of its own (`{`), whatever the format:
/// markdown code blocks and scraped text both keep the body's own lines.
pub(crate) fn find_examples(source: &str, sections: &Sections) -> Vec<Example> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "{" {
            i += 1;
            continue;
        }
        let (mut depth, mut in_str, mut esc) = (0i32, false, false);
        let mut body = String::new();
        let mut end = None;
        'scan: for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                body.push(c);
                match (in_str, esc, c) {
                    (true, true, _) => esc = false,
                    (true, false, '\\') => esc = true,
                    (true, false, '"') => in_str = false,
                    (false, _, '"') => in_str = true,
                    (false, _, '{') | (false, _, '[') => depth += 1,
                    (false, _, '}') | (false, _, ']') => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j);
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
            body.push('\n');
        }
        match end.map(|e| (e, serde_json::from_str::<serde_json::Value>(&body))) {
            Some((e, Ok(value))) => {
                out.push(Example { section: sections.at(i + 1), line: i + 1, value });
                i = e + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Success codes: a bare 2xx line under the return-value section ("正常 / 200").
pub(crate) fn find_statuses(source: &str, sections: &Sections) -> Vec<Status> {
    source
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim();
            let code: u16 = t.parse().ok().filter(|c| (200..300).contains(c))?;
            let s = sections.at(i + 1);
            (s.contains("返回值") || s.contains("Returned")).then_some(Status { code, line: i + 1 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_templates_in_both_spellings() {
        let u = find_uri("x\nGET /v2.1/\\{project\\_id\\}/images/detail\\{?name,minDisk\\}\n").unwrap();
        assert_eq!((u.path.as_str(), u.line), ("/v2.1/{project_id}/images/detail", 2));
        assert_eq!(u.query[1], UriQuery { name: "minDisk".into(), placeholder: Some("minDisk".into()) });
        let u = find_uri("GET /v2/x?minDisk={inDisk}&a=1").unwrap();
        assert_eq!(u.query[0], UriQuery { name: "minDisk".into(), placeholder: Some("inDisk".into()) });
        assert_eq!(u.query[1].placeholder, None);
        assert!(find_uri("GET https://{Endpoint}/v2/x").is_none());
    }

    #[test]
    fn examples_are_json_objects_on_their_own_lines() {
        let s = Sections::default();
        let ex = find_examples("text\n    {\n  \"a\": \"}\",\n  \"b\": [1]\n    }\n{ not json\n", &s);
        assert_eq!(ex.len(), 1);
        assert_eq!((ex[0].line, ex[0].value["a"].as_str()), (2, Some("}")));
    }
}
