//! Loading: read spec files, deserialize them with locations, validate what serde cannot
//! (references between keys, placeholders, schemas) and compile their JSON Schemas.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_saphyr::Spanned;

use super::catalog::{Catalog, Compiled, TapeValidator, UNSETTLED};
use super::error::{did_you_mean, Pos, SpecError};
// Paths and YAML errors are shown as the error module words them; which files are read, the
// files module says. Both were here before, and other crates name them here.
pub use super::error::{display_path, yaml_error};
pub use super::files::discover;
use super::files::{found, looks_like_spec, Found};
use super::model::{ErrorExpect, SpecFile};

/// A compiled JSON Schema and where it was declared.
#[derive(Clone)]
pub struct Schema {
    pub validator: Arc<jsonschema::Validator>,
    /// The schema's entry in `validator` when that is the load's shared validator (bodies are
    /// checked as `{member: body}`); `None` when the validator is the schema's own.
    pub member: Option<Arc<str>>,
    /// The same validator reading bodies from a tape, for schemas in the load's validator.
    pub tape: Option<Arc<TapeValidator>>,
    /// `$ref` target or "inline".
    pub origin: String,
    pub pos: Pos,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schema({} at {}:{})", self.origin, self.pos.line, self.pos.col)
    }
}

/// A loaded, validated spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The path as the user named it (forward slashes), used in trial ids and findings.
    pub path: String,
    pub file: SpecFile,
    /// Compiled `expect.schema` per case (same order as `file.cases`).
    pub case_schemas: Vec<Option<Schema>>,
    pub pagination_error_schema: Option<Schema>,
    pub filter_error_schema: Option<Schema>,
    /// The members of a listed item that the invariants read (id, sort keys, filter fields),
    /// so that walks keep only those; `None` when a pointer names the whole item.
    pub item_members: Option<BTreeSet<String>>,
}

/// The top-level item members the `pagination:` and `filters:` pointers of `file` name.
fn item_members(file: &SpecFile) -> Option<BTreeSet<String>> {
    let mut pointers: Vec<&str> = Vec::new();
    if let Some(p) = &file.pagination {
        pointers.push(&p.value.id);
        if let Some(sort) = &p.value.sort {
            pointers.extend(sort.keys.values().map(|k| k.field.as_str()));
            pointers.extend(sort.tie_breaker.as_deref());
        }
    }
    if let Some(f) = &file.filters {
        pointers.extend(f.value.params.iter().map(|p| p.value.field.as_str()));
    }
    pointers.into_iter().map(member_of).collect()
}

/// The item member a JSON pointer into an item starts with (`/a~1b/c` → `a/b`); `None` for the
/// whole item (`""`).
pub fn member_of(pointer: &str) -> Option<String> {
    let first = pointer.strip_prefix('/')?.split('/').next()?;
    Some(first.replace("~1", "/").replace("~0", "~"))
}

/// The specs of a load, and the YAML files of its directories that were not taken for specs.
#[derive(Debug)]
pub struct Loaded {
    pub specs: Vec<Spec>,
    /// Files found in a directory that hold no spec (see `looks_like_spec`), in path order.
    pub skipped: Vec<String>,
}

/// Load every spec under `paths`; all errors are collected, not just the first.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Spec>, Vec<SpecError>> {
    load(paths).map(|loaded| loaded.specs)
}

/// Load every spec under `paths`, skipping the YAML files of its directories that are not
/// specs; all errors are collected. No spec at all is an error too.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, Vec<SpecError>> {
    let files = found(paths).map_err(|e| vec![e])?;
    let mut specs = Vec::new();
    let mut skipped = Vec::new();
    let mut equivalences = 0;
    let mut errors = Vec::new();
    // One catalog for the whole load: specs that reference the same schema files share them.
    let mut catalog = Catalog::default();
    for (f, how) in files {
        let source = match std::fs::read_to_string(&f) {
            Ok(s) => s,
            Err(e) => {
                errors.push(SpecError::new(&f, format!("cannot read spec: {e}")));
                continue;
            }
        };
        // Equivalence and isolation files relate specs; `spec::equivalence` and `spec::isolation` load them.
        if super::files::is_equivalence(&source) || super::files::is_isolation(&source) {
            equivalences += 1;
            continue;
        }
        if how == Found::InDirectory && !looks_like_spec(&source) {
            skipped.push(display_path(&f));
            continue;
        }
        match load_in(&f, &source, &mut catalog) {
            Ok(s) => specs.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if let Err(mut e) = settle(&mut specs, &mut catalog) {
        errors.append(&mut e);
    }
    if specs.is_empty() && errors.is_empty() && equivalences == 0 {
        let named: Vec<String> = paths.iter().map(|p| display_path(p)).collect();
        errors.push(
            SpecError::new(named.join(", "), "no specs found")
                .hint("a spec is a YAML file with a top-level `specgate: 1` (see docs/spec-format.md)"),
        );
    }
    if errors.is_empty() {
        Ok(Loaded { specs, skipped })
    } else {
        Err(errors)
    }
}

pub fn load_file(path: &Path) -> Result<Spec, Vec<SpecError>> {
    let source = std::fs::read_to_string(path).map_err(|e| vec![SpecError::new(path, format!("cannot read spec: {e}"))])?;
    load_str(path, &source)
}

/// Parse and validate a spec from text; `path` names it in errors and resolves `$ref`s.
pub fn load_str(path: &Path, source: &str) -> Result<Spec, Vec<SpecError>> {
    let mut catalog = Catalog::default();
    let mut spec = load_in(path, source, &mut catalog)?;
    settle(std::slice::from_mut(&mut spec), &mut catalog)?;
    Ok(spec)
}

fn load_in(path: &Path, source: &str, catalog: &mut Catalog) -> Result<Spec, Vec<SpecError>> {
    // serde stops at the first error; a second reading finds them all (`recover`).
    let file: SpecFile = serde_saphyr::from_str(source)
        .map_err(|e| super::recover::errors(path, source).unwrap_or_else(|| vec![yaml_error(path, source, &e)]))?;
    let v = Validator { path, lines: source.lines().collect(), errors: Vec::new(), catalog, base: None };
    v.finish(file)
}

struct Validator<'a> {
    path: &'a Path,
    /// The file's lines, found once: every case's schema carries a located error.
    lines: Vec<&'a str>,
    errors: Vec<SpecError>,
    catalog: &'a mut Catalog,
    /// The file's absolute path and its `file:` URL, which `$ref`s resolve against; found at
    /// the first schema.
    base: Option<(PathBuf, String)>,
}

impl Validator<'_> {
    /// An error pointing at `pos` in this file.
    fn error_at(&self, message: String, pos: Pos, width: usize) -> SpecError {
        let line = pos.line.checked_sub(1).and_then(|n| self.lines.get(n).copied());
        SpecError::new(self.path, message).at_line(line, pos, width)
    }

    fn err_at<T>(&mut self, spanned: &Spanned<T>, width: usize, message: String, hint: Option<String>) {
        let mut e = self.error_at(message, Pos::of(&spanned.referenced), width);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        self.errors.push(e);
    }

    fn finish(mut self, file: SpecFile) -> Result<Spec, Vec<SpecError>> {
        if file.specgate.value != 1 {
            self.err_at(
                &file.specgate,
                1,
                format!("unsupported format version {}", file.specgate.value),
                Some("this specgate reads `specgate: 1`".into()),
            );
        }
        self.check_placeholders(&file);
        let mut seen = HashSet::new();
        for case in &file.cases {
            let name = &case.name.value;
            if name.is_empty() || name.contains("::") || name.contains(char::is_whitespace) {
                self.err_at(
                    &case.name,
                    name.len(),
                    format!("invalid case name `{name}`"),
                    Some("use letters, digits, `-`, `_` and `.`".into()),
                );
            } else if name.starts_with("pagination.") || name.starts_with("filter.") {
                self.err_at(
                    &case.name,
                    name.len(),
                    format!("case name `{name}` is reserved"),
                    Some("`pagination.*` and `filter.*` are derived from the blocks of those names".into()),
                );
            } else if !seen.insert(name.clone()) {
                self.err_at(&case.name, name.len(), format!("duplicate case name `{name}`"), None);
            }
        }
        self.check_pagination(&file);
        self.check_latency(&file);
        let case_schemas = file.cases.iter().map(|c| c.expect.schema.as_ref().and_then(|s| self.compile(s))).collect();
        let pagination_error_schema = file.pagination.as_ref().and_then(|p| self.error_schema(p.value.errors.as_ref()));
        let filter_error_schema = file.filters.as_ref().and_then(|f| self.error_schema(f.value.errors.as_ref()));
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let item_members = item_members(&file);
        Ok(Spec { path: display_path(self.path), file, case_schemas, pagination_error_schema, filter_error_schema, item_members })
    }

    fn error_schema(&mut self, errors: Option<&ErrorExpect>) -> Option<Schema> {
        errors.and_then(|e| e.schema.as_ref()).and_then(|s| self.compile(s))
    }

    fn check_placeholders(&mut self, file: &SpecFile) {
        let path = &file.request.path;
        for name in placeholders(&path.value) {
            if !file.vars.contains_key(name) {
                let declared: Vec<&str> = file.vars.keys().map(String::as_str).collect();
                let hint = match did_you_mean(name, declared) {
                    Some(s) => format!("did you mean `{{{s}}}`?"),
                    None => format!("declare it under `vars:` ({name}: {{description: ...}})"),
                };
                self.err_at(path, path.value.len(), format!("path uses `{{{name}}}` but `vars:` does not declare it"), Some(hint));
            }
        }
        if !path.value.starts_with('/') {
            self.err_at(path, path.value.len(), "request path must start with `/`".into(), None);
        }
    }

    fn check_latency(&mut self, file: &SpecFile) {
        let Some(l) = &file.latency else { return };
        if l.value.bounds().is_empty() {
            self.err_at(l, 1, "`latency:` states no bound".into(), Some("give one of `p50_ms`, `p95_ms`, `p99_ms`, `max_ms`".into()));
        }
        for (name, _, ms) in l.value.bounds() {
            if ms == 0 {
                self.err_at(l, 1, format!("latency `{name}_ms: 0` cannot be met: no answer takes no time"), None);
            }
        }
    }

    fn check_pagination(&mut self, file: &SpecFile) {
        if let Some(f) = &file.filters {
            if file.pagination.is_none() {
                self.err_at(f, 1, "`filters:` needs a `pagination:` block to walk the full listing".into(), None);
            }
            for p in &f.value.params {
                if !p.value.field.starts_with('/') {
                    self.err_at(
                        p,
                        1,
                        format!("filter `{}`: field `{}` is not a JSON pointer", p.value.param, p.value.field),
                        Some(format!("write `/{}`", p.value.field)),
                    );
                }
                if p.value.relation == super::model::Relation::Mapped && p.value.map.is_empty() {
                    self.err_at(p, 1, format!("filter `{}`: relation `mapped` needs a `map:`", p.value.param), None);
                }
            }
        }
        let Some(p) = &file.pagination else { return };
        for (what, ptr) in [("items", &p.value.items), ("id", &p.value.id)] {
            if !ptr.is_empty() && !ptr.starts_with('/') {
                self.err_at(p, 1, format!("pagination `{what}`: `{ptr}` is not a JSON pointer"), Some(format!("write `/{ptr}`")));
            }
        }
        for name in p.value.levels.keys() {
            let known = super::model::PAGINATION_CHECKS.iter().any(|c| if c.ends_with('.') { name.starts_with(c) } else { name == c });
            if !known {
                let names = super::model::PAGINATION_CHECKS.iter().map(|c| c.trim_end_matches('.'));
                let hint = did_you_mean(name, names).map(|s| format!("did you mean `{s}`?"));
                self.err_at(p, 1, format!("pagination.levels: `{name}` is not a case the block derives"), hint);
            }
        }
        if let Some(sort) = &p.value.sort {
            if let Some(k) = &sort.default_key {
                if !sort.keys.contains_key(k) {
                    let hint = did_you_mean(k, sort.keys.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                    self.err_at(p, 1, format!("pagination.sort.default_key `{k}` is not one of `sort.keys`"), hint);
                }
            }
        }
    }

    fn compile(&mut self, schema: &Spanned<serde_json::Value>) -> Option<Schema> {
        let pos = Pos::of(&schema.referenced);
        let origin = match schema.value.get("$ref").and_then(|r| r.as_str()) {
            Some(r) if schema.value.as_object().is_some_and(|o| o.len() == 1) => r.to_string(),
            _ => "inline".to_string(),
        };
        let hint = (origin != "inline").then(|| {
            format!(
                "`$ref` resolves relative to {}",
                display_path(self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
            )
        });
        let mut error = self.error_at(format!("invalid JSON Schema ({origin}): "), pos, 1);
        if let Some(h) = hint {
            error = error.hint(h);
        }
        let path = self.path;
        let (abs, base) = self.base.get_or_insert_with(|| {
            let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let base = url::Url::from_file_path(&abs).map(|u| u.to_string()).unwrap_or_default();
            (abs, base)
        });
        let dir = abs.parent().unwrap_or(Path::new("/"));
        match self.catalog.compile(&schema.value, dir, base, error.clone()) {
            Ok(Compiled::Alone(validator, tape)) => Some(Schema { validator, member: None, tape: Some(tape), origin, pos }),
            Ok(Compiled::Member(member)) => {
                Some(Schema { validator: Arc::clone(&UNSETTLED), member: Some(member), tape: None, origin, pos })
            }
            Err(e) => {
                let text = format!("{}{e}", error.message);
                self.errors.push(error.with_message(text));
                None
            }
        }
    }
}

/// Give the specs' schemas the load's validator (see `catalog`).
fn settle(specs: &mut [Spec], catalog: &mut Catalog) -> Result<(), Vec<SpecError>> {
    let (validator, tape) = catalog.settle()?;
    for spec in specs {
        let schemas = spec.case_schemas.iter_mut().flatten().chain(&mut spec.pagination_error_schema).chain(&mut spec.filter_error_schema);
        for schema in schemas.filter(|s| s.member.is_some()) {
            schema.validator = Arc::clone(&validator);
            schema.tape = Some(Arc::clone(&tape));
        }
    }
    Ok(())
}

/// `{name}` placeholders in a path template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_of_the_seed_specs_and_the_benchmark_is_checked_by_its_outline() {
        // A schema without an outline is still checked, by jsonschema, only slower: this pins
        // that the specs shipped and the benchmark's schema (an `$id`, compiled alone) take the
        // outline's way.
        let root = &Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let specs = load_all(&[root.join("specs"), root.join("benches/w/w.yaml")]).unwrap();
        let mut schemas = 0;
        for spec in &specs {
            for schema in spec.case_schemas.iter().chain([&spec.pagination_error_schema, &spec.filter_error_schema]).flatten() {
                let tape = schema.tape.as_ref().unwrap_or_else(|| panic!("{schema:?} in {} has a tape validator", spec.path));
                assert!(tape.outline().is_some(), "{schema:?} in {} has an outline", spec.path);
                schemas += 1;
            }
        }
        assert!(schemas > 50, "{schemas} schemas");
    }

    const MINIMAL: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest:\n  path: /v2/images\ncases:\n  - name: ok\n    doc: {file: f, section: s}\n    expect:\n      status: 200\n";

    #[test]
    fn loads_minimal_spec() {
        let spec = load_str(Path::new("specs/x.yaml"), MINIMAL).unwrap();
        assert_eq!(spec.file.cases.len(), 1);
        assert_eq!(spec.path, "specs/x.yaml");
    }

    #[test]
    fn walks_keep_the_members_the_pointers_name() {
        let spec = load_str(Path::new("x.yaml"), MINIMAL).unwrap();
        assert_eq!(spec.item_members, Some(BTreeSet::new()), "no invariants read no members");
        let src = format!(
            "{MINIMAL}pagination:\n  doc: {{file: f, section: s}}\n  items: /images\n  id: /a~1b\n  sort:\n    keys: {{size: {{field: /size/bytes}}}}\n"
        );
        let spec = load_str(Path::new("x.yaml"), &src).unwrap();
        let want: BTreeSet<String> = ["a/b", "size"].iter().map(|s| s.to_string()).collect();
        assert_eq!(spec.item_members, Some(want));
    }

    #[test]
    fn a_level_for_a_case_the_pagination_block_does_not_derive_is_an_error_with_a_hint() {
        let block = "pagination:\n  doc: {file: f, section: s}\n  items: /images\n  default_limit: 25\n  levels:\n";
        let ok = format!("{MINIMAL}{block}    default-limit: {{level: should, why: config}}\n    order.name.asc: {{level: should}}\n");
        load_str(Path::new("x.yaml"), &ok).unwrap();
        let bad = format!("{MINIMAL}{block}    default-limits: {{level: should}}\n");
        let e = &load_str(Path::new("x.yaml"), &bad).unwrap_err()[0];
        assert_eq!(e.message, "pagination.levels: `default-limits` is not a case the block derives");
        assert!(e.render().contains("did you mean `default-limit`?"), "{}", e.render());
    }

    #[test]
    fn unknown_key_names_position_and_suggests() {
        let src = MINIMAL.replace("    expect:", "    levl: must\n    expect:");
        let errs = load_str(Path::new("x.yaml"), &src).unwrap_err();
        let text = errs[0].render();
        assert!(text.contains("unknown key `levl`"), "{text}");
        assert!(text.contains("x.yaml:9:5"), "{text}");
        assert!(text.contains("did you mean `level`?"), "{text}");
    }

    #[test]
    fn a_bad_status_gets_a_plain_message_and_a_hint() {
        let src = MINIMAL.replace("status: 200", "status: \"two hundred\"");
        let e = &load_str(Path::new("x.yaml"), &src).unwrap_err()[0];
        assert_eq!(e.message, "invalid status");
        assert_eq!(e.pos.unwrap().line, 10);
        assert!(e.render().contains("hint: write a status code"), "{}", e.render());
    }

    #[test]
    fn undeclared_placeholder_is_an_error() {
        let src = MINIMAL.replace("/v2/images", "/v2.1/{project_id}/images");
        let errs = load_str(Path::new("x.yaml"), &src).unwrap_err();
        assert!(errs[0].message.contains("{project_id}"), "{:?}", errs[0]);
        assert_eq!(errs[0].pos.unwrap().line, 5);
    }

    #[test]
    fn duplicate_case_names_are_rejected() {
        let src = format!("{MINIMAL}  - name: ok\n    doc: {{file: f, section: s}}\n    expect:\n      status: 200\n");
        let errs = load_str(Path::new("x.yaml"), &src).unwrap_err();
        assert!(errs[0].message.contains("duplicate case name `ok`"));
        assert_eq!(errs[0].pos.unwrap().line, 11);
    }

    #[test]
    fn invalid_inline_schema_is_an_error() {
        let src = MINIMAL.replace("      status: 200\n", "      status: 200\n      schema: {type: 12}\n");
        let errs = load_str(Path::new("x.yaml"), &src).unwrap_err();
        assert!(errs[0].message.contains("invalid JSON Schema"), "{:?}", errs[0]);
    }

    #[test]
    fn the_spec_keys_that_mark_a_spec_are_those_of_the_format() {
        let Err(e) = serde_saphyr::from_str::<SpecFile>("not_a_key: 1\n") else { panic!("an unknown key is refused") };
        let serde_saphyr::Error::SerdeUnknownField { expected, .. } = e.without_snippet() else { panic!("{e}") };
        assert_eq!(expected.to_vec(), super::super::files::SPEC_KEYS.to_vec());
    }

    #[test]
    fn an_openapi_document_or_other_yaml_in_a_spec_directory_is_skipped_not_an_error() {
        let dir = std::env::temp_dir().join(format!("specgate-skip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.yaml"), MINIMAL).unwrap();
        std::fs::write(dir.join("openapi.yaml"), "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap();
        std::fs::write(dir.join("ci.yml"), "- just\n- a list\n").unwrap();
        std::fs::write(dir.join("broken.yaml"), "specgate: 1\ntitle: [\n").unwrap();
        let errors = load(std::slice::from_ref(&dir)).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].file.ends_with("broken.yaml"), "a spec that does not parse is still an error: {errors:?}");
        std::fs::remove_file(dir.join("broken.yaml")).unwrap();
        let loaded = load(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(loaded.specs.len(), 1);
        let skipped: Vec<&str> = loaded.skipped.iter().map(|s| s.rsplit('/').next().unwrap()).collect();
        assert_eq!(skipped, ["ci.yml", "openapi.yaml"]);
        let named = load(&[dir.join("openapi.yaml")]).unwrap_err();
        assert_eq!(named[0].message, "unknown key `openapi`", "a file named is a spec");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_without_specs_says_so() {
        let dir = std::env::temp_dir().join(format!("specgate-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let errors = load(std::slice::from_ref(&dir)).unwrap_err();
        assert_eq!(errors[0].message, "no specs found");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_schema_file_is_named_as_not_found_with_what_it_was_resolved_from() {
        let dir = std::env::temp_dir().join(format!("specgate-missing-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("x.yaml");
        let source = MINIMAL.replace("      status: 200\n", "      status: 200\n      schema: {$ref: schemas/missing.json}\n");
        let errors = load_str(&spec, &source).unwrap_err();
        let want = format!("file not found: {} (resolved from {})", display_path(&dir.join("schemas/missing.json")), display_path(&spec));
        assert_eq!(errors[0].message, format!("invalid JSON Schema (schemas/missing.json): {want}"));
        assert_eq!(errors[0].pos.map(|p| p.line), Some(11));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_latency_block_without_a_bound_is_located() {
        let src = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {path: /x}\nlatency:\n  level: must\n";
        let errs = load_str(Path::new("x.yaml"), src).unwrap_err();
        let text = errs[0].to_string();
        assert!(text.contains("`latency:` states no bound") && text.contains("x.yaml:6:3"), "{text}");
        let src = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {path: /x}\nlatency: {p95_ms: 300}\n";
        let spec = load_str(Path::new("x.yaml"), src).unwrap();
        let l = &spec.file.latency.as_ref().unwrap().value;
        assert_eq!((l.bounds(), l.level()), (vec![("p95", 0.95, 300)], super::super::model::Level::Should));
        let src = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {path: /x}\nlatency: {p59_ms: 300}\n";
        let text = load_str(Path::new("x.yaml"), src).unwrap_err()[0].to_string();
        assert!(text.contains("unknown key `p59_ms`") && text.contains("x.yaml:5:"), "{text}");
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(placeholders("/v2.1/{project_id}/x/{id}"), vec!["project_id", "id"]);
    }
}

#[cfg(test)]
mod recovery_tests {
    //! Every error of a spec at once (`recover`), seen through the load.
    use super::*;

    const SPEC: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest:\n  path: /v2/images\ncases:\n";

    fn case(name: &str, body: &str) -> String {
        format!("  - name: {name}\n{body}")
    }

    #[test]
    fn three_cases_without_doc_are_three_errors_each_at_its_case() {
        // They took three runs to find, and each pointed at `expect:`, the key after the gap.
        let expect = "    expect:\n      status: 200\n";
        let source = format!("{SPEC}{}{}{}", case("a", expect), case("b", expect), case("c", expect));
        let errors = load_str(Path::new("x.yaml"), &source).unwrap_err();
        let said: Vec<(String, usize)> = errors.iter().map(|e| (e.message.clone(), e.pos.unwrap().line)).collect();
        let missing = "missing required key `doc`".to_string();
        assert_eq!(said, [(missing.clone(), 7), (missing.clone(), 10), (missing, 13)]);
        insta::assert_snapshot!(errors[0].render(), @r"
        error: missing required key `doc`
         --> x.yaml:7:5
          |
        7 |   - name: a
          |     ^
          = hint: add `doc:` to this mapping (see docs/spec-format.md)
        ");
    }

    #[test]
    fn unknown_keys_wrong_values_and_missing_keys_of_several_parts_are_all_reported() {
        let doc = "    doc: {file: f, section: s}\n";
        let source = format!(
            "{}{}{}{}pagination:\n  doc: {{file: f, section: s}}\n  itms: /images\n",
            SPEC.replace("title: t\n", "title: t\ntitel: x\n"),
            case("a", &format!("{doc}    levl: must\n    expect:\n      status: 200\n")),
            case("b", &format!("{doc}    expect:\n      status: \"two hundred\"\n")),
            case("c", &format!("{doc}    level: mustnt\n    expect: {{status: 200}}\n")),
        );
        let errors = load_str(Path::new("x.yaml"), &source).unwrap_err();
        let said: Vec<String> =
            errors.iter().map(|e| format!("{}: {} ({})", e.pos.unwrap().line, e.message, e.hint.as_deref().unwrap_or(""))).collect();
        assert_eq!(
            said,
            [
                "3: unknown key `titel` (did you mean `title`?)",
                "10: unknown key `levl` (did you mean `level`?)",
                "16: invalid status (write a status code (`200`) or a list of them (`[200, 203]`))",
                "19: unknown value `mustnt` (did you mean `must`?)",
                "22: missing required key `items` (add `items:` to this mapping (see docs/spec-format.md))",
                "23: unknown key `itms` (did you mean `items`?)",
            ]
        );
    }

    #[test]
    fn scalars_are_read_as_written_where_a_string_is_wanted() {
        let source = format!("{}{}", SPEC.replace("title: t", "title: 1.10"), case("a", "    expect: {status: 200}\n"));
        let errors = load_str(Path::new("x.yaml"), &source).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].message, "missing required key `doc`");
    }
}
