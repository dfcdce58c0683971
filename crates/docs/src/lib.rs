//! specgate's doc tools: a spec skeleton derived from an API reference page (`derive`), the
//! defects of such pages (`lint`), and OpenAPI documents both ways (`openapi`). They read the
//! spec format and write specs; the one proposal rule for filters serves derive and import.

pub mod args;
pub mod derive;
pub mod lint;
pub mod openapi;
pub mod proposal;

// What the tools read of the engine: exit codes, the schema walk of the coverage inventory
// and the schema check of a page's examples.
use specgate_engine::{check, coverage, exit};
use specgate_spec as spec;
