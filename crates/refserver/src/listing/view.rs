//! Who is listing: one project, or an administrator.

/// The identity a listing is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewer {
    /// A project, by its owner index in the catalogue.
    Project(u8),
    /// An administrator.
    Admin,
}
