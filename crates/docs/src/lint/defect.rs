//! One defect of a documentation page: what is wrong, where (file, section, row, line), and
//! the other place it disagrees with, if any.

use serde::Serialize;

/// What kind of defect: one name per rule, the same string in text and JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectKind {
    /// The example's key differs from the table's name for it (`image` vs `images`).
    WrapperKey,
    /// A field the table declares is absent from the example.
    MissingField,
    /// A key in the example that no table declares.
    ExtraField,
    /// The example's value has another JSON type than the table's.
    WrongType,
    /// The example shows `null` where the table promises a type.
    NullWhereTyped,
    /// The example contradicts a constraint the description states ("大于0", a list of values).
    ConstraintContradicted,
    /// The URI template's placeholder does not name its parameter (`minDisk={inDisk}`), or
    /// names a parameter no table describes.
    UriTemplate,
    /// A sort key the description lists is not a response field, but one is spelt closely.
    MisspeltSortKey,
    /// The stated default is not among the values the same description allows.
    DefaultNotAllowed,
    /// The description's own example sentence contradicts the operator it uses.
    OperatorExample,
    /// A request parameter and the response field of the same name state different values
    /// or defaults on the same page.
    TablesDisagree,
    /// Two pages of the same endpoint disagree.
    PagesDisagree,
}

impl DefectKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DefectKind::WrapperKey => "wrapper_key",
            DefectKind::MissingField => "missing_field",
            DefectKind::ExtraField => "extra_field",
            DefectKind::WrongType => "wrong_type",
            DefectKind::NullWhereTyped => "null_where_typed",
            DefectKind::ConstraintContradicted => "constraint_contradicted",
            DefectKind::UriTemplate => "uri_template",
            DefectKind::MisspeltSortKey => "misspelt_sort_key",
            DefectKind::DefaultNotAllowed => "default_not_allowed",
            DefectKind::OperatorExample => "operator_example",
            DefectKind::TablesDisagree => "tables_disagree",
            DefectKind::PagesDisagree => "pages_disagree",
        }
    }
}

/// A place on a page: the file, the section or table, the row (a name or a JSON path) and
/// the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub file: String,
    pub section: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    pub line: usize,
}

impl Place {
    pub(crate) fn of(cite: &crate::derive::skeleton::Cite) -> Place {
        Place { file: cite.file.clone(), section: cite.table.clone(), row: Some(cite.row.clone()), line: cite.line }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} § {}", self.file, self.line, self.section)?;
        if let Some(r) = &self.row {
            write!(f, ", row `{r}`")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Defect {
    pub kind: DefectKind,
    pub at: Place,
    pub message: String,
    /// The other side: the table row an example contradicts, or the other page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<Place>,
}
