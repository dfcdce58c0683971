//! One read-only operation → one spec: the request (path variables as `vars`), a case for the
//! success response and one per 4xx the parameters' own constraints can provoke.

use serde_json::{json, Map, Value};

use super::context::{type_of, yaml, Context, Param};
use super::node::{Kind, Node};
use super::schema::{file_name, Converter};
use super::{proposal, Problems};
use crate::spec::SpecError;

impl<'a> Context<'a> {
    fn params(&self, item: &'a Node, op: &'a Node, problems: &mut Problems) -> Vec<Param<'a>> {
        let mut out: Vec<Param> = Vec::new();
        for list in [item.get("parameters"), op.get("parameters")].into_iter().flatten() {
            for p in list.items() {
                let Some(p) = self.resolve(p, problems) else { continue };
                let (Some(name), Some(location)) = (p.get("name").and_then(Node::str), p.get("in").and_then(Node::str)) else {
                    problems.at(p, "parameter without `name` and `in`", None);
                    continue;
                };
                let schema = p.get("schema").and_then(|s| self.resolve(s, problems));
                let param = Param {
                    name: name.to_string(),
                    location: location.to_string(),
                    required: matches!(p.get("required").map(|r| &r.kind), Some(Kind::Bool(true))) || location == "path",
                    node: p,
                    schema,
                };
                // Operation-level parameters override path-level ones of the same name and place.
                out.retain(|q| !(q.name == param.name && q.location == param.location));
                out.push(param);
            }
        }
        out
    }

    /// The spec for `method` on `path`: (file stem, YAML text).
    /// `Err`: the operation cannot be checked by specgate (a located reason, not a defect of the
    /// document); `Ok(None)`: the document is at fault, and `problems` says where.
    pub(crate) fn spec(
        &self,
        path: &str,
        method: &str,
        item: &'a Node,
        op: &'a Node,
        problems: &mut Problems,
    ) -> Result<Option<(String, String)>, SpecError> {
        let section = format!("paths.{path}.{method}");
        let cite = |s: &str| json!({"file": self.cite, "section": s});
        if op.get("x-specgate-cases").is_some() {
            return Ok(Some(self.restore(op, &section)));
        }
        let params = self.params(item, op, problems);
        let responses = op.get("responses");
        let converter = Converter::new(self.root, self.v30, "schemas/");

        let mut vars = Map::new();
        let mut request = Map::new();
        let mut query = Map::new();
        let mut headers = Map::new();
        let mut needs_var = Vec::new();
        for p in &params {
            let value = example(p.node, p.schema, self.root);
            let described = p.node.get("description").and_then(Node::str).unwrap_or("").trim().to_string();
            match p.location.as_str() {
                "path" => {
                    let mut v = json!({"description": format!("{described} ({} § {section}.parameters.{})", self.cite, p.name).trim_start().to_string()});
                    // Only a value the document gives: a built one (`x`, `1`) names no resource,
                    // and every case would fail on it instead of asking for `--var`.
                    match documented(p.node, p.schema) {
                        Some(x) => v["default"] = json!(scalar_text(&x)),
                        None => needs_var.push(p.name.clone()),
                    }
                    vars.insert(p.name.clone(), v);
                }
                "query" if p.required => match value.map(|x| query_values(p, x)) {
                    Some(Some(pairs)) => query.extend(pairs),
                    _ => {
                        let message = format!(
                            "{} {path} skipped: required query parameter `{}` has no value specgate can build",
                            method.to_ascii_uppercase(),
                            p.name
                        );
                        let e = SpecError::new(problems.file, message)
                            .at(problems.source, p.node.pos, 1)
                            .hint("give the parameter an `example` and import again");
                        return Err(e);
                    }
                },
                "header" if p.required => {
                    headers.insert(p.name.clone(), json!(value.as_ref().map(scalar_text).unwrap_or_else(|| "x".into())));
                }
                _ => {}
            }
        }
        // Placeholders the document does not declare still need a variable.
        for name in crate::spec::load::placeholders(path) {
            if !vars.contains_key(name) {
                vars.insert(name.to_string(), json!({"description": format!("undeclared path parameter ({} § {section})", self.cite)}));
                needs_var.push(name.to_string());
            }
        }

        let success = responses.and_then(|r| pick_success(r));
        let media = success.and_then(|(_, r)| self.resolve(r, problems)).and_then(|r| pick_media(r));
        if let Some((m, _)) = &media {
            headers.insert("Accept".into(), json!(m));
        }
        request.insert("method".into(), json!(method.to_ascii_uppercase()));
        request.insert("path".into(), json!(path));
        if !query.is_empty() {
            request.insert("query".into(), Value::Object(query));
        }
        if !headers.is_empty() {
            request.insert("headers".into(), Value::Object(headers));
        }

        let mut cases = Vec::new();
        let mut success_schema = None;
        if let Some((code, _)) = success {
            let mut expect = json!({"status": code});
            if let Some((m, media_node)) = media {
                if method == "get" && !m.contains('*') {
                    expect["content_type"] = json!(m);
                }
                // specgate checks schemas against JSON bodies only.
                if let Some(s) = media_node.get("schema").filter(|_| is_json(&m)) {
                    let schema = converter.convert(s, problems);
                    success_schema = Some(s);
                    expect["schema"] = schema;
                }
            }
            cases.push(
                json!({"name": "ok", "doc": cite(&format!("{section}.responses.{}", status_key(responses, code))), "expect": expect}),
            );
        }
        let rejects = responses.map(|r| rejecting(r)).unwrap_or_default();
        if !rejects.is_empty() {
            for p in params.iter().filter(|p| p.location == "query") {
                for (what, value) in bad_values(p.schema) {
                    let (code, resp) = &rejects[0];
                    let mut expect = json!({"status": rejects.iter().map(|(c, _)| *c).collect::<Vec<_>>()});
                    if rejects.len() == 1 {
                        expect["status"] = json!(code);
                    }
                    if let Some((m, media_node)) = self.resolve(resp, problems).and_then(pick_media) {
                        if !m.contains('*') {
                            expect["content_type"] = json!(m);
                        }
                        if let Some(s) = media_node.get("schema").filter(|_| rejects.len() == 1 && is_json(&m)) {
                            expect["schema"] = converter.convert(s, problems);
                        }
                    }
                    cases.push(json!({
                        "name": format!("bad-{}-{what}", slug(&p.name)),
                        "doc": cite(&format!("{section}.parameters.{}", p.name)),
                        "level": "should",
                        "why": format!("The document constrains `{}` ({what}) and documents {} for bad input; it does not promise the server checks.", p.name, rejects.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>().join("/")),
                        "query": {p.name.clone(): value},
                        "expect": expect,
                    }));
                }
            }
        }

        let title = op
            .get("summary")
            .and_then(Node::str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{} {path}", method.to_ascii_uppercase()));
        let mut spec = Map::new();
        spec.insert("specgate".into(), json!(1));
        spec.insert("title".into(), json!(title.lines().next().unwrap_or("")));
        spec.insert("doc".into(), cite(&section));
        if !vars.is_empty() {
            spec.insert("vars".into(), Value::Object(vars));
        }
        spec.insert("request".into(), Value::Object(request));
        let unchecked = unchecked(responses, &cases, path, &section);
        spec.insert("cases".into(), Value::Array(cases));
        let body = yaml(&Value::Object(spec)) + &unchecked;
        let proposals = proposal::propose(self, &params, success_schema, &section, problems);
        let stem = format!("{}{}", slug(path.trim_matches('/')).trim_matches('-'), if method == "head" { "-head" } else { "" });
        let stem = if stem.is_empty() || stem == "-head" { format!("root{stem}") } else { stem };
        let stem = shorten(stem);
        let mut header =
            format!("# Imported by specgate from {} § {section}. Review the cases and their levels before relying on them.\n", self.cite);
        let security = op.get("security").or_else(|| self.root.get("security"));
        let schemes: Vec<&str> =
            security.map(Node::items).unwrap_or_default().iter().flat_map(|r| r.entries().iter().map(|(k, _)| k.as_str())).collect();
        if !schemes.is_empty() {
            header.push_str(&format!(
                "# The operation needs credentials ({}): pass them with `--header 'NAME: VALUE'` or `--token`, never here.\n",
                schemes.join(", ")
            ));
        }
        if !needs_var.is_empty() {
            let flags: Vec<String> = needs_var.iter().map(|n| format!("--var {n}=VALUE")).collect();
            header.push_str(&format!(
                "# The document gives no example or default for {}: pass {} (the cases need a real value).\n",
                needs_var.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                flags.join(" ")
            ));
        }
        for (scheme, param) in self.query_keys(&schemes) {
            header.push_str(&format!(
                "# `{scheme}` is an API key in the query parameter `{param}`: specgate sends credentials as headers only, so these cases run without it.\n"
            ));
        }
        Ok(Some((stem, format!("{header}{body}{proposals}"))))
    }

    /// The security schemes among `schemes` that put an API key in the query: (scheme, parameter).
    pub(crate) fn query_keys<'s>(&self, schemes: &[&'s str]) -> Vec<(&'s str, &'a str)> {
        schemes
            .iter()
            .filter_map(|name| {
                let scheme = self.root.get("components")?.get("securitySchemes")?.get(name)?;
                let is_query_key =
                    scheme.get("type").and_then(Node::str) == Some("apiKey") && scheme.get("in").and_then(Node::str) == Some("query");
                is_query_key.then(|| scheme.get("name").and_then(Node::str).map(|p| (*name, p)))?
            })
            .collect()
    }

    /// An operation exported by specgate: its own spec text, with schema references moved from
    /// the bundle to the files under `schemas/`.
    fn restore(&self, op: &Node, section: &str) -> (String, String) {
        let mut spec = Map::new();
        spec.insert("specgate".into(), json!(1));
        spec.insert("title".into(), op.get("summary").map(Node::to_json).unwrap_or(json!(section)));
        spec.insert("doc".into(), op.get("x-specgate-doc").map(Node::to_json).unwrap_or(json!({"file": self.cite, "section": section})));
        for (key, ext) in [
            ("vars", "x-specgate-vars"),
            ("request", "x-specgate-request"),
            ("cases", "x-specgate-cases"),
            ("pagination", "x-specgate-pagination"),
            ("filters", "x-specgate-filters"),
            ("links", "x-specgate-links"),
        ] {
            if let Some(v) = op.get(ext) {
                spec.insert(key.into(), unbundle(v.to_json()));
            }
        }
        let stem = op
            .get("x-specgate-spec")
            .and_then(Node::str)
            .and_then(|p| std::path::Path::new(p).file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| slug(section));
        let header = format!("# Imported by specgate from {} § {section} (a specgate export).\n", self.cite);
        (stem, format!("{header}{}", yaml(&Value::Object(spec))))
    }
}

/// `#/components/schemas/X/...` → `schemas/X.json#/...` everywhere in `v`.
fn unbundle(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| match (k.as_str(), &v) {
                    ("$ref", Value::String(r)) if r.starts_with("#/components/schemas/") => {
                        let rest = &r["#/components/schemas/".len()..];
                        let (name, tail) = rest.split_once('/').map(|(n, t)| (n, format!("#/{t}"))).unwrap_or((rest, String::new()));
                        let target = format!("schemas/{}{tail}", file_name(&name.replace("~1", "/").replace("~0", "~")));
                        (k, Value::String(target))
                    }
                    _ => (k, unbundle(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(unbundle).collect()),
        other => other,
    }
}

pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The query parameters a value is sent as, by the parameter's `style` and `explode` (OpenAPI's
/// defaults: `form`, exploded): an object's properties become parameters of their own
/// (`deepObject`: `name[key]`), or one comma-joined value when not exploded. `None` for what a
/// spec's query cannot hold (nested objects, lists of objects).
fn query_values(p: &Param, value: Value) -> Option<Vec<(String, Value)>> {
    let scalar = |v: &Value| !v.is_object() && !v.is_array();
    let Value::Object(fields) = value else {
        return match &value {
            Value::Array(items) if !items.iter().all(scalar) => None,
            _ => Some(vec![(p.name.clone(), value)]),
        };
    };
    let style = p.node.get("style").and_then(Node::str).unwrap_or("form");
    let explode = p.node.get("explode").map(|e| matches!(e.kind, Kind::Bool(true))).unwrap_or(style == "form");
    if !fields.values().all(|v| scalar(v) || v.as_array().is_some_and(|a| a.iter().all(scalar))) {
        return None;
    }
    Some(match (style, explode) {
        ("deepObject", _) => fields.into_iter().map(|(k, v)| (format!("{}[{k}]", p.name), v)).collect(),
        (_, true) => fields.into_iter().collect(),
        (_, false) => {
            let joined: Vec<String> = fields.iter().flat_map(|(k, v)| [k.clone(), scalar_text(v)]).collect();
            vec![(p.name.clone(), json!(joined.join(",")))]
        }
    })
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn status_key(responses: Option<&Node>, code: u16) -> String {
    let c = code.to_string();
    match responses.and_then(|r| r.get(&c)) {
        Some(_) => c,
        None => format!("{}XX", c.chars().next().unwrap_or('2')),
    }
}

/// A comment naming each documented response no case checks, and why, so that none is left
/// out unseen (empty when every response has a case).
fn unchecked(responses: Option<&Node>, cases: &[Value], path: &str, section: &str) -> String {
    let covered: Vec<String> = cases
        .iter()
        .filter_map(|c| c["doc"]["section"].as_str())
        .filter_map(|s| s.rsplit_once(".responses.").map(|(_, k)| k.to_string()))
        .collect();
    let rejected: Vec<String> = cases
        .iter()
        .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("bad-")))
        .flat_map(|c| match &c["expect"]["status"] {
            Value::Array(a) => a.iter().map(|s| s.to_string()).collect(),
            one => vec![one.to_string()],
        })
        .collect();
    let mut out = String::new();
    for (key, _) in responses.map(Node::entries).unwrap_or_default() {
        if covered.contains(key) || rejected.contains(key) {
            continue;
        }
        let why = match key.as_str() {
            "default" => "the answer to any status the document does not list; no request provokes it on purpose".to_string(),
            "404" if path.contains('{') => {
                let vars: Vec<String> = crate::spec::load::placeholders(path).iter().map(|v| format!("`--var {v}=…`")).collect();
                format!(
                    "a missing resource: copy the `ok` case with `expect: {{status: 404}}` and run it with {} naming none",
                    vars.join(" ")
                )
            }
            "401" | "403" => "a credentials answer: run without (or with wrong) credentials to see it".to_string(),
            "400" | "422" => "no parameter has a constraint a case could break".to_string(),
            _ => "no request specgate builds from the document is known to provoke it".to_string(),
        };
        out.push_str(&format!("#   {key} ({section}.responses.{key}): {why}\n"));
    }
    if out.is_empty() {
        return out;
    }
    format!("\n# Documented responses without a case (add one where you can provoke the response):\n{out}")
}

/// The lowest documented 2xx (a `2XX` range counts as 200).
fn pick_success(responses: &Node) -> Option<(u16, &Node)> {
    responses
        .entries()
        .iter()
        .filter_map(|(k, v)| match k.as_str() {
            "2XX" | "2xx" => Some((200, v)),
            _ => k.parse::<u16>().ok().filter(|c| (200..300).contains(c)).map(|c| (c, v)),
        })
        .min_by_key(|(c, _)| *c)
}

/// The documented answers to invalid parameters: 400 and 422.
fn rejecting(responses: &Node) -> Vec<(u16, &Node)> {
    responses.entries().iter().filter_map(|(k, v)| k.parse::<u16>().ok().filter(|c| matches!(c, 400 | 422)).map(|c| (c, v))).collect()
}

/// `application/json`, `application/problem+json`, `text/json`…
fn is_json(media: &str) -> bool {
    media == "json" || media.ends_with("/json") || media.ends_with("+json")
}

/// A JSON media type if there is one, else the first.
fn pick_media(response: &Node) -> Option<(String, &Node)> {
    let content = response.get("content")?;
    let entries = content.entries();
    let json = entries
        .iter()
        .find(|(m, _)| m == "application/json")
        .or_else(|| entries.iter().find(|(m, _)| is_json(m.split(';').next().unwrap_or(m).trim())));
    json.or(entries.first()).map(|(m, n)| (m.split(';').next().unwrap_or(m).trim().to_string(), n))
}

/// A value the document gives for the parameter: its example (or first of its `examples`),
/// its schema's example or default.
fn documented(param: &Node, schema: Option<&Node>) -> Option<Value> {
    if let Some(x) = param.get("example") {
        return Some(x.to_json());
    }
    if let Some(x) = param.get("examples").and_then(|e| e.entries().first().and_then(|(_, x)| x.get("value"))) {
        return Some(x.to_json());
    }
    let schema = schema?;
    for key in ["example", "default"] {
        if let Some(x) = schema.get(key) {
            return Some(x.to_json());
        }
    }
    schema.get("examples").and_then(|e| e.items().first()).map(Node::to_json)
}

/// A value the parameter accepts: one the document gives, its first enum value or one built
/// from its type.
fn example<'a>(param: &Node, schema: Option<&'a Node>, root: &'a Node) -> Option<Value> {
    if let Some(x) = documented(param, schema) {
        return Some(x);
    }
    let schema = schema?;
    if let Some(first) = schema.get("enum").and_then(|e| e.items().first()) {
        return Some(first.to_json());
    }
    let number = |k: &str| schema.get(k).and_then(|n| n.to_json().as_f64());
    match type_of(schema) {
        Some("integer") => {
            let low = number("minimum").map(|m| m.ceil() as i64).unwrap_or(1);
            Some(json!(number("maximum").map(|m| low.min(m.floor() as i64)).unwrap_or(low)))
        }
        Some("number") => Some(json!(number("minimum").unwrap_or(1.0))),
        Some("boolean") => Some(json!(true)),
        Some("string") => Some(json!(match schema.get("format").and_then(Node::str) {
            Some("date-time") => "2020-01-01T00:00:00Z".to_string(),
            Some("date") => "2020-01-01".to_string(),
            Some("uuid") => "00000000-0000-0000-0000-000000000000".to_string(),
            _ => "x".repeat(schema.get("minLength").and_then(|n| n.to_json().as_u64()).unwrap_or(1).clamp(1, 64) as usize),
        })),
        Some("array") => {
            let no_param = Node { pos: Default::default(), kind: Kind::Map(Vec::new()) };
            let items = schema.get("items").map(|i| follow(root, i));
            example(&no_param, items, root).map(|v| json!([v]))
        }
        _ => None,
    }
}

/// Values outside the schema's own constraints, each with a name for its case.
fn bad_values(schema: Option<&Node>) -> Vec<(&'static str, Value)> {
    let Some(schema) = schema else { return Vec::new() };
    let mut out = Vec::new();
    let number = |k: &str| schema.get(k).and_then(|n| n.to_json().as_i64());
    if type_of(schema) == Some("integer") {
        if let Some(min) = number("minimum").or(number("exclusiveMinimum").map(|m| m + 1)) {
            out.push(("below-minimum", json!(min - 1)));
        }
        if let Some(max) = number("maximum").or(number("exclusiveMaximum").map(|m| m - 1)) {
            out.push(("above-maximum", json!(max + 1)));
        }
    }
    if type_of(schema) == Some("string") && schema.get("enum").is_some_and(|e| !e.items().is_empty()) {
        out.push(("not-in-enum", json!("specgate-not-in-enum")));
    }
    out
}

/// Follow local `$ref`s without reporting (the caller only wants a value if there is one).
fn follow<'a>(root: &'a Node, mut node: &'a Node) -> &'a Node {
    for _ in 0..32 {
        match node.get("$ref").and_then(Node::str).and_then(|t| t.strip_prefix('#')).and_then(|p| root.pointer(p)) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// File names have a limit (255 bytes on most file systems); long path slugs keep their start
/// and a hash of the whole, so they stay distinct.
fn shorten(stem: String) -> String {
    const MAX: usize = 120;
    if stem.len() <= MAX {
        return stem;
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    stem.hash(&mut h);
    let cut = (0..=MAX - 17).rev().find(|i| stem.is_char_boundary(*i)).unwrap_or(0);
    format!("{}-{:016x}", &stem[..cut], h.finish())
}
