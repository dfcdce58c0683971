//! Reads API reference pages as a docs site serves them (HTML): headings name the sections,
//! `<table>`s (with their `<caption>`) are the tables, a `METHOD /path` paragraph is the URI
//! and `<pre>` blocks holding JSON are the examples. html5ever keeps no positions, so every
//! element is matched to its source line by the order of its tags in the source.

use scraper::{ElementRef, Html, Node};

use super::page::{line_of, Column, Example, Reading as Read, Row, Sections, Table, Uri};

/// Whether `source` is an HTML page rather than markdown with HTML tables in it: it opens with
/// a tag and has an HTML heading.
pub(crate) fn is_html(source: &str) -> bool {
    let t = source.trim_start();
    t.starts_with('<') && ["<h1", "<h2", "<h3", "<h4", "<html", "<body"].iter().any(|h| source.contains(h))
}

/// Source lines of the successive occurrences of one opening tag (`<tr`, `<pre`, …).
struct Tags<'a> {
    source: &'a str,
    lines: Vec<usize>,
    next: usize,
}

impl<'a> Tags<'a> {
    fn new(source: &'a str, tag: &str) -> Tags<'a> {
        let lines = source
            .match_indices(tag)
            .filter(|(i, _)| source[i + tag.len()..].starts_with(|c: char| c == '>' || c.is_whitespace()))
            .map(|(i, _)| line_of(source, i))
            .collect();
        Tags { source, lines, next: 0 }
    }

    fn take(&mut self) -> usize {
        let l = self.lines.get(self.next).copied().unwrap_or_else(|| line_of(self.source, self.source.len()));
        self.next += 1;
        l
    }
}

pub(crate) fn read(source: &str) -> Read {
    let doc = Html::parse_document(source);
    let mut out = Read::default();
    let mut tags: Vec<(&str, Tags)> = ["<h1", "<h2", "<h3", "<h4", "<h5", "<h6", "<p", "<tr", "<pre", "<table", "<caption"]
        .iter()
        .map(|t| (*t, Tags::new(source, t)))
        .collect();
    let mut line_of_tag = |name: &str| {
        let tag = format!("<{name}");
        tags.iter_mut().find(|(t, _)| *t == tag).map_or(1, |(_, t)| t.take())
    };
    walk(doc.root_element(), &mut out, &mut line_of_tag);
    out
}

fn walk(el: ElementRef, out: &mut Read, line_of_tag: &mut dyn FnMut(&str) -> usize) {
    for child in el.children() {
        let Some(e) = ElementRef::wrap(child) else { continue };
        let name = e.value().name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let line = line_of_tag(name);
                let text = text_of(e).replace('\n', " ");
                if name == "h1" && out.title.is_empty() {
                    out.title = text;
                } else {
                    out.sections.feed(&text, line, true);
                }
            }
            "table" => {
                let line = line_of_tag("table");
                let table = table(e, line, &out.sections, line_of_tag);
                out.tables.push(table);
            }
            "pre" => {
                let line = line_of_tag("pre");
                if let Ok(value) = serde_json::from_str(text_of(e).trim()) {
                    out.examples.push(Example { section: out.sections.current(), line, value });
                }
            }
            "p" => {
                let line = line_of_tag("p");
                let text = text_of(e);
                if out.uri.is_none() {
                    out.uri = super::page::find_uri(&text).map(|u| Uri { line, ..u });
                }
                // Sub-section labels ("Request parameters", "Normal") are paragraphs too.
                out.sections.feed(&text, line, false);
                walk(e, out, line_of_tag);
            }
            _ => walk(e, out, line_of_tag),
        }
    }
}

fn table(e: ElementRef, line: usize, sections: &Sections, line_of_tag: &mut dyn FnMut(&str) -> usize) -> Table {
    let mut t = Table { section: sections.current(), caption: None, line, columns: Vec::new(), rows: Vec::new() };
    for node in e.descendants().filter_map(ElementRef::wrap) {
        match node.value().name() {
            "caption" => {
                let _ = line_of_tag("caption");
                t.caption = Some(text_of(node).split_whitespace().collect::<Vec<_>>().join(" "));
            }
            "tr" => {
                let line = line_of_tag("tr");
                let cells: Vec<String> =
                    node.children().filter_map(ElementRef::wrap).filter(|c| matches!(c.value().name(), "th" | "td")).map(text_of).collect();
                if t.columns.is_empty() {
                    t.columns = cells.iter().map(|c| Column::of(c)).collect();
                } else {
                    t.rows.push(Row { line, cells });
                }
            }
            // Paragraphs inside cells are not the page's own: count their tags all the same.
            "p" => {
                let _ = line_of_tag("p");
            }
            "pre" => {
                let _ = line_of_tag("pre");
            }
            _ => {}
        }
    }
    t
}

/// An element's text: paragraphs, list items and line breaks on lines of their own.
fn text_of(el: ElementRef) -> String {
    let mut out = String::new();
    for node in el.descendants() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if matches!(e.name(), "p" | "li" | "br" | "div" | "tr") => out.push('\n'),
            _ => {}
        }
    }
    out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_tables_uri_and_examples_with_their_lines() {
        let src = "<h1 class=\"t\">List things</h1>\n<div><h4 class=\"sectiontitle\">URI</h4><p>GET /v2/things?a={a}</p>\n\
<table><caption><b>Table 1 </b>Query</caption><thead><tr><th><p>Parameter</p></th><th><p>Type</p></th><th><p>Description</p></th></tr></thead>\n\
<tbody><tr><td><p>a</p></td><td><p>String</p></td><td><p>One.</p><ul><li>x</li></ul></td></tr>\n</tbody></table>\n\
<h4 class=\"sectiontitle\">Response</h4><pre class=\"screen\">{\n \"things\": []\n}</pre></div>\n";
        assert!(is_html(src));
        let r = read(src);
        assert_eq!(r.title, "List things");
        let u = r.uri.unwrap();
        assert_eq!((u.path.as_str(), u.line), ("/v2/things", 2));
        let t = &r.tables[0];
        assert_eq!((t.section.as_str(), t.caption.as_deref()), ("URI", Some("Table 1 Query")));
        assert_eq!(t.rows[0].cells, ["a", "String", "One.\nx"]);
        assert_eq!(t.rows[0].line, 4);
        assert_eq!((r.examples[0].line, r.examples[0].section.as_str()), (6, "Response"));
    }
}
