//! `specgate lint-docs`: the defects of vendor API reference pages themselves, each cited.
//! Pipeline: parse (the `derive` readers) → model (the page's skeleton) → check (`example`,
//! `params`, `pages`) → report (`report`: text, JSON, Markdown).

pub mod cli;
pub mod defect;
mod example;
mod pages;
mod params;
pub mod report;

use std::path::PathBuf;

pub use defect::{Defect, DefectKind, Place};

use crate::derive::{derive, read_page, DocError, Page};

/// The defects of a set of pages, in page order, then line order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lint {
    /// The pages' file names, as the citations name them.
    pub pages: Vec<String>,
    pub defects: Vec<Defect>,
}

/// Read every page first: one unreadable page stops the lint before anything is reported.
pub fn read_pages(paths: &[PathBuf]) -> Result<Vec<Page>, DocError> {
    paths.iter().map(|p| read_page(p)).collect()
}

/// Check pages already read: each on its own, then every two pages of the same endpoint.
pub fn lint(pages: &[Page]) -> Lint {
    let skeletons: Vec<_> = pages.iter().map(derive).collect();
    let mut defects = Vec::new();
    for (page, skeleton) in pages.iter().zip(&skeletons) {
        defects.extend(example::check(page, skeleton));
        defects.extend(params::check(page, skeleton));
    }
    let pairs: Vec<_> = pages.iter().zip(&skeletons).collect();
    defects.extend(pages::check(&pairs));
    let order: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
    defects.sort_by(|a, b| {
        let rank = |d: &Defect| order.iter().position(|f| *f == d.at.file).unwrap_or(usize::MAX);
        (rank(a), a.at.line, a.kind).cmp(&(rank(b), b.at.line, b.kind))
    });
    Lint { pages: order.iter().map(|s| s.to_string()).collect(), defects }
}
