//! From vendor API reference pages to specs: read a page into a typed model (`page`, by the
//! `markdown` or `scraped` reader), derive a spec skeleton (`skeleton`, written by `yaml`),
//! for a person to review, or compare a page with a spec (`page_vs_spec`).

pub mod cli;
pub(crate) mod error;
mod html;
mod markdown;
pub(crate) mod page;
pub mod page_vs_page;
pub mod page_vs_spec;
mod rst;
mod scraped;
pub(crate) mod skeleton;
pub mod yaml;

use std::path::Path;

pub use error::DocError;
pub use page::Page;
pub use skeleton::{derive, Skeleton};

/// Read and parse one page. Every way a page can be unusable is a located [`DocError`].
pub fn read_page(path: &Path) -> Result<Page, DocError> {
    let bytes = std::fs::read(path).map_err(|source| DocError::Read { path: path.to_path_buf(), source })?;
    let source = match std::str::from_utf8(&bytes) {
        Ok(s) => s,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            let col = good.len() - good.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let err = crate::spec::error::SpecError::new(
                path,
                format!("the page is not UTF-8 text (invalid byte at byte offset {})", e.valid_up_to()),
            )
            .at(&lossy, crate::spec::error::Pos { line, col }, 1)
            .hint("convert the page to UTF-8, e.g. `iconv -f GBK -t UTF-8`");
            return Err(DocError::Page(err));
        }
    };
    parse_page(path, source)
}

/// Parse a page already in memory.
pub(crate) fn parse_page(path: &Path, source: &str) -> Result<Page, DocError> {
    if source.trim().is_empty() {
        return Err(DocError::at(
            path,
            source,
            1,
            "the page is empty",
            "derive and lint-docs read API reference pages: a URI line and parameter tables",
        ));
    }
    let mut found = Found::default();
    // Markdown headings decide first: a markdown page's `---` rules would pass for RST titles.
    let md_heading = source.lines().any(|l| l.starts_with("# ") || l.starts_with("## "));
    let (title, tables, sections, format) = if !md_heading && rst::is_rst(source) {
        let r = rst::read(path, source)?;
        let format = if r.uri.is_some() { page::Format::OsApiRef } else { page::Format::Rst };
        found = Found { uri: r.uri, examples: r.examples, statuses: r.statuses };
        (r.title, r.tables, r.sections, format)
    } else if !md_heading && html::is_html(source) {
        let r = html::read(source);
        found = Found { uri: r.uri, examples: r.examples, statuses: r.statuses };
        (r.title, r.tables, r.sections, page::Format::Html)
    } else if md_heading || source.contains("<table") {
        let r = markdown::read(path, source)?;
        (r.title, r.tables, r.sections, page::Format::Markdown)
    } else {
        let r = scraped::read(source);
        (String::new(), r.tables, r.sections, page::Format::Scraped)
    };
    let uri = found.uri.or_else(|| page::find_uri(source));
    let title = if title.is_empty() { scraped_title(source, uri.as_ref()) } else { title };
    let named = tables.iter().any(|t| matches!(t.kind(), page::TableKind::Request | page::TableKind::Response));
    if uri.is_none() || !named {
        let what = match (uri.is_none(), named) {
            (true, false) => "no `METHOD /path` line and no parameter table",
            (true, true) => "no `METHOD /path` line (e.g. `GET /v2/images`)",
            _ => "no parameter table (a `参数`/`Parameter` column under a request or response heading)",
        };
        return Err(DocError::at(
            path,
            source,
            1,
            format!("not an API reference page: {what}"),
            "derive and lint-docs read API reference pages in markdown, reStructuredText (grid, list and csv tables; os-api-ref) and HTML",
        ));
    }
    let mut examples = page::find_examples(source, &sections);
    examples.extend(found.examples);
    let mut statuses = page::find_statuses(source, &sections);
    statuses.extend(found.statuses);
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Page { file, path: path.to_path_buf(), title, format, uri, tables, examples, statuses, source: source.to_string() })
}

/// What a reader finds itself, beyond what the line-based finders see in the source: the URI
/// of a directive or an HTML paragraph, included samples, stated success codes.
#[derive(Default)]
struct Found {
    uri: Option<page::Uri>,
    examples: Vec<page::Example>,
    statuses: Vec<page::Status>,
}

/// A scraped page has no `#` heading: its title is the line before `URI` (zh) or the first
/// line naming the API (en).
fn scraped_title(source: &str, uri: Option<&page::Uri>) -> String {
    let lines: Vec<&str> = source.lines().collect();
    // Rendered English pages put the title right above "Updated on …".
    if let Some(u) = lines.iter().position(|l| l.trim().starts_with("Updated on ")) {
        if let Some(t) = lines[..u].iter().rev().map(|l| l.trim()).find(|l| !l.is_empty()) {
            return t.to_string();
        }
    }
    let before_uri = uri.map(|u| u.line.saturating_sub(1)).unwrap_or(lines.len());
    let heading = lines[..before_uri.min(lines.len())].iter().rposition(|l| l.trim() == "URI");
    if let Some(h) = heading.filter(|h| *h > 0) {
        let t = lines[..h].iter().rev().map(|l| l.trim()).find(|l| !l.is_empty() && !page::Sections::is_top(l));
        if let Some(t) = t.filter(|t| t.chars().count() < 120 && !t.starts_with("Updated on")) {
            return t.to_string();
        }
    }
    uri.map(|u| u.text.clone()).unwrap_or_default()
}
