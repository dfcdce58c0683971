//! JSON as specgate reads it, behind one API: a response body that gives the cheapest form a
//! check can read ([`Body`]), read onto a tape once ([`tape`]), read into a `serde_json::Value`
//! keeping only what a check needs ([`reader`]), and checked against a JSON Schema compiled into
//! an outline for the tape ([`schema`]).

pub mod body;
pub mod reader;
pub mod schema;
pub mod tape;

pub use body::Body;
