//! Compiled JSON Schemas, shared by every spec of a load: each distinct schema is compiled
//! once, and each schema document is read and parsed once.
//!
//! Specs name their schemas by `$ref` (`{$ref: ../schemas/x.json}`), so two hundred cases of
//! one spec, and four specs of one family, usually share a handful of documents. Compiling per
//! case read every referenced file again through jsonschema's default retriever, which parses
//! from an unbuffered file one byte per `read` call; that was a third of a run's CPU time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Where the documents a schema `$ref`s are read from, memoised by URI.
#[derive(Default)]
struct Documents {
    read: Mutex<HashMap<String, Arc<Value>>>,
}

/// Reads `file:` documents whole (one `read`, one parse) and remembers them; other schemes go
/// to jsonschema's HTTP retriever, as before.
#[derive(Clone, Default)]
struct Retriever(Arc<Documents>);

impl jsonschema::Retrieve for Retriever {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().to_string();
        if let Some(doc) = self.0.read.lock().expect("documents lock").get(&key) {
            return Ok(Value::clone(doc));
        }
        let doc = match uri.scheme().as_str() {
            "file" => {
                let path = url::Url::parse(uri.as_str())
                    .ok()
                    .and_then(|u| u.to_file_path().ok())
                    .ok_or_else(|| format!("not a local file: {uri}"))?;
                serde_json::from_slice(&std::fs::read(&path)?)?
            }
            _ => jsonschema::HttpRetriever::new(&jsonschema::HttpOptions::new())?.retrieve(uri)?,
        };
        self.0.read.lock().expect("documents lock").insert(key, Arc::new(Value::clone(&doc)));
        Ok(doc)
    }
}

/// Compiled validators by identity: the resolved URI of a lone `$ref`, or the base URI and
/// text of an inline schema.
#[derive(Default)]
pub struct Schemas {
    retriever: Retriever,
    compiled: HashMap<String, Arc<jsonschema::Validator>>,
}

impl Schemas {
    pub fn new() -> Schemas {
        Schemas::default()
    }

    /// The validator of `schema` as written in a spec whose file is `base` (a `file:` URI).
    pub fn compile(&mut self, schema: &Value, base: &str) -> Result<Arc<jsonschema::Validator>, jsonschema::ValidationError<'static>> {
        let key = identity(schema, base);
        if let Some(v) = self.compiled.get(&key) {
            return Ok(v.clone());
        }
        let validator = jsonschema::options()
            .with_base_uri(base.to_string())
            .should_validate_formats(true)
            .with_retriever(self.retriever.clone())
            .build(schema)?;
        let validator = Arc::new(validator);
        self.compiled.insert(key, validator.clone());
        Ok(validator)
    }

    /// How many distinct schemas were compiled.
    pub fn len(&self) -> usize {
        self.compiled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }
}

fn identity(schema: &Value, base: &str) -> String {
    let lone_ref = schema.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("$ref")).and_then(Value::as_str);
    match lone_ref.and_then(|r| url::Url::parse(base).ok()?.join(r).ok()) {
        Some(target) => format!("ref {target}"),
        None => format!("inline {base} {schema}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A fresh directory holding `name` = `doc`, and the base URI of a spec in its `specs/`.
    fn dir_with(test: &str, name: &str, doc: &Value) -> (std::path::PathBuf, String) {
        let dir = std::env::temp_dir().join(format!("specgate-schemas-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), doc.to_string()).unwrap();
        let base = url::Url::from_file_path(dir.join("specs").join("a.yaml")).unwrap().to_string();
        (dir, base)
    }

    #[test]
    fn the_same_ref_from_two_places_compiles_once() {
        let (dir, base) = dir_with("once", "s.json", &json!({"type": "object", "required": ["images"]}));
        let other = url::Url::from_file_path(dir.join("b.yaml")).unwrap().to_string();
        let mut schemas = Schemas::new();
        let a = schemas.compile(&json!({"$ref": "../s.json"}), &base).unwrap();
        let b = schemas.compile(&json!({"$ref": "s.json"}), &other).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "one file, one validator");
        assert_eq!(schemas.len(), 1);
        assert!(!a.is_valid(&json!({})));
        assert!(a.is_valid(&json!({"images": []})));
    }

    #[test]
    fn inline_schemas_are_told_apart_by_their_text() {
        let mut schemas = Schemas::new();
        let a = schemas.compile(&json!({"type": "string"}), "file:///x.yaml").unwrap();
        let b = schemas.compile(&json!({"type": "integer"}), "file:///x.yaml").unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(Arc::ptr_eq(&a, &schemas.compile(&json!({"type": "string"}), "file:///x.yaml").unwrap()));
    }

    #[test]
    fn a_document_is_read_once_for_every_schema_that_refers_to_it() {
        let (dir, base) = dir_with("read-once", "item.json", &json!({"type": "object", "required": ["id"]}));
        let mut schemas = Schemas::new();
        schemas.compile(&json!({"$ref": "../item.json"}), &base).unwrap();
        // The document changes on disk; a second schema referring to it sees the first reading.
        std::fs::write(dir.join("item.json"), "{\"type\": \"string\"}").unwrap();
        let list = schemas.compile(&json!({"type": "array", "items": {"$ref": "../item.json"}}), &base).unwrap();
        assert!(list.is_valid(&json!([{"id": 1}])));
        assert!(!list.is_valid(&json!([{}])));
    }

    #[test]
    fn formats_are_validated() {
        let mut schemas = Schemas::new();
        let v = schemas.compile(&json!({"type": "string", "format": "uuid"}), "file:///x.yaml").unwrap();
        assert!(!v.is_valid(&json!("not-a-uuid")));
    }
}
