//! Reads markdown pages: pipe tables through pulldown-cmark, HTML tables embedded in the
//! markdown through scraper (html5ever).

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use scraper::{ElementRef, Html, Node, Selector};

use super::error::DocError;
use super::page::{line_of, Column, Row, Sections, Table};

/// What the markdown reader hands back: the title, the tables and the section marks.
pub(crate) struct Read {
    pub title: String,
    pub tables: Vec<Table>,
    pub sections: Sections,
}

pub(crate) fn read(path: &Path, source: &str) -> Result<Read, DocError> {
    let mut out = Read { title: String::new(), tables: Vec::new(), sections: Sections::default() };
    let mut text = String::new();
    let mut text_line = 0;
    let mut caption: Option<String> = None;
    let mut heading: Option<u8> = None;
    let mut html: Option<Range<usize>> = None;
    let mut pipe: Option<Table> = None;
    let mut cell: Option<String> = None;
    let mut row: Option<Row> = None;

    for (event, range) in Parser::new_ext(source, Options::ENABLE_TABLES).into_offset_iter() {
        // Consecutive HTML blocks form one fragment: a blank line may split a table.
        let is_html = matches!(event, Event::Html(_) | Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock));
        if !is_html {
            if let Some(r) = html.take() {
                html_tables(path, source, r, &out.sections, &mut caption, &mut out.tables)?;
            }
        }
        match event {
            Event::Html(_) => html = Some(html.map_or(range.clone(), |h| h.start..range.end)),
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level as u8);
                text.clear();
                text_line = line_of(source, range.start);
            }
            Event::End(TagEnd::Heading(_)) => {
                let t = text.trim().to_string();
                if heading == Some(1) && out.title.is_empty() {
                    out.title = t;
                } else {
                    out.sections.feed(&t, text_line, true);
                }
                heading = None;
                text.clear();
            }
            Event::Start(Tag::Table(_)) => {
                pipe = Some(Table {
                    section: out.sections.current(),
                    caption: caption.take(),
                    line: line_of(source, range.start),
                    columns: Vec::new(),
                    rows: Vec::new(),
                })
            }
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                row = Some(Row { line: line_of(source, range.start), cells: Vec::new() })
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.cells.push(c.trim().to_string());
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let (Some(t), Some(r)) = (pipe.as_mut(), row.take()) {
                    t.columns = r.cells.iter().map(|c| Column::of(c)).collect();
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let (Some(t), Some(r)) = (pipe.as_mut(), row.take()) {
                    t.rows.push(r);
                }
            }
            Event::End(TagEnd::Table) => out.tables.extend(pipe.take()),
            Event::Text(t) | Event::Code(t) => match cell.as_mut() {
                Some(c) => c.push_str(&t),
                None => {
                    if text.is_empty() {
                        text_line = line_of(source, range.start);
                    }
                    text.push_str(&t);
                }
            },
            Event::SoftBreak | Event::HardBreak if heading.is_none() && cell.is_none() => text.push('\n'),
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Item) | Event::Start(Tag::List(_)) => {
                for l in text.lines() {
                    let l = l.trim();
                    if !out.sections.feed(l, text_line, false) && is_caption(l) {
                        caption = Some(l.split_whitespace().collect::<Vec<_>>().join(" "));
                    }
                }
                text.clear();
            }
            _ => {}
        }
    }
    if let Some(r) = html.take() {
        html_tables(path, source, r, &out.sections, &mut caption, &mut out.tables)?;
    }
    Ok(out)
}

/// `表 2 查询参数` / `Table 2 Query parameters`.
fn is_caption(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('表') || t.starts_with("Table ")) && t.chars().any(|c| c.is_ascii_digit())
}

/// Read the `<table>`s of one HTML fragment. Rows are matched to source lines by the order of
/// their `<tr` tags in the fragment: html5ever keeps no positions.
fn html_tables(
    path: &Path,
    source: &str,
    range: Range<usize>,
    sections: &Sections,
    caption: &mut Option<String>,
    tables: &mut Vec<Table>,
) -> Result<(), DocError> {
    let fragment = &source[range.clone()];
    if !fragment.contains("<table") {
        return Ok(());
    }
    let tr_lines: Vec<usize> = fragment.match_indices("<tr").map(|(i, _)| line_of(source, range.start + i)).collect();
    let mut tr_index = 0;
    let doc = Html::parse_fragment(fragment);
    let table_sel = Selector::parse("table").expect("static selector");
    let tr_sel = Selector::parse("tr").expect("static selector");
    let cell_sel = Selector::parse("th, td").expect("static selector");
    for table in doc.select(&table_sel) {
        let mut t = Table {
            section: sections.current(),
            caption: caption.take(),
            line: tr_lines.get(tr_index).copied().unwrap_or_else(|| line_of(source, range.start)),
            columns: Vec::new(),
            rows: Vec::new(),
        };
        for tr in table.select(&tr_sel) {
            let line = tr_lines.get(tr_index).copied().unwrap_or(t.line);
            tr_index += 1;
            let mut cells = Vec::new();
            for c in tr.select(&cell_sel) {
                for attr in ["rowspan", "colspan"] {
                    let span = c.value().attr(attr).and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(1);
                    if span > 1 {
                        return Err(DocError::at(
                            path,
                            source,
                            line,
                            format!("merged table cell ({attr}={span}) in table `{}`", t.label()),
                            "merged cells make the row's columns ambiguous; split the cell into one per row and column",
                        ));
                    }
                }
                cells.push(cell_text(c));
            }
            if t.columns.is_empty() {
                t.columns = cells.iter().map(|c| Column::of(c)).collect();
            } else {
                t.rows.push(Row { line, cells });
            }
        }
        tables.push(t);
    }
    Ok(())
}

/// The text of a cell: paragraphs and list items on lines of their own.
fn cell_text(cell: ElementRef) -> String {
    let mut out = String::new();
    for node in cell.descendants() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if matches!(e.name(), "p" | "li" | "br" | "div") => out.push('\n'),
            _ => {}
        }
    }
    out.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}
