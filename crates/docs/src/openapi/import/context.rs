//! What converting one operation reads: the document (with `$ref`s followed), the operation's
//! parameters, and the small readers of schemas both the operation and its proposals use.

use serde_json::Value;

use super::node::{Kind, Node};
use super::Problems;

pub(crate) struct Context<'a> {
    pub root: &'a Node,
    pub v30: bool,
    /// The document's file name, for citations.
    pub cite: &'a str,
}

/// A parameter as the operation sees it (path-level ones merged, `$ref`s followed).
pub(crate) struct Param<'a> {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub node: &'a Node,
    /// The parameter's schema, `$ref`s followed.
    pub schema: Option<&'a Node>,
}

impl<'a> Context<'a> {
    /// Follow `$ref`s to the node they name; `None` (with an error) if one cannot be followed.
    pub(crate) fn resolve(&self, node: &'a Node, problems: &mut Problems) -> Option<&'a Node> {
        let mut current = node;
        let mut chain = Vec::new();
        while let Some(target) = current.get("$ref").and_then(Node::str) {
            if chain.iter().any(|t| t == target) || chain.len() > 32 {
                chain.push(target.to_string());
                problems.at(node, format!("circular `$ref`: {}", chain.join(" → ")), None);
                return None;
            }
            chain.push(target.to_string());
            match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(n) => current = n,
                None => {
                    let hint = if target.starts_with('#') { "no node at that JSON pointer" } else { super::EXTERNAL_REF_HINT };
                    problems.at(current, format!("unresolvable `$ref: {target}`"), Some(hint.into()));
                    return None;
                }
            }
        }
        Some(current)
    }
}

pub(crate) fn type_of(schema: &Node) -> Option<&str> {
    match schema.get("type").map(|t| &t.kind) {
        Some(Kind::Str(s)) => Some(s),
        Some(Kind::Seq(v)) => v.iter().filter_map(Node::str).find(|t| *t != "null"),
        _ => None,
    }
}

pub(crate) fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).expect("a JSON value serializes as YAML")
}
