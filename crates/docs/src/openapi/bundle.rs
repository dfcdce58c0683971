//! Bundling: the JSON Schema files that specs `$ref` become `components/schemas` entries of one
//! document, with every reference rewritten to point inside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where bundled schemas live in the exported document.
pub(crate) const COMPONENTS: &str = "#/components/schemas/";

/// Schema files gathered so far, keyed by canonical path, each with its component name.
#[derive(Default)]
pub(crate) struct Bundle {
    names: BTreeMap<PathBuf, String>,
    /// Component name → rewritten schema.
    pub(crate) schemas: BTreeMap<String, Value>,
}

impl Bundle {
    /// Rewrite the `$ref`s of `schema` (declared in a file whose directory is `base`) so that
    /// they point into the bundle, pulling in every file they reach.
    pub(crate) fn rewrite(&mut self, schema: &Value, base: &Path) -> Result<Value, String> {
        self.rewrite_in(schema, base, None)
    }

    /// `own`: the component the schema is the root of, for local (`#/...`) references.
    fn rewrite_in(&mut self, schema: &Value, base: &Path, own: Option<&str>) -> Result<Value, String> {
        Ok(match schema {
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => Value::String(self.target(r, base, own)?),
                        // `$schema` names the dialect of a file; inside an OpenAPI 3.1 document
                        // the dialect is the document's (2020-12 based).
                        ("$schema", _) if own.is_some() => continue,
                        _ => self.rewrite_in(v, base, own)?,
                    };
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite_in(v, base, own)).collect::<Result<_, _>>()?),
            other => other.clone(),
        })
    }

    fn target(&mut self, reference: &str, base: &Path, own: Option<&str>) -> Result<String, String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let name = if file.is_empty() {
            match own {
                Some(n) => n.to_string(),
                // A local reference in an inline schema: nothing to bundle.
                None => return Ok(reference.to_string()),
            }
        } else if file.contains("://") {
            return Err(format!("`$ref: {reference}`: only references to local files can be bundled"));
        } else {
            self.include(&base.join(file))?
        };
        Ok(format!("{COMPONENTS}{}{}", escape(&name), fragment))
    }

    /// Add the schema file at `path` (once) and return its component name.
    fn include(&mut self, path: &Path) -> Result<String, String> {
        let canonical = path.canonicalize().map_err(|e| format!("cannot read schema {}: {e}", path.display()))?;
        if let Some(n) = self.names.get(&canonical) {
            return Ok(n.clone());
        }
        let stem = canonical.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "schema".into());
        let mut name = component_name(&stem);
        let mut n = 2;
        while self.schemas.contains_key(&name) {
            name = format!("{}-{n}", component_name(&stem));
            n += 1;
        }
        self.names.insert(canonical.clone(), name.clone());
        // Reserve the name before recursing: schemas may reference each other in cycles.
        self.schemas.insert(name.clone(), Value::Null);
        let text = std::fs::read_to_string(&canonical).map_err(|e| format!("cannot read schema {}: {e}", canonical.display()))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("schema {} is not JSON: {e}", canonical.display()))?;
        let dir = canonical.parent().map(Path::to_path_buf).unwrap_or_default();
        let rewritten = self.rewrite_in(&value, &dir, Some(&name))?;
        self.schemas.insert(name.clone(), rewritten);
        Ok(name)
    }
}

/// Component names must match `^[a-zA-Z0-9.\-_]+$`.
fn component_name(stem: &str) -> String {
    stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

/// JSON pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_local_refs_point_into_components() {
        let dir = std::env::temp_dir().join(format!("specgate-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("item.json"),
            r##"{"$schema":"x","$defs":{"l":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/l"}}}"##,
        )
        .unwrap();
        std::fs::write(dir.join("list.json"), r##"{"items":{"$ref":"item.json"},"x":{"$ref":"item.json#/$defs/l"}}"##).unwrap();
        let mut b = Bundle::default();
        let top = b.rewrite(&serde_json::json!({"allOf": [{"$ref": "list.json"}]}), &dir).unwrap();
        assert_eq!(top, serde_json::json!({"allOf": [{"$ref": "#/components/schemas/list"}]}));
        assert_eq!(b.schemas["list"]["items"]["$ref"], "#/components/schemas/item");
        assert_eq!(b.schemas["list"]["x"]["$ref"], "#/components/schemas/item/$defs/l");
        assert_eq!(b.schemas["item"]["properties"]["a"]["$ref"], "#/components/schemas/item/$defs/l");
        assert!(b.schemas["item"].get("$schema").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
