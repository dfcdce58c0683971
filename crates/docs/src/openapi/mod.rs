//! OpenAPI in and out: export loaded specs as one OpenAPI 3.1 document (`export`), and turn an
//! OpenAPI 3.0/3.1 or Swagger 2.0 document into spec files (`import`).
//!
//! What OpenAPI cannot say (levels, citations, cases, pagination and filter invariants) travels
//! in `x-specgate-*` extensions, which the importer reads back.

pub(crate) mod bundle;
pub mod command;
pub mod export;
pub mod import;
