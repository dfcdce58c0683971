//! The command-line arguments of the doc tools (`derive`, `lint-docs`, `export openapi`,
//! `import openapi`), which the CLI mounts as its subcommands.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args, Clone)]
pub struct ExportOpenapiArgs {
    /// Spec files or directories.
    #[arg(default_value = "specs")]
    pub paths: Vec<PathBuf>,
    /// Where the document goes (`-` for standard output).
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// The document's `info.title`.
    #[arg(long, default_value = "specgate specs")]
    pub title: String,
}

#[derive(Debug, Args, Clone)]
pub struct ImportOpenapiArgs {
    /// The OpenAPI document.
    pub file: PathBuf,
    /// Directory for the specs (`schemas/` goes inside it).
    #[arg(long, default_value = "specs")]
    pub out: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct DeriveArgs {
    /// The API reference page.
    pub doc: PathBuf,
    /// Write the skeleton here instead of to standard output (only when the page reads cleanly).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Compare the page with this spec instead of writing a skeleton: what the page has that
    /// the spec lacks, and the reverse (parameters, response fields, status codes). Given
    /// another vendor's page instead (any file but `.yaml`/`.yml`), compare the two pages
    /// element by element: presence, type, required, stated values, default, each cited on
    /// both sides. Exits 1 when they differ.
    #[arg(long, value_name = "SPEC|PAGE", conflicts_with = "out")]
    pub check: Option<PathBuf>,
    /// Output of `--check`.
    #[arg(long, value_enum, default_value = "text", requires = "check")]
    pub format: DocOutput,
}

#[derive(Debug, Args, Clone)]
pub struct LintDocsArgs {
    /// API reference pages, or directories of them; pages of the same endpoint are also
    /// compared with each other.
    #[arg(required = true)]
    pub docs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DocOutput,
}

/// Output of `derive --check` and `lint-docs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocOutput {
    Text,
    Json,
}
