//! Specs: the YAML format (`model`), its loader (`load`) and spanned errors (`error`).

pub(crate) mod catalog;
pub mod equivalence;
pub mod error;
mod files;
pub mod isolation;
pub mod load;
pub mod model;
mod recover;

pub use catalog::TapeValidator;
pub use error::SpecError;
pub use load::{load_all, Schema, Spec};
