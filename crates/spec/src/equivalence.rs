//! Equivalence files: one catalogue seen through several listings ("doors"), each door a spec
//! of its own. The file names the doors, how a field of one maps onto another, and which
//! filters select the same images; `plan::equivalence` derives the cases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{did_you_mean, display_path, yaml_error, Pos, SpecError};
use super::files::is_equivalence;
use super::load::Spec;
use super::model::{DocRef, Level, Query};

/// An equivalence file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivalenceFile {
    pub specgate: Spanned<u32>,
    pub title: String,
    pub doc: DocRef,
    pub equivalence: Spanned<Equivalence>,
}

/// How several listings of one catalogue relate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalence {
    pub doc: DocRef,
    #[serde(default)]
    pub level: Level,
    pub why: Option<String>,
    /// The listings, each a spec with a `pagination:` block (walks reuse it).
    pub doors: Vec<Spanned<Door>>,
    /// Which doors are compared; default: the first door with each other one.
    #[serde(default)]
    pub pairs: Vec<Spanned<Pair>>,
    /// Fields that carry the same fact under different names or spellings.
    #[serde(default)]
    pub fields: Vec<Spanned<FieldMap>>,
    /// Filters that select the same images on every door that has them.
    #[serde(default)]
    pub filters: Vec<Spanned<FilterMap>>,
    /// Compare the default order of two doors whose specs both document the same default sort.
    #[serde(default = "yes")]
    pub order: bool,
}

fn yes() -> bool {
    true
}

/// One listing of the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Door {
    /// Short name used in case names (`equivalence.<a>~<b>.ids`) and, when a run has several
    /// targets, the name of the target that serves this door.
    pub name: String,
    /// The door's spec, relative to this file.
    pub spec: String,
    /// Why the scope query selects the same set as the other doors.
    pub doc: Option<DocRef>,
    pub why: Option<String>,
    /// Scope: extra query parameters so that every door lists the same set of images.
    #[serde(default)]
    pub query: Query,
    /// JSON pointer of the image id in an item; default: the spec's `pagination.id`.
    pub id: Option<String>,
}

/// Two doors compared, and what each lists that the other never shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// `[a, b]`: door `a` is the reference the findings compare `b` with.
    pub doors: Vec<String>,
    pub doc: Option<DocRef>,
    pub why: Option<String>,
    /// Door name → items of that door outside the pair's common scope (e.g. deleted images,
    /// which one API lists and the other documents it never shows).
    #[serde(default)]
    pub exclude: BTreeMap<String, Vec<Exclude>>,
    /// Door name → further listings (queries) whose images join that door's side for this
    /// pair (e.g. Glance's `os_hidden=true`, which the other door lists without asking).
    #[serde(default)]
    pub include: BTreeMap<String, Vec<Query>>,
}

/// Items whose `field` holds one of `values` (compared as text) are out of scope.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exclude {
    pub field: String,
    pub values: Vec<serde_json::Value>,
}

/// How values are compared once each door's conversion is applied.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The values' text (`"1"` and `1` agree).
    #[default]
    Text,
    /// Integers.
    Integer,
    /// Booleans (`true` and `"true"` agree).
    Boolean,
    /// Timestamps as instants, whatever their format (`…Z`, `+08:00`, no zone = UTC).
    Time,
    /// Objects of scalar members, compared member by member as text.
    Object,
}

impl Compare {
    pub fn as_str(self) -> &'static str {
        match self {
            Compare::Text => "text",
            Compare::Integer => "integer",
            Compare::Boolean => "boolean",
            Compare::Time => "time",
            Compare::Object => "object",
        }
    }
}

/// One fact, as each door shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub name: String,
    pub doc: DocRef,
    pub level: Option<Level>,
    pub why: Option<String>,
    #[serde(rename = "as", default)]
    pub compare: Compare,
    /// Door name → where the value is and how it converts.
    pub doors: BTreeMap<String, Side>,
}

/// Where one door shows a field, and how its values convert to the common ones.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// JSON pointer inside an item.
    pub field: Option<String>,
    /// `object` only: the item's members except these, as one object (Glance v2 writes
    /// custom properties at the top level of the image).
    pub members_except: Option<Vec<String>>,
    /// Door value (as text) → common value; values not listed are compared as they are.
    #[serde(default)]
    pub map: BTreeMap<String, serde_json::Value>,
}

/// One filter, as each door spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterMap {
    pub name: String,
    pub doc: DocRef,
    pub level: Option<Level>,
    pub why: Option<String>,
    /// Door name → the query that selects the images.
    pub doors: BTreeMap<String, Query>,
}

/// A loaded equivalence file: its doors' specs resolved to paths.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The file as the user named it (forward slashes).
    pub path: String,
    pub file: EquivalenceFile,
    /// Door name → its spec's path, as the loader names specs.
    pub door_specs: BTreeMap<String, String>,
}

impl Catalogue {
    pub fn block(&self) -> &Equivalence {
        &self.file.equivalence.value
    }

    pub fn door(&self, name: &str) -> Option<&Door> {
        self.block().doors.iter().map(|d| &d.value).find(|d| d.name == name)
    }

    /// The pairs compared (declared, or the first door with each other one) and their lines.
    pub fn pairs(&self) -> Vec<(Pair, usize)> {
        let b = self.block();
        if b.pairs.is_empty() {
            let first = b.doors.first().map(|d| d.value.name.clone()).unwrap_or_default();
            let line = self.file.equivalence.referenced.line() as usize;
            let pair = |other: &str| Pair {
                doors: vec![first.clone(), other.to_string()],
                doc: None,
                why: None,
                exclude: BTreeMap::new(),
                include: BTreeMap::new(),
            };
            b.doors.iter().skip(1).map(|d| (pair(&d.value.name), line)).collect()
        } else {
            b.pairs.iter().map(|p| (p.value.clone(), p.referenced.line() as usize)).collect()
        }
    }
}

/// Load every equivalence file under `paths`, checking its doors against the loaded `specs`.
pub fn load_all<S: std::borrow::Borrow<Spec>>(paths: &[PathBuf], specs: &[S]) -> Result<Vec<Catalogue>, Vec<SpecError>> {
    let files = super::files::discover(paths).map_err(|e| vec![e])?;
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for f in files {
        let Ok(source) = std::fs::read_to_string(&f) else { continue };
        if !is_equivalence(&source) {
            continue;
        }
        match load_str(&f, &source, specs) {
            Ok(c) => out.push(c),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Parse and validate one equivalence file; `path` names it and resolves the door specs.
pub fn load_str<S: std::borrow::Borrow<Spec>>(path: &Path, source: &str, specs: &[S]) -> Result<Catalogue, Vec<SpecError>> {
    let file: EquivalenceFile = serde_saphyr::from_str(source).map_err(|e| vec![yaml_error(path, source, &e)])?;
    let mut v = Checker { path, source, errors: Vec::new() };
    let door_specs = v.check(&file, specs);
    if v.errors.is_empty() {
        Ok(Catalogue { path: display_path(path), file, door_specs })
    } else {
        Err(v.errors)
    }
}

struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    errors: Vec<SpecError>,
}

impl Checker<'_> {
    fn err<T>(&mut self, at: &Spanned<T>, message: String, hint: Option<String>) {
        let mut e = SpecError::new(self.path, message).at(self.source, Pos::of(&at.referenced), 1);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        self.errors.push(e);
    }

    /// An unknown door name, with the closest declared one.
    fn unknown_door<T>(&mut self, at: &Spanned<T>, what: &str, name: &str, doors: &[&str]) {
        let hint = match did_you_mean(name, doors.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("declared doors: {}", doors.join(", ")),
        };
        self.err(at, format!("{what} names door `{name}`, which `doors:` does not declare"), Some(hint));
    }

    fn check<S: std::borrow::Borrow<Spec>>(&mut self, file: &EquivalenceFile, specs: &[S]) -> BTreeMap<String, String> {
        if file.specgate.value != 1 {
            self.err(&file.specgate, format!("unsupported format version {}", file.specgate.value), None);
        }
        let b = &file.equivalence.value;
        let mut door_specs = BTreeMap::new();
        let base = self.path.parent().unwrap_or(Path::new(""));
        for d in &b.doors {
            let door = &d.value;
            if door.name.is_empty() || !door.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                self.err(d, format!("invalid door name `{}`", door.name), Some("use letters, digits, `-` and `_`".into()));
            }
            let resolved = normalize(&base.join(&door.spec));
            if !resolved.is_file() {
                self.err(
                    d,
                    format!("door `{}`: spec `{}` not found", door.name, door.spec),
                    Some("the path is relative to this file".into()),
                );
            }
            let shown = display_path(&resolved);
            if let Some(spec) = specs.iter().map(|s| s.borrow()).find(|s| normalize(Path::new(&s.path)) == resolved) {
                if spec.file.pagination.is_none() {
                    self.err(d, format!("door `{}`: {} has no `pagination:` block to walk", door.name, spec.path), None);
                }
            }
            if let Some(id) = &door.id {
                if !id.starts_with('/') {
                    self.err(d, format!("door `{}`: id `{id}` is not a JSON pointer", door.name), Some(format!("write `/{id}`")));
                }
            }
            if door_specs.insert(door.name.clone(), shown).is_some() {
                self.err(d, format!("duplicate door name `{}`", door.name), None);
            }
        }
        if b.doors.len() < 2 {
            self.err(&file.equivalence, "an equivalence needs at least two doors".into(), None);
        }
        let names: Vec<&str> = b.doors.iter().map(|d| d.value.name.as_str()).collect();
        for p in &b.pairs {
            let doors = &p.value.doors;
            if doors.len() != 2 || doors[0] == doors[1] {
                self.err(p, "a pair names two different doors: `doors: [a, b]`".into(), None);
                continue;
            }
            for n in doors.iter().chain(p.value.exclude.keys()).chain(p.value.include.keys()) {
                if !names.contains(&n.as_str()) {
                    self.unknown_door(p, "pair", n, &names);
                }
            }
            for (door, list) in &p.value.exclude {
                if !doors.contains(door) {
                    self.err(p, format!("pair excludes items of `{door}`, which is not one of its doors"), None);
                }
                for x in list.iter().filter(|x| !x.field.starts_with('/')) {
                    self.err(p, format!("exclude: `{}` is not a JSON pointer", x.field), Some(format!("write `/{}`", x.field)));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for f in &b.fields {
            let m = &f.value;
            if !seen.insert(format!("field {}", m.name)) {
                self.err(f, format!("duplicate field `{}`", m.name), None);
            }
            for (door, side) in &m.doors {
                if !names.contains(&door.as_str()) {
                    self.unknown_door(f, &format!("field `{}`", m.name), door, &names);
                }
                match (&side.field, &side.members_except) {
                    (Some(p), None) if !p.starts_with('/') => {
                        self.err(f, format!("field `{}` on `{door}`: `{p}` is not a JSON pointer", m.name), Some(format!("write `/{p}`")))
                    }
                    (Some(_), None) => {}
                    (None, Some(_)) if m.compare == Compare::Object => {}
                    (None, Some(_)) => self.err(
                        f,
                        format!("field `{}` on `{door}`: `members_except` makes an object", m.name),
                        Some("add `as: object`".into()),
                    ),
                    _ => self.err(f, format!("field `{}` on `{door}`: give exactly one of `field` and `members_except`", m.name), None),
                }
            }
            if m.doors.len() < 2 {
                self.err(f, format!("field `{}` maps fewer than two doors", m.name), None);
            }
        }
        for f in &b.filters {
            let m = &f.value;
            if !seen.insert(format!("filter {}", m.name)) {
                self.err(f, format!("duplicate filter `{}`", m.name), None);
            }
            for door in m.doors.keys() {
                if !names.contains(&door.as_str()) {
                    self.unknown_door(f, &format!("filter `{}`", m.name), door, &names);
                }
            }
        }
        door_specs
    }
}

/// A path with `.` and `..` resolved lexically (door specs are named relative to the file).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether the spec at `spec_path` is the one a door names (`door_spec`, as resolved).
pub fn same_path(spec_path: &str, door_spec: &str) -> bool {
    normalize(Path::new(spec_path)) == normalize(Path::new(door_spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nequivalence:\n  doc: {file: f, section: s}\n  doors:\n    - {name: a, spec: a.yaml}\n    - {name: b, spec: b.yaml}\n  fields:\n    - name: size\n      doc: {file: f, section: s}\n      as: integer\n      doors:\n        a: {field: /size}\n        b: {field: /OS-EXT-IMG-SIZE:size}\n";

    fn load(src: &str) -> Result<Catalogue, Vec<SpecError>> {
        let dir = std::env::temp_dir().join(format!("specgate-equiv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["a.yaml", "b.yaml"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        load_str::<Spec>(&dir.join("eq.yaml"), src, &[])
    }

    #[test]
    fn a_good_file_loads_and_pairs_the_first_door_with_the_others() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.pairs().iter().map(|(p, _)| p.doors.join("~")).collect::<Vec<_>>(), ["a~b"]);
        assert!(c.door_specs["b"].ends_with("/b.yaml"), "{:?}", c.door_specs);
        assert!(is_equivalence(GOOD));
        assert!(!is_equivalence("specgate: 1\ntitle: t\n"));
    }

    #[test]
    fn an_equivalence_file_is_known_by_its_top_level_key_in_any_form() {
        assert!(is_equivalence("# c\n---\nequivalence :\n  doors: {}\n"));
        assert!(is_equivalence("title: t\n\"equivalence\": {}\n"));
        assert!(is_equivalence("{\"title\": \"t\", \"equivalence\": {}}"));
        assert!(!is_equivalence("{\"title\": \"t\", \"x\": {\"equivalence\": 1}}"));
        // Nested, or a longer key: not the top-level key.
        assert!(!is_equivalence("cases:\n  equivalence: 1\nequivalences: 2\n"));
        assert!(!is_equivalence(""));
    }

    #[test]
    fn an_unknown_door_is_located_and_gets_a_suggestion() {
        let errs = load(&GOOD.replace("        b: {field", "        bb: {field")).unwrap_err();
        let text = errs[0].render();
        assert!(text.contains("field `size` names door `bb`"), "{text}");
        assert!(text.contains("eq.yaml:10:"), "{text}");
        assert!(text.contains("did you mean `b`?"), "{text}");
    }

    #[test]
    fn a_typo_in_a_key_is_located() {
        let errs = load(&GOOD.replace("      as: integer", "      as: integr")).unwrap_err();
        let text = errs[0].render();
        assert!(text.contains("unknown value `integr`") && text.contains("eq.yaml:12:"), "{text}");
    }

    #[test]
    fn a_missing_door_spec_and_a_bad_pointer_are_errors() {
        let errs = load(&GOOD.replace("spec: b.yaml", "spec: nope.yaml").replace("{field: /size}", "{field: size}")).unwrap_err();
        let all: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        assert!(all.iter().any(|m| m.contains("spec `nope.yaml` not found")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("`size` is not a JSON pointer")), "{all:?}");
    }

    #[test]
    fn paths_normalize_through_parent_directories() {
        assert!(same_path("specs/openstack/x.yaml", "specs/ims/../openstack/x.yaml"));
        assert!(!same_path("specs/ims/x.yaml", "specs/openstack/x.yaml"));
    }
}
