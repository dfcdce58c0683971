//! The schema catalog: compiles the JSON Schemas of one load into one validator, each schema
//! file once, so that memory follows the size of the schemas.
//!
//! Why one resource: jsonschema compiles a `$ref` target once per *dynamic scope* (the chain of
//! resources the reference passed through, which `$dynamicRef` needs). When every schema file
//! is its own resource, a reference graph with cycles between files (OpenAPI documents are full
//! of them: `user → manager → user`, `chart → slide → chart`) has a different scope along every
//! path, and the compiled tree grows with the number of paths: exponential in the file count.
//! An imported document of 113 schemas took over 4 GiB for one case. Bundled into one resource
//! (files under `$defs`, references rewritten to point there), every target compiles once.
//!
//! Why one validator: specs imported from one document reach the same files; a validator per
//! case compiles them again for every case (1.2 GB for Stripe's 211 specs, over 8 GB for
//! Microsoft Graph's). So every schema of a load becomes one entry (a *member*) of a single
//! validator: `{"$defs": {files…, members…}, "properties": {member: {"$ref": "#/$defs/member"}}}`,
//! and a body is checked as `{member: body}` (`check::schema` strips the member from the paths).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use serde_json::{Map, Value};

use super::error::SpecError;
use specgate_json::schema::{Outline, DATA_KEYWORDS, DIALECT, IDENTITY_KEYWORDS, NAMED_SCHEMAS};
use specgate_json::tape::TapeJson;

/// Prefix of member names (file keys are file names, which end in `.json`).
const MEMBER_PREFIX: &str = "specgate-schema-";

/// A schema file rewritten for bundling: its key under `$defs` and the files it references.
struct Entry {
    key: String,
    value: Value,
    refs: Vec<PathBuf>,
}

/// A schema waiting for the load's validator.
struct Pending {
    member: Arc<str>,
    value: Value,
    refs: Vec<PathBuf>,
    /// Where the schema was declared, for a located error, and how to compile it alone.
    error: SpecError,
    schema: Value,
    dir: PathBuf,
    base: String,
}

/// What [`Catalog::compile`] gives for one schema.
pub(crate) enum Compiled {
    /// Compiled alone (it cannot be bundled), and the same schema for tapes.
    Alone(Arc<jsonschema::Validator>, Arc<TapeValidator>),
    /// An entry of the load's validator, available after [`Catalog::settle`].
    Member(Arc<str>),
}

/// Stands in for the load's validator until [`Catalog::settle`] builds it.
pub(crate) static UNSETTLED: LazyLock<Arc<jsonschema::Validator>> =
    LazyLock::new(|| Arc::new(jsonschema::validator_for(&Value::Bool(false)).expect("`false` is a schema")));

/// Schema files read and schemas gathered during one load.
#[derive(Default)]
pub(crate) struct Catalog {
    /// Canonical path → the rewritten file, or `None` when it cannot be bundled.
    files: HashMap<PathBuf, Option<Arc<Entry>>>,
    /// `$defs` keys in use (one per file).
    keys: HashMap<String, PathBuf>,
    /// (directory the schema's references resolve from, schema text) → its member: an identical
    /// schema from the same directory is compiled once.
    members: HashMap<(PathBuf, String), Arc<str>>,
    /// The same keys, for schemas that cannot be bundled: the next case that declares one goes
    /// straight to the schemas compiled alone.
    unbundled: HashSet<(PathBuf, String)>,
    /// A referenced path → its canonical form (`None`: it does not exist), found once.
    canonical: HashMap<PathBuf, Option<PathBuf>>,
    pending: Vec<Pending>,
    /// Schemas compiled alone, by identity (see [`identity`]): two hundred cases that `$ref` one
    /// file with an `$id` compile it once.
    alone: HashMap<String, (Arc<jsonschema::Validator>, Arc<TapeValidator>)>,
    /// The documents those schemas `$ref`, each read and parsed once.
    retriever: Retriever,
}

impl Catalog {
    /// Gather `schema`, declared in a file of directory `dir` (`base` is that file's URL) at
    /// `error`'s position; a schema that cannot be bundled is compiled alone, now.
    pub(crate) fn compile(&mut self, schema: &Value, dir: &Path, base: &str, error: SpecError) -> Result<Compiled, String> {
        let key = (dir.to_path_buf(), schema.to_string());
        if let Some(member) = self.members.get(&key) {
            return Ok(Compiled::Member(Arc::clone(member)));
        }
        let member: Arc<str> = format!("{MEMBER_PREFIX}{}", self.pending.len() + 1).into();
        let mut refs = Vec::new();
        // `rewrite` refuses a dialect other than the files' (`$schema` is dropped inside `$defs`).
        let bundled = if self.unbundled.contains(&key) {
            None
        } else {
            self.rewrite(schema, dir, Some(&member), &mut refs).filter(|_| self.closure(refs.clone()).is_some())
        };
        match bundled {
            Some(value) => {
                self.members.insert(key, Arc::clone(&member));
                let (schema, dir, base) = (schema.clone(), dir.to_path_buf(), base.to_string());
                self.pending.push(Pending { member: Arc::clone(&member), value, refs, error, schema, dir, base });
                Ok(Compiled::Member(member))
            }
            None => {
                self.unbundled.insert(key);
                let id = identity(schema, base);
                if let Some((v, t)) = self.alone.get(&id) {
                    return Ok(Compiled::Alone(Arc::clone(v), Arc::clone(t)));
                }
                let v = Arc::new(build_with(schema, base, self.retriever.clone())?);
                let t = Arc::new(TapeValidator::new(schema.clone(), base, self.retriever.clone()));
                self.alone.insert(id, (Arc::clone(&v), Arc::clone(&t)));
                Ok(Compiled::Alone(v, t))
            }
        }
    }

    /// Build the load's validator from every gathered schema. If it does not compile, each schema
    /// is compiled alone (and dropped) to say which are wrong, with their location.
    pub(crate) fn settle(&mut self) -> Result<(Arc<jsonschema::Validator>, Arc<TapeValidator>), Vec<SpecError>> {
        let pending = std::mem::take(&mut self.pending);
        let files = self.closure(pending.iter().flat_map(|p| p.refs.iter().cloned()).collect()).unwrap_or_default();
        let mut defs = Map::new();
        let mut properties = Map::new();
        for entry in files {
            defs.insert(entry.key.clone(), entry.value.clone());
        }
        for p in &pending {
            defs.insert(p.member.to_string(), p.value.clone());
            properties.insert(p.member.to_string(), serde_json::json!({"$ref": format!("#/$defs/{}", p.member)}));
        }
        let root = serde_json::json!({"$defs": defs, "properties": properties});
        let base = pending.first().map(|p| p.base.as_str()).unwrap_or("file:///");
        match build(&root, base) {
            Ok(v) => Ok((Arc::new(v), Arc::new(TapeValidator::new(root, base, Retriever::default())))),
            Err(_) => Err(pending
                .into_iter()
                .filter_map(|p| {
                    let alone = self.bundle(&p.schema, &p.dir).unwrap_or(p.schema);
                    let message = build(&alone, &p.base).err()?;
                    let text = format!("{}{message}", p.error.message);
                    Some(p.error.with_message(text))
                })
                .collect()),
        }
    }

    /// The files reachable from `refs`; `None` if one of them cannot be bundled.
    fn closure(&self, mut refs: Vec<PathBuf>) -> Option<Vec<Arc<Entry>>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        while let Some(path) = refs.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let entry = self.files.get(&path).cloned().flatten()?;
            refs.extend(entry.refs.iter().cloned());
            out.push(entry);
        }
        Some(out)
    }

    /// `schema` alone with every schema file it reaches under `$defs` and its references
    /// pointing there; `None` when it references no file, or one that cannot be bundled without
    /// changing its meaning (then jsonschema resolves the files itself).
    pub(crate) fn bundle(&mut self, schema: &Value, dir: &Path) -> Option<Value> {
        if ![None, Some(DIALECT)].contains(&schema.get("$schema").and_then(Value::as_str)) {
            return None;
        }
        let mut refs = Vec::new();
        let mut root = self.rewrite(schema, dir, None, &mut refs)?;
        if refs.is_empty() {
            return None;
        }
        let defs: Map<String, Value> = self.closure(refs)?.into_iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        let object = root.as_object_mut()?;
        match object.entry("$defs").or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(existing) => {
                for (k, v) in defs {
                    if existing.insert(k, v).is_some() {
                        return None;
                    }
                }
            }
            _ => return None,
        }
        Some(root)
    }

    /// Rewrite the references of `value` (in a file of `dir`; `own` is that file's `$defs` key,
    /// `None` for the root schema), collecting the files it references.
    fn rewrite(&mut self, value: &Value, dir: &Path, own: Option<&str>, refs: &mut Vec<PathBuf>) -> Option<Value> {
        Some(match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if IDENTITY_KEYWORDS.contains(&k.as_str()) {
                        return None;
                    }
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => Value::String(self.reference(r, dir, own, refs)?),
                        ("$schema", Value::String(s)) if own.is_some() => {
                            if s != DIALECT {
                                return None;
                            }
                            continue;
                        }
                        _ if DATA_KEYWORDS.contains(&k.as_str()) => v.clone(),
                        // Keys are names (a property may be called `default` or `enum`), values schemas.
                        (_, Value::Object(named)) if NAMED_SCHEMAS.contains(&k.as_str()) => Value::Object(
                            named.iter().map(|(name, s)| Some((name.clone(), self.rewrite(s, dir, own, refs)?))).collect::<Option<_>>()?,
                        ),
                        _ => self.rewrite(v, dir, own, refs)?,
                    };
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(v, dir, own, refs)).collect::<Option<_>>()?),
            other => other.clone(),
        })
    }

    /// The bundled form of the reference `r`.
    fn reference(&mut self, r: &str, dir: &Path, own: Option<&str>, refs: &mut Vec<PathBuf>) -> Option<String> {
        let (file, fragment) = r.split_once('#').unwrap_or((r, ""));
        // Only JSON pointer fragments keep their meaning inside `$defs`.
        if !(fragment.is_empty() || fragment.starts_with('/')) {
            return None;
        }
        if file.is_empty() {
            return Some(match own {
                Some(key) => format!("#/$defs/{}{fragment}", token(key)),
                None => r.to_string(),
            });
        }
        // A URL (a scheme before any slash) is resolved by jsonschema, not bundled.
        if file.split('/').next().is_some_and(|s| s.contains(':')) {
            return None;
        }
        let joined = dir.join(percent_decode(file)?);
        let path = match self.canonical.get(&joined) {
            Some(known) => known.clone()?,
            None => {
                let found = std::fs::canonicalize(&joined).ok();
                self.canonical.insert(joined, found.clone());
                found?
            }
        };
        let key = self.load(&path)?;
        refs.push(path);
        Some(format!("#/$defs/{}{fragment}", token(&key)))
    }

    /// Read and rewrite the schema file at `path` (once); its `$defs` key.
    fn load(&mut self, path: &Path) -> Option<String> {
        if let Some(entry) = self.files.get(path) {
            return entry.as_ref().map(|e| e.key.clone());
        }
        let key = self.key_for(path);
        // Reserved before rewriting, so that a file reached again through a cycle is not re-read.
        self.files.insert(path.to_path_buf(), Some(Arc::new(Entry { key: key.clone(), value: Value::Null, refs: Vec::new() })));
        let value: Option<Value> = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok());
        let dir = path.parent().unwrap_or(Path::new("/"));
        let mut refs = Vec::new();
        let rewritten = value.and_then(|v| self.rewrite(&v, dir, Some(&key), &mut refs));
        let entry = rewritten.map(|value| Arc::new(Entry { key: key.clone(), value, refs }));
        let ok = entry.is_some();
        self.files.insert(path.to_path_buf(), entry);
        ok.then_some(key)
    }

    /// A readable `$defs` key, unique within the catalog: the file name, numbered on a clash.
    fn key_for(&mut self, path: &Path) -> String {
        let name: String = path
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
                    .collect()
            })
            .unwrap_or_else(|| "schema".into());
        // Member names are not file names.
        let name = if name.starts_with(MEMBER_PREFIX) { format!("file-{name}") } else { name };
        let mut key = name.clone();
        let mut n = 2;
        while self.keys.get(&key).is_some_and(|p| p != path) {
            key = format!("{name}-{n}");
            n += 1;
        }
        self.keys.insert(key.clone(), path.to_path_buf());
        key
    }
}

/// The load's validator once more, reading bodies from a tape (`specgate_json::tape`); compiled on first
/// use, so a run whose bodies are never checked against a schema does not pay for it.
pub struct TapeValidator {
    schema: Value,
    base: String,
    retriever: Retriever,
    built: OnceLock<Option<jsonschema::Validator<TapeJson>>>,
    outline: OnceLock<Option<Outline>>,
}

impl TapeValidator {
    fn new(schema: Value, base: &str, retriever: Retriever) -> TapeValidator {
        TapeValidator { schema, base: base.to_string(), retriever, built: OnceLock::new(), outline: OnceLock::new() }
    }

    /// A schema of its own, with no file to resolve (the checks' tests use it).
    pub fn inline(schema: &Value) -> TapeValidator {
        TapeValidator::new(schema.clone(), "file:///", Retriever::default())
    }

    /// The schema's outline (`specgate_json::schema`), which checks a tape faster than [`Self::get`];
    /// `None` when the schema has none. Built on first use, like the validator.
    pub fn outline(&self) -> Option<&Outline> {
        self.outline.get_or_init(|| Outline::build(&self.schema, &self.base, &|url| self.retriever.file(url).ok()).ok()).as_ref()
    }

    /// The validator; `None` if it does not compile (the `Value` validator of the same schema
    /// did, so this does not happen; the checks then read the `Value`).
    pub fn get(&self) -> Option<&jsonschema::Validator<TapeJson>> {
        self.built
            .get_or_init(|| {
                jsonschema::options_for::<TapeJson>()
                    .with_base_uri(self.base.clone())
                    .should_validate_formats(true)
                    .with_retriever(self.retriever.clone())
                    .build(&self.schema)
                    .ok()
            })
            .as_ref()
    }
}

fn build(schema: &Value, base: &str) -> Result<jsonschema::Validator, String> {
    build_with(schema, base, Retriever::default())
}

fn build_with(schema: &Value, base: &str, retriever: Retriever) -> Result<jsonschema::Validator, String> {
    jsonschema::options().with_base_uri(base.to_string()).should_validate_formats(true).with_retriever(retriever).build(schema).map_err(
        |e| match e.kind() {
            jsonschema::error::ValidationErrorKind::Referencing(jsonschema::ReferencingError::Unretrievable { uri, source }) => {
                unretrievable(uri, source.as_ref(), base)
            }
            _ => e.to_string(),
        },
    )
}

/// Why the document at `uri`, referenced from the file at `base`, could not be had: a missing
/// file named by its path (relative to the working directory, when it is under it).
fn unretrievable(uri: &str, source: &(dyn std::error::Error + 'static), base: &str) -> String {
    let local = |u: &str| url::Url::parse(u).ok().and_then(|u| u.to_file_path().ok()).map(|p| shown(&p));
    let (Some(path), from) = (local(uri), local(base).unwrap_or_else(|| base.to_string())) else {
        return format!("cannot retrieve {uri}: {source}");
    };
    match source.downcast_ref::<std::io::Error>() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => format!("file not found: {path} (resolved from {from})"),
        Some(io) => format!("cannot read {path} (resolved from {from}): {io}"),
        None => format!("{path} (resolved from {from}) is not a JSON Schema document: {source}"),
    }
}

/// `path` relative to the working directory when it lies under it, as the user would type it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    super::error::display_path(relative.as_deref().unwrap_or(path))
}

/// A schema's identity for compiling it once: the resolved URL of a lone `$ref`, or the base
/// URL and text of any other schema.
fn identity(schema: &Value, base: &str) -> String {
    let lone_ref = schema.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("$ref")).and_then(Value::as_str);
    match lone_ref.and_then(|r| url::Url::parse(base).ok()?.join(r).ok()) {
        Some(target) => format!("ref {target}"),
        None => format!("inline {base} {schema}"),
    }
}

/// Reads `file:` documents whole (jsonschema's own file retriever parses from an unbuffered file,
/// one byte per `read` call) and remembers them; other schemes go to jsonschema's HTTP retriever.
#[derive(Clone, Default)]
struct Retriever(Arc<std::sync::Mutex<HashMap<String, Value>>>);

impl jsonschema::Retrieve for Retriever {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        match uri.scheme().as_str() {
            "file" => self.file(uri.as_str()),
            _ => self.cached(uri.as_str(), || jsonschema::HttpRetriever::new(&jsonschema::HttpOptions::new())?.retrieve(uri)),
        }
    }
}

impl Retriever {
    /// The document of a `file:` URL, read once.
    fn file(&self, key: &str) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.cached(key, || {
            let path = url::Url::parse(key).ok().and_then(|u| u.to_file_path().ok()).ok_or_else(|| format!("not a local file: {key}"))?;
            Ok(serde_json::from_slice(&std::fs::read(&path)?)?)
        })
    }

    /// The document at `key`, from `fetch` the first time.
    fn cached(
        &self,
        key: &str,
        fetch: impl FnOnce() -> Result<Value, Box<dyn std::error::Error + Send + Sync>>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if let Some(doc) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
            return Ok(doc.clone());
        }
        let doc = fetch()?;
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_string(), doc.clone());
        Ok(doc)
    }
}

/// `Some(path)` for a reference's file part, `%20` and friends decoded.
fn percent_decode(file: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(file).decode_utf8().ok()?;
    let path = PathBuf::from(decoded.as_ref());
    // An absolute path is a file URL's business, not a relative reference.
    path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir | Component::ParentDir)).then_some(path)
}

/// A `$defs` key as a JSON pointer token (keys hold only `[A-Za-z0-9._-]`).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, v: &Value) {
        std::fs::write(dir.join(name), v.to_string()).unwrap();
    }

    #[test]
    fn files_become_defs_and_references_point_there() {
        let tmp = tempdir("bundle");
        write(&tmp, "a.json", &json!({"$schema": DIALECT, "properties": {"b": {"$ref": "b.json#/properties/x"}, "me": {"$ref": "#"}}}));
        write(
            &tmp,
            "b.json",
            &json!({"properties": {"x": {"type": "integer"}, "default": {"$ref": "a.json"}}, "examples": [{"$ref": "not a reference"}]}),
        );
        let mut catalog = Catalog::default();
        let bundled = catalog.bundle(&json!({"$ref": "a.json"}), &tmp).unwrap();
        assert_eq!(bundled["$ref"], "#/$defs/a.json");
        assert_eq!(bundled["$defs"]["a.json"]["properties"]["b"]["$ref"], "#/$defs/b.json/properties/x");
        assert_eq!(bundled["$defs"]["a.json"]["properties"]["me"]["$ref"], "#/$defs/a.json");
        assert_eq!(bundled["$defs"]["b.json"]["properties"]["default"]["$ref"], "#/$defs/a.json", "a property named like a keyword");
        assert_eq!(bundled["$defs"]["b.json"]["examples"][0]["$ref"], "not a reference");
        assert!(bundled["$defs"]["a.json"].get("$schema").is_none());
        let Ok(Compiled::Member(member)) = catalog.compile(&json!({"$ref": "a.json"}), &tmp, "file:///x.yaml", SpecError::new("x", ""))
        else {
            panic!("a bundled schema gets a member")
        };
        let (v, _) = catalog.settle().unwrap();
        let member = member.to_string();
        assert!(v.is_valid(&json!({&member: {"b": 1}})));
        assert!(!v.is_valid(&json!({&member: {"b": "1"}})));
        assert!(!v.is_valid(&json!({&member: {"me": {"b": "1"}}})), "the cycle through the root is followed");
    }

    #[test]
    fn files_whose_identity_matters_are_left_to_the_resolver() {
        let tmp = tempdir("identity");
        write(&tmp, "a.json", &json!({"$id": "https://example.com/a", "type": "string"}));
        write(&tmp, "old.json", &json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"}));
        let mut catalog = Catalog::default();
        assert!(catalog.bundle(&json!({"$ref": "a.json"}), &tmp).is_none());
        assert!(catalog.bundle(&json!({"$ref": "old.json"}), &tmp).is_none());
        assert!(catalog.bundle(&json!({"$ref": "missing.json"}), &tmp).is_none());
        assert!(catalog.bundle(&json!({"$ref": "https://example.com/x.json"}), &tmp).is_none());
        assert!(catalog.bundle(&json!({"type": "string"}), &tmp).is_none(), "nothing to bundle");
    }

    #[test]
    fn a_schema_compiled_alone_is_compiled_once_for_every_case_that_refers_to_it() {
        let tmp = tempdir("alone");
        write(&tmp, "a.json", &json!({"$id": "https://example.com/a", "type": "object", "required": ["images"]}));
        let base = url::Url::from_file_path(tmp.join("spec.yaml")).unwrap().to_string();
        let other = url::Url::from_file_path(tmp.join("other.yaml")).unwrap().to_string();
        let mut catalog = Catalog::default();
        let mut alone = |base: &str| match catalog.compile(&json!({"$ref": "a.json"}), &tmp, base, SpecError::new("x", "")) {
            Ok(Compiled::Alone(v, _)) => v,
            _ => panic!("a file with an `$id` is compiled alone"),
        };
        let (first, second, from_another_spec) = (alone(&base), alone(&base), alone(&other));
        assert!(Arc::ptr_eq(&first, &second) && Arc::ptr_eq(&first, &from_another_spec), "one file, one validator");
        assert!(!first.is_valid(&json!({})));
        assert!(first.is_valid(&json!({"images": []})));
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("specgate-catalog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }
}
