//! Proposed `pagination:` and `filters:` blocks, written commented out: the paging is a guess
//! from parameter and field names, to be confirmed against the API before it is enabled. The
//! filters are proposed as `derive` proposes them (`crate::proposal`): a filter whose rule the
//! document states is ready to enable with the block; a guessed one stays commented out in it.

use serde_json::{json, Map, Value};

use super::context::{type_of, yaml, Context, Param};
use super::node::Node;
use super::Problems;
use crate::proposal::{Candidate, Filter};

const MARKERS: [&str; 10] = [
    "marker",
    "cursor",
    "after",
    "starting_after",
    "page_token",
    "pageToken",
    "next_token",
    "nextToken",
    "continuation_token",
    "continuationToken",
];
const LIMITS: [&str; 9] = ["limit", "per_page", "page_size", "pageSize", "max_results", "maxResults", "count", "size", "$top"];
const PAGES: [&str; 4] = ["page", "offset", "skip", "$skip"];

/// The commented-out proposals for one operation (empty when nothing looks paged).
pub(crate) fn propose(cx: &Context, params: &[Param], success: Option<&Node>, section: &str, problems: &mut Problems) -> String {
    let query: Vec<&Param> = params.iter().filter(|p| p.location == "query").collect();
    let find = |names: &[&str]| query.iter().find(|p| names.contains(&p.name.as_str())).map(|p| p.name.clone());
    let (marker, limit, page) = (find(&MARKERS), find(&LIMITS), find(&PAGES));
    if marker.is_none() && limit.is_none() && page.is_none() {
        return String::new();
    }
    let body = success.and_then(|s| cx.resolve(s, problems));
    let (items, item) = match body {
        Some(b) if type_of(b) == Some("array") => (String::new(), b.get("items").and_then(|i| cx.resolve(i, problems))),
        Some(b) => match properties(cx, b, problems).into_iter().find(|(_, s)| type_of(s) == Some("array")) {
            Some((name, s)) => (format!("/{name}"), s.get("items").and_then(|i| cx.resolve(i, problems))),
            None => (String::new(), None),
        },
        None => (String::new(), None),
    };
    let fields: Vec<(String, &Node)> = item.map(|i| properties(cx, i, problems)).unwrap_or_default();
    let top: Vec<String> = body.map(|b| properties(cx, b, problems).into_iter().map(|(n, _)| n).collect()).unwrap_or_default();

    let mut out = String::from("\n# PROPOSED by `specgate import` from parameter and field names (");
    out.push_str(&format!("{} § {section}).\n", cx.cite));
    let Some(marker) = marker else {
        out.push_str(&format!(
            "# This operation pages with `{}`; specgate's pagination: block walks marker/cursor paging, so none is proposed.\n",
            page.or(limit).unwrap_or_default()
        ));
        return out;
    };
    out.push_str("# Confirm `items`, `id`, the parameter names and the next link against the API's documentation,\n");
    out.push_str("# then uncomment. `filters:` needs the `pagination:` block.\n");
    let mut pagination = Map::new();
    pagination.insert("doc".into(), json!({"file": cx.cite, "section": format!("{section}.parameters")}));
    pagination.insert("items".into(), json!(items));
    let id = fields.iter().map(|(n, _)| n.as_str()).find(|n| matches!(*n, "id" | "ID" | "uuid" | "key")).unwrap_or("id");
    pagination.insert("id".into(), json!(format!("/{id}")));
    pagination.insert("marker".into(), json!(marker));
    if let Some(l) = &limit {
        pagination.insert("limit".into(), json!(l));
    }
    if let Some(next) = top.iter().find(|n| matches!(n.as_str(), "next" | "next_url" | "nextLink" | "@odata.nextLink")) {
        pagination.insert("next".into(), json!({"style": "href", "pointer": format!("/{next}")}));
    } else if let Some(links) = top.iter().find(|n| n.ends_with("links") || n.ends_with("_links")) {
        pagination.insert("next".into(), json!({"style": "links", "pointer": format!("/{links}")}));
    }
    let text = yaml(&json!({"pagination": Value::Object(pagination)}));

    let filters: Vec<Filter> = query
        .iter()
        .filter(|p| Some(&p.name) != Some(&marker) && Some(&p.name) != limit.as_ref())
        .filter_map(|p| {
            let name = crate::proposal::field_of(&p.name, |n| fields.iter().any(|(f, _)| f == n))?;
            let (name, field) = fields.iter().find(|(n, _)| *n == name)?;
            let text = [p.node.get("description"), p.schema.and_then(|s| s.get("description"))]
                .into_iter()
                .flatten()
                .filter_map(Node::str)
                .collect::<Vec<_>>()
                .join("\n");
            let doc = (cx.cite.to_string(), format!("{section}.parameters.{}", p.name));
            Some(crate::proposal::propose(&Candidate { param: &p.name, field: name, field_type: type_of(field), text: &text, doc }))
        })
        .collect();
    for line in text.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    // Commented out as a whole with the `pagination:` proposal it needs.
    out.push('\n');
    out.push_str(&crate::proposal::render(&filters, (cx.cite, &format!("{section}.parameters")), "the document", false));
    out
}

/// The properties of an object schema, through `$ref`s and `allOf`.
fn properties<'a>(cx: &Context<'a>, schema: &'a Node, problems: &mut Problems) -> Vec<(String, &'a Node)> {
    let mut out = Vec::new();
    if let Some(props) = schema.get("properties") {
        for (name, s) in props.entries() {
            if let Some(s) = cx.resolve(s, problems) {
                out.push((name.clone(), s));
            }
        }
    }
    for part in schema.get("allOf").map(Node::items).unwrap_or_default() {
        if let Some(p) = cx.resolve(part, problems) {
            if !std::ptr::eq(p, schema) {
                out.extend(properties(cx, p, problems));
            }
        }
    }
    out
}
