//! Swagger 2.0 → OpenAPI 3.0, on the located tree: the rest of the import then reads the
//! upgraded document as it reads any 3.0 one, and every node keeps the line and column it had in
//! the Swagger file, so errors and warnings still point into the document the user holds.
//!
//! Why not a crate: the Rust crates that read 2.0 (`roas`, `sw4rm-rs`, `openapi-schema`) parse it
//! into typed models without positions and convert nothing; `openapiv3` and `oas3` read 3.x only.

use super::node::{Kind, Node};
use super::Problems;
use crate::spec::error::Pos;

/// Media type for bodies and responses when neither the operation nor the document says
/// (`consumes`/`produces` have no default in 2.0; JSON is what nearly all such APIs serve).
const JSON: &str = "application/json";

/// The OpenAPI 3.0 document equivalent to the Swagger 2.0 `root`. What 3.0 cannot say is a
/// located warning; what cannot be converted at all is a located error.
pub(crate) fn upgrade(root: &Node, problems: &mut Problems) -> Node {
    let produces = media_list(root.get("produces"));
    let consumes = media_list(root.get("consumes"));
    let upgrader = Upgrader { root, produces, consumes };
    let mut out = Vec::new();
    let version_at = root.get("swagger").map(|s| s.pos).unwrap_or(root.pos);
    out.push(("openapi".to_string(), text(version_at, "3.0.3")));
    for (key, value) in root.entries() {
        match key.as_str() {
            "swagger" | "host" | "basePath" | "schemes" | "produces" | "consumes" => {}
            "definitions" => {}
            "parameters" | "responses" | "securityDefinitions" => {}
            "paths" => out.push((key.clone(), upgrader.paths(value, problems))),
            _ => out.push((key.clone(), refs(value))),
        }
    }
    if let Some(servers) = servers(root) {
        out.push(("servers".into(), servers));
    }
    let mut components = Vec::new();
    if let Some(defs) = root.get("definitions") {
        let schemas = defs.entries().iter().map(|(name, s)| (name.clone(), schema(s))).collect();
        components.push(("schemas".to_string(), Node { pos: defs.pos, kind: Kind::Map(schemas) }));
    }
    if let Some(params) = root.get("parameters") {
        let (mut plain, mut bodies) = (Vec::new(), Vec::new());
        for (name, p) in params.entries() {
            match p.get("in").and_then(Node::str) {
                Some("body") => bodies.push((name.clone(), upgrader.body(p, &upgrader.consumes, problems))),
                Some("formData") => bodies.push((name.clone(), upgrader.form(&[p], &upgrader.consumes))),
                _ => plain.push((name.clone(), upgrader.parameter(p, problems))),
            }
        }
        components.push(("parameters".to_string(), Node { pos: params.pos, kind: Kind::Map(plain) }));
        if !bodies.is_empty() {
            components.push(("requestBodies".to_string(), Node { pos: params.pos, kind: Kind::Map(bodies) }));
        }
    }
    if let Some(responses) = root.get("responses") {
        let converted = responses.entries().iter().map(|(name, r)| (name.clone(), upgrader.response(r, &upgrader.produces))).collect();
        components.push(("responses".to_string(), Node { pos: responses.pos, kind: Kind::Map(converted) }));
    }
    if let Some(schemes) = root.get("securityDefinitions") {
        let converted = schemes.entries().iter().map(|(name, s)| (name.clone(), security_scheme(s, problems))).collect();
        components.push(("securitySchemes".to_string(), Node { pos: schemes.pos, kind: Kind::Map(converted) }));
    }
    if !components.is_empty() {
        out.push(("components".into(), Node { pos: root.pos, kind: Kind::Map(components) }));
    }
    Node { pos: root.pos, kind: Kind::Map(out) }
}

struct Upgrader<'a> {
    root: &'a Node,
    produces: Vec<String>,
    consumes: Vec<String>,
}

impl Upgrader<'_> {
    fn paths(&self, paths: &Node, problems: &mut Problems) -> Node {
        let items = paths
            .entries()
            .iter()
            .map(
                |(path, item)| {
                    if path.starts_with("x-") {
                        (path.clone(), item.clone())
                    } else {
                        (path.clone(), self.path_item(item, problems))
                    }
                },
            )
            .collect();
        Node { pos: paths.pos, kind: Kind::Map(items) }
    }

    fn path_item(&self, item: &Node, problems: &mut Problems) -> Node {
        // Body and form parameters declared for the whole path belong to each operation's body.
        let shared: Vec<&Node> = item.get("parameters").map(Node::items).unwrap_or_default().iter().collect();
        let mut out = Vec::new();
        for (key, value) in item.entries() {
            match key.as_str() {
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" => {
                    out.push((key.clone(), self.operation(value, &shared, problems)));
                }
                "parameters" => out.push((key.clone(), self.plain_parameters(value, problems))),
                _ => out.push((key.clone(), refs(value))),
            }
        }
        Node { pos: item.pos, kind: Kind::Map(out) }
    }

    /// A `parameters` list without its body and form parameters (they become the request body).
    fn plain_parameters(&self, list: &Node, problems: &mut Problems) -> Node {
        let kept = list
            .items()
            .iter()
            .filter(|p| !matches!(self.param_in(p), Some("body" | "formData")))
            .map(|p| self.parameter(p, problems))
            .collect();
        Node { pos: list.pos, kind: Kind::Seq(kept) }
    }

    /// Where a parameter goes (`in`), following a `$ref` to `#/parameters/...`.
    fn param_in<'n>(&'n self, p: &'n Node) -> Option<&'n str> {
        self.target(p).get("in").and_then(Node::str)
    }

    /// The node a local `$ref` names in the Swagger document (the node itself without one).
    fn target<'n>(&'n self, node: &'n Node) -> &'n Node {
        let mut current = node;
        for _ in 0..32 {
            match current.get("$ref").and_then(Node::str).and_then(|r| r.strip_prefix('#')).and_then(|p| self.root.pointer(p)) {
                Some(n) => current = n,
                None => break,
            }
        }
        current
    }

    fn operation(&self, op: &Node, shared: &[&Node], problems: &mut Problems) -> Node {
        let produces = op.get("produces").map(|p| media_list(Some(p))).unwrap_or_else(|| self.produces.clone());
        let consumes = op.get("consumes").map(|c| media_list(Some(c))).unwrap_or_else(|| self.consumes.clone());
        let own: Vec<&Node> = op.get("parameters").map(Node::items).unwrap_or_default().iter().collect();
        // Operation parameters override path ones of the same name and place.
        let key = |p: &Node| {
            let t = self.target(p);
            (t.get("name").and_then(Node::str).map(str::to_owned), t.get("in").and_then(Node::str).map(str::to_owned))
        };
        let all: Vec<&Node> = shared.iter().copied().filter(|s| !own.iter().any(|o| key(o) == key(s))).chain(own.iter().copied()).collect();
        let bodies: Vec<&Node> = all.iter().copied().filter(|p| self.param_in(p) == Some("body")).collect();
        let forms: Vec<&Node> = all.iter().copied().filter(|p| self.param_in(p) == Some("formData")).collect();

        let mut out = Vec::new();
        for (k, v) in op.entries() {
            match k.as_str() {
                "produces" | "consumes" | "schemes" => {}
                "parameters" => out.push((k.clone(), self.plain_parameters(v, problems))),
                "responses" => {
                    let converted = v
                        .entries()
                        .iter()
                        .map(|(code, r)| (code.clone(), if code.starts_with("x-") { r.clone() } else { self.response(r, &produces) }))
                        .collect();
                    out.push((k.clone(), Node { pos: v.pos, kind: Kind::Map(converted) }));
                }
                _ => out.push((k.clone(), refs(v))),
            }
        }
        if bodies.len() > 1 {
            problems.at(bodies[1], "a second `in: body` parameter", Some("Swagger 2.0 allows one body parameter per operation".into()));
        }
        if let (Some(body), Some(form)) = (bodies.first(), forms.first()) {
            problems.at(
                form,
                "`in: formData` beside an `in: body` parameter",
                Some(format!("Swagger 2.0 allows one or the other; the body parameter is at line {}", body.pos.line)),
            );
        } else if let Some(body) = bodies.first() {
            let converted = match body.get("$ref").and_then(Node::str) {
                // A shared body parameter became a shared request body.
                Some(r) => reference(body.pos, &r.replacen("#/parameters/", "#/components/requestBodies/", 1)),
                None => self.body(body, &consumes, problems),
            };
            out.push(("requestBody".into(), converted));
        } else if !forms.is_empty() {
            out.push(("requestBody".into(), self.form(&forms, &consumes)));
        }
        Node { pos: op.pos, kind: Kind::Map(out) }
    }

    /// A query, path or header parameter: its type keywords move into `schema`,
    /// `collectionFormat` becomes `style`/`explode`.
    fn parameter(&self, p: &Node, problems: &mut Problems) -> Node {
        if let Some(r) = p.get("$ref").and_then(Node::str) {
            return reference(p.pos, &rewrite(r));
        }
        let location = p.get("in").and_then(Node::str).unwrap_or("");
        let mut out = Vec::new();
        let mut schema_entries = Vec::new();
        for (k, v) in p.entries() {
            match k.as_str() {
                "name" | "in" | "description" | "required" | "allowEmptyValue" => out.push((k.clone(), v.clone())),
                "x-example" => out.push(("example".into(), v.clone())),
                "collectionFormat" => {
                    if let Some(style) = collection_format(v, location, problems) {
                        out.extend(style);
                    }
                }
                "schema" => out.push((k.clone(), schema(v))),
                _ if k.starts_with("x-") => out.push((k.clone(), v.clone())),
                _ => schema_entries.push((k.clone(), v.clone())),
            }
        }
        if !schema_entries.is_empty() {
            out.push(("schema".into(), schema(&Node { pos: p.pos, kind: Kind::Map(schema_entries) })));
        }
        Node { pos: p.pos, kind: Kind::Map(out) }
    }

    /// `in: body` → a request body with the parameter's schema under each media type it accepts.
    fn body(&self, p: &Node, consumes: &[String], problems: &mut Problems) -> Node {
        let Some(s) = p.get("schema") else {
            problems.at(p, "`in: body` parameter without `schema`", Some("a body parameter declares its schema under `schema`".into()));
            return Node { pos: p.pos, kind: Kind::Map(Vec::new()) };
        };
        let media = if consumes.is_empty() { vec![JSON.to_string()] } else { consumes.to_vec() };
        let content = media.iter().map(|m| (m.clone(), map(s.pos, vec![("schema", schema(s))]))).collect();
        let mut out = vec![("content".to_string(), Node { pos: p.pos, kind: Kind::Map(content) })];
        for key in ["description", "required"] {
            if let Some(v) = p.get(key) {
                out.push((key.to_string(), v.clone()));
            }
        }
        Node { pos: p.pos, kind: Kind::Map(out) }
    }

    /// `in: formData` parameters → one request body whose object schema has a property each.
    fn form(&self, params: &[&Node], consumes: &[String]) -> Node {
        let at = params[0].pos;
        let mut properties = Vec::new();
        let mut required = Vec::new();
        let mut file = false;
        for p in params {
            let p = self.target(p);
            let Some(name) = p.get("name").and_then(Node::str) else { continue };
            let entries: Vec<(String, Node)> = p
                .entries()
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "name" | "in" | "required" | "collectionFormat" | "allowEmptyValue"))
                .cloned()
                .collect();
            file |= p.get("type").and_then(Node::str) == Some("file");
            properties.push((name.to_string(), schema(&Node { pos: p.pos, kind: Kind::Map(entries) })));
            if matches!(p.get("required").map(|r| &r.kind), Some(Kind::Bool(true))) {
                required.push(text(p.pos, name));
            }
        }
        let mut object =
            vec![("type".to_string(), text(at, "object")), ("properties".to_string(), Node { pos: at, kind: Kind::Map(properties) })];
        if !required.is_empty() {
            object.push(("required".into(), Node { pos: at, kind: Kind::Seq(required) }));
        }
        let object = Node { pos: at, kind: Kind::Map(object) };
        let forms: Vec<String> = consumes.iter().filter(|m| m.contains("form")).cloned().collect();
        let media = match forms.is_empty() {
            true if file => vec!["multipart/form-data".to_string()],
            true => vec!["application/x-www-form-urlencoded".to_string()],
            false => forms,
        };
        let content = media.into_iter().map(|m| (m, map(at, vec![("schema", object.clone())]))).collect();
        map(at, vec![("content", Node { pos: at, kind: Kind::Map(content) })])
    }

    /// A response: `schema` (and `examples` by media type) under each media type produced;
    /// headers' type keywords under `schema`.
    fn response(&self, r: &Node, produces: &[String]) -> Node {
        if let Some(target) = r.get("$ref").and_then(Node::str) {
            return reference(r.pos, &rewrite(target));
        }
        let mut out = Vec::new();
        for (k, v) in r.entries() {
            match k.as_str() {
                "schema" | "examples" => {}
                "headers" => {
                    let headers = v
                        .entries()
                        .iter()
                        .map(|(name, h)| {
                            let (doc, kinds): (Vec<_>, Vec<_>) =
                                h.entries().iter().cloned().partition(|(k, _)| k == "description" || k.starts_with("x-"));
                            let mut entries = doc;
                            entries.push(("schema".into(), schema(&Node { pos: h.pos, kind: Kind::Map(kinds) })));
                            (name.clone(), Node { pos: h.pos, kind: Kind::Map(entries) })
                        })
                        .collect();
                    out.push((k.clone(), Node { pos: v.pos, kind: Kind::Map(headers) }));
                }
                _ => out.push((k.clone(), refs(v))),
            }
        }
        let examples = r.get("examples");
        let mut media: Vec<String> = if produces.is_empty() { vec![JSON.to_string()] } else { produces.to_vec() };
        for (m, _) in examples.map(Node::entries).unwrap_or_default() {
            if !media.contains(m) {
                media.push(m.clone());
            }
        }
        let body = r.get("schema");
        if body.is_some() || examples.is_some() {
            let content = media
                .iter()
                .filter_map(|m| {
                    let mut entries = Vec::new();
                    if let Some(s) = body {
                        entries.push(("schema".to_string(), schema(s)));
                    }
                    if let Some(x) = examples.and_then(|e| e.get(m)) {
                        entries.push(("example".to_string(), x.clone()));
                    }
                    (!entries.is_empty())
                        .then(|| (m.clone(), Node { pos: body.or(examples).map(|n| n.pos).unwrap_or(r.pos), kind: Kind::Map(entries) }))
                })
                .collect();
            out.push(("content".into(), Node { pos: r.pos, kind: Kind::Map(content) }));
        }
        Node { pos: r.pos, kind: Kind::Map(out) }
    }
}

/// `host`, `basePath` and `schemes` → one server per scheme.
fn servers(root: &Node) -> Option<Node> {
    let host = root.get("host").and_then(Node::str);
    let base = root.get("basePath").and_then(Node::str).unwrap_or("");
    if host.is_none() && base.is_empty() {
        return None;
    }
    let at = root.get("host").or(root.get("basePath")).map(|n| n.pos).unwrap_or(root.pos);
    let base = base.trim_end_matches('/');
    let urls: Vec<String> = match host {
        Some(host) => {
            let schemes: Vec<&str> = root.get("schemes").map(Node::items).unwrap_or_default().iter().filter_map(Node::str).collect();
            // Without `schemes`, the document is served by the scheme that serves it: HTTPS today.
            let schemes = if schemes.is_empty() { vec!["https"] } else { schemes };
            schemes.iter().map(|s| format!("{s}://{host}{base}")).collect()
        }
        None => vec![if base.is_empty() { "/".to_string() } else { base.to_string() }],
    };
    let list = urls.iter().map(|u| map(at, vec![("url", text(at, u))])).collect();
    Some(Node { pos: at, kind: Kind::Seq(list) })
}

/// `collectionFormat` → the 3.0 `style`/`explode` pair for the parameter's place.
fn collection_format(v: &Node, location: &str, problems: &mut Problems) -> Option<Vec<(String, Node)>> {
    let at = v.pos;
    let form = matches!(location, "query" | "formData");
    let (style, explode) = match v.str() {
        Some("csv") | None => (if form { "form" } else { "simple" }, false),
        Some("multi") => ("form", true),
        Some("ssv") => ("spaceDelimited", false),
        Some("pipes") => ("pipeDelimited", false),
        Some(other) => {
            problems.warn(
                v,
                format!("`collectionFormat: {other}` has no OpenAPI 3 equivalent; the parameter is imported with the default style"),
                "OpenAPI 3 serializes arrays as csv (`form`/`simple`), `multi` (`explode`), `ssv` and `pipes` only",
            );
            return None;
        }
    };
    Some(vec![("style".into(), text(at, style)), ("explode".into(), Node { pos: at, kind: Kind::Bool(explode) })])
}

/// Swagger 2.0 security definitions → 3.0 security schemes.
fn security_scheme(s: &Node, problems: &mut Problems) -> Node {
    let kind = s.get("type").and_then(Node::str).unwrap_or("");
    let at = s.pos;
    let mut out: Vec<(String, Node)> = Vec::new();
    match kind {
        "basic" => {
            out.push(("type".into(), text(at, "http")));
            out.push(("scheme".into(), text(at, "basic")));
        }
        "oauth2" => {
            out.push(("type".into(), text(at, "oauth2")));
            let flow = match s.get("flow").and_then(Node::str) {
                Some("implicit") => "implicit",
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => {
                    problems.warn(
                        s.get("flow").unwrap_or(s),
                        "OAuth2 security definition without a known `flow`",
                        "use implicit, password, application or accessCode",
                    );
                    "implicit"
                }
            };
            let mut details = Vec::new();
            for key in ["authorizationUrl", "tokenUrl", "scopes"] {
                if let Some(v) = s.get(key) {
                    details.push((key.to_string(), v.clone()));
                }
            }
            if s.get("scopes").is_none() {
                details.push(("scopes".into(), Node { pos: at, kind: Kind::Map(Vec::new()) }));
            }
            let flows = vec![(flow.to_string(), Node { pos: at, kind: Kind::Map(details) })];
            out.push(("flows".into(), Node { pos: at, kind: Kind::Map(flows) }));
        }
        _ => {
            return refs(s);
        }
    }
    for (k, v) in s.entries() {
        if k == "description" || k.starts_with("x-") {
            out.push((k.clone(), v.clone()));
        }
    }
    Node { pos: at, kind: Kind::Map(out) }
}

/// A Swagger 2.0 schema in 3.0 terms: `x-nullable` → `nullable`, `type: file` → binary
/// string, a `discriminator` name → `{propertyName}`, references rewritten.
fn schema(node: &Node) -> Node {
    schema_at(node, 0)
}

fn schema_at(node: &Node, depth: usize) -> Node {
    if depth > 200 {
        return node.clone();
    }
    let walk = |n: &Node| schema_at(n, depth + 1);
    let kind = match &node.kind {
        Kind::Map(entries) => {
            let file = node.get("type").filter(|t| t.str() == Some("file"));
            let mut out: Vec<(String, Node)> = entries
                .iter()
                .filter(|(k, _)| !(file.is_some() && k == "format"))
                .map(|(k, v)| match k.as_str() {
                    "$ref" => (k.clone(), v.str().map(|r| text(v.pos, &rewrite(r))).unwrap_or_else(|| v.clone())),
                    "x-nullable" => ("nullable".into(), v.clone()),
                    "type" if file.is_some() => (k.clone(), text(v.pos, "string")),
                    "discriminator" if v.str().is_some() => (k.clone(), map(v.pos, vec![("propertyName", v.clone())])),
                    "properties" | "definitions" | "patternProperties" if matches!(v.kind, Kind::Map(_)) => {
                        let named = v.entries().iter().map(|(name, s)| (name.clone(), walk(s))).collect();
                        (k.clone(), Node { pos: v.pos, kind: Kind::Map(named) })
                    }
                    "enum" | "default" | "example" | "required" | "examples" => (k.clone(), v.clone()),
                    _ if k.starts_with("x-") => (k.clone(), v.clone()),
                    _ => (k.clone(), walk(v)),
                })
                .collect();
            // A file is binary content: 3.0 says so with a format.
            if let Some(t) = file {
                out.push(("format".into(), text(t.pos, "binary")));
            }
            Kind::Map(out)
        }
        Kind::Seq(items) => Kind::Seq(items.iter().map(walk).collect()),
        other => other.clone(),
    };
    Node { pos: node.pos, kind }
}

/// Every `$ref` under `node` rewritten to the 3.0 place of its target.
fn refs(node: &Node) -> Node {
    let kind = match &node.kind {
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| match (k.as_str(), v.str()) {
                    ("$ref", Some(r)) => (k.clone(), text(v.pos, &rewrite(r))),
                    _ => (k.clone(), refs(v)),
                })
                .collect(),
        ),
        Kind::Seq(items) => Kind::Seq(items.iter().map(refs).collect()),
        other => other.clone(),
    };
    Node { pos: node.pos, kind }
}

/// `#/definitions/X` → `#/components/schemas/X`, and so for parameters and responses.
fn rewrite(target: &str) -> String {
    for (from, to) in [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ] {
        if let Some(rest) = target.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    target.to_string()
}

fn media_list(node: Option<&Node>) -> Vec<String> {
    node.map(Node::items).unwrap_or_default().iter().filter_map(Node::str).map(str::to_owned).collect()
}

fn text(pos: Pos, s: &str) -> Node {
    Node { pos, kind: Kind::Str(s.to_string()) }
}

fn reference(pos: Pos, target: &str) -> Node {
    map(pos, vec![("$ref", text(pos, target))])
}

fn map(pos: Pos, entries: Vec<(&str, Node)>) -> Node {
    Node { pos, kind: Kind::Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()) }
}
