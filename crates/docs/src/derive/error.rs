//! Why a page could not be read: located like spec errors (file:line:col, the line, a hint).

use std::path::PathBuf;

use crate::spec::error::{Pos, SpecError};

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("error: cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The page itself is unusable; rendered with its location.
    #[error("{0}")]
    Page(SpecError),
    #[error("error: cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

impl DocError {
    /// An error at `line` (1-based) of `source`, underlining the line's text.
    pub(crate) fn at(path: &std::path::Path, source: &str, line: usize, message: impl Into<String>, hint: &str) -> DocError {
        let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let col = text.len() - text.trim_start().len() + 1;
        let width = text.trim().chars().count().min(60);
        let err = SpecError::new(path, message).at(source, Pos { line, col }, width);
        DocError::Page(if hint.is_empty() { err } else { err.hint(hint) })
    }
}
