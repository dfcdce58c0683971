//! Equivalence files: one catalogue seen through several listings, each listing a spec of its
//! own. The file names the listings, how a field of one maps onto another, and which
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
    #[serde(alias = "doors")]
    pub listings: Vec<Spanned<Listing>>,
    /// Which listings are compared; default: the first listing with each other one.
    #[serde(default)]
    pub pairs: Vec<Spanned<Pair>>,
    /// Fields that carry the same fact under different names or spellings.
    #[serde(default)]
    pub fields: Vec<Spanned<FieldMap>>,
    /// Filters that select the same images on every listing that has them.
    #[serde(default)]
    pub filters: Vec<Spanned<FilterMap>>,
    /// Compare the default order of two listings whose specs both document the same default sort.
    #[serde(default = "yes")]
    pub order: bool,
}

fn yes() -> bool {
    true
}

/// One listing of the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// Short name used in case names (`equivalence.<a>~<b>.ids`) and, when a run has several
    /// targets, the name of the target that serves this listing.
    pub name: String,
    /// The listing's spec, relative to this file.
    pub spec: String,
    /// Why the scope query selects the same set as the other listings.
    pub doc: Option<DocRef>,
    pub why: Option<String>,
    /// Scope: extra query parameters so that every listing lists the same set of images.
    #[serde(default)]
    pub query: Query,
    /// JSON pointer of the image id in an item; default: the spec's `pagination.id`.
    pub id: Option<String>,
}

/// Two listings compared, and what each lists that the other never shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// `[a, b]`: listing `a` is the reference the findings compare `b` with.
    #[serde(alias = "doors")]
    pub listings: Vec<String>,
    pub doc: Option<DocRef>,
    pub why: Option<String>,
    /// Listing name → items of that listing outside the pair's common scope (e.g. deleted images,
    /// which one API lists and the other documents it never shows).
    #[serde(default)]
    pub exclude: BTreeMap<String, Vec<Exclude>>,
    /// Listing name → further requests (queries) whose images join that listing's side for this
    /// pair (e.g. Glance's `os_hidden=true`, which the other listing lists without asking).
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

/// How values are compared once each listing's conversion is applied.
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

/// One fact, as each listing shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub name: String,
    pub doc: DocRef,
    pub level: Option<Level>,
    pub why: Option<String>,
    #[serde(rename = "as", default)]
    pub compare: Compare,
    /// Listing name → where the value is and how it converts.
    #[serde(alias = "doors")]
    pub listings: BTreeMap<String, Spelling>,
}

/// Where one listing shows a field, and how its values convert to the common ones.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spelling {
    /// JSON pointer inside an item.
    pub field: Option<String>,
    /// `object` only: the item's members except these, as one object (Glance v2 writes
    /// custom properties at the top level of the image).
    pub members_except: Option<Vec<String>>,
    /// The listing's value (as text) → common value; values not listed are compared as they are.
    #[serde(default)]
    pub map: BTreeMap<String, serde_json::Value>,
}

/// One filter, as each listing spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterMap {
    pub name: String,
    pub doc: DocRef,
    pub level: Option<Level>,
    pub why: Option<String>,
    /// Listing name → the query that selects the images.
    #[serde(alias = "doors")]
    pub listings: BTreeMap<String, Query>,
}

/// A loaded equivalence file: its listings' specs resolved to paths.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The file as the user named it (forward slashes).
    pub path: String,
    pub file: EquivalenceFile,
    /// Listing name → its spec's path, as the loader names specs.
    pub listing_specs: BTreeMap<String, String>,
}

impl Catalogue {
    pub fn block(&self) -> &Equivalence {
        &self.file.equivalence.value
    }

    pub fn listing(&self, name: &str) -> Option<&Listing> {
        self.block().listings.iter().map(|d| &d.value).find(|d| d.name == name)
    }

    /// The pairs compared (declared, or the first listing with each other one) and their lines.
    pub fn pairs(&self) -> Vec<(Pair, usize)> {
        let b = self.block();
        if b.pairs.is_empty() {
            let first = b.listings.first().map(|d| d.value.name.clone()).unwrap_or_default();
            let line = self.file.equivalence.referenced.line() as usize;
            let pair = |other: &str| Pair {
                listings: vec![first.clone(), other.to_string()],
                doc: None,
                why: None,
                exclude: BTreeMap::new(),
                include: BTreeMap::new(),
            };
            b.listings.iter().skip(1).map(|d| (pair(&d.value.name), line)).collect()
        } else {
            b.pairs.iter().map(|p| (p.value.clone(), p.referenced.line() as usize)).collect()
        }
    }
}

/// Load every equivalence file under `paths`, checking its listings against the loaded `specs`.
pub fn load_all<S: std::borrow::Borrow<Spec>>(paths: &[PathBuf], specs: &[S]) -> Result<Vec<Catalogue>, Vec<SpecError>> {
    super::files::load_each(paths, is_equivalence, |f, source| load_str(f, source, specs))
}

/// Parse and validate one equivalence file; `path` names it and resolves the listing specs.
pub fn load_str<S: std::borrow::Borrow<Spec>>(path: &Path, source: &str, specs: &[S]) -> Result<Catalogue, Vec<SpecError>> {
    let file: EquivalenceFile = serde_saphyr::from_str(source).map_err(|e| vec![yaml_error(path, source, &e)])?;
    let mut v = Checker { path, source, errors: Vec::new() };
    let listing_specs = v.check(&file, specs);
    if v.errors.is_empty() {
        Ok(Catalogue { path: display_path(path), file, listing_specs })
    } else {
        Err(v.errors)
    }
}

/// A listing as an equivalence or isolation file declares it: its spec's path, resolved from
/// the file's folder `base`, and what is wrong with its name or that path (message, hint).
pub(crate) fn declared_listing(base: &Path, name: &str, spec: &str) -> (PathBuf, Vec<(String, &'static str)>) {
    let mut problems = Vec::new();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        problems.push((format!("invalid listing name `{name}`"), "use letters, digits, `-` and `_`"));
    }
    let resolved = normalize(&base.join(spec));
    if !resolved.is_file() {
        problems.push((format!("listing `{name}`: spec `{spec}` not found"), "the path is relative to this file"));
    }
    (resolved, problems)
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

    /// An unknown listing name, with the closest declared one.
    fn unknown_listing<T>(&mut self, at: &Spanned<T>, what: &str, name: &str, listings: &[&str]) {
        let hint = match did_you_mean(name, listings.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("declared listings: {}", listings.join(", ")),
        };
        self.err(at, format!("{what} names listing `{name}`, which `listings:` does not declare"), Some(hint));
    }

    fn check<S: std::borrow::Borrow<Spec>>(&mut self, file: &EquivalenceFile, specs: &[S]) -> BTreeMap<String, String> {
        if file.specgate.value != 1 {
            self.err(&file.specgate, format!("unsupported format version {}", file.specgate.value), None);
        }
        let b = &file.equivalence.value;
        let mut listing_specs = BTreeMap::new();
        let base = self.path.parent().unwrap_or(Path::new(""));
        for d in &b.listings {
            let listing = &d.value;
            let (resolved, problems) = declared_listing(base, &listing.name, &listing.spec);
            for (message, hint) in problems {
                self.err(d, message, Some(hint.into()));
            }
            let shown = display_path(&resolved);
            if let Some(spec) = specs.iter().map(|s| s.borrow()).find(|s| normalize(Path::new(&s.path)) == resolved) {
                if spec.file.pagination.is_none() {
                    self.err(d, format!("listing `{}`: {} has no `pagination:` block to walk", listing.name, spec.path), None);
                }
            }
            if let Some(id) = &listing.id {
                if !id.starts_with('/') {
                    self.err(d, format!("listing `{}`: id `{id}` is not a JSON pointer", listing.name), Some(format!("write `/{id}`")));
                }
            }
            if listing_specs.insert(listing.name.clone(), shown).is_some() {
                self.err(d, format!("duplicate listing name `{}`", listing.name), None);
            }
        }
        if b.listings.len() < 2 {
            self.err(&file.equivalence, "an equivalence needs at least two listings".into(), None);
        }
        let names: Vec<&str> = b.listings.iter().map(|d| d.value.name.as_str()).collect();
        for p in &b.pairs {
            let listings = &p.value.listings;
            if listings.len() != 2 || listings[0] == listings[1] {
                self.err(p, "a pair names two different listings: `listings: [a, b]`".into(), None);
                continue;
            }
            for n in listings.iter().chain(p.value.exclude.keys()).chain(p.value.include.keys()) {
                if !names.contains(&n.as_str()) {
                    self.unknown_listing(p, "pair", n, &names);
                }
            }
            for (listing, list) in &p.value.exclude {
                if !listings.contains(listing) {
                    self.err(p, format!("pair excludes items of `{listing}`, which is not one of its listings"), None);
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
            for (listing, side) in &m.listings {
                if !names.contains(&listing.as_str()) {
                    self.unknown_listing(f, &format!("field `{}`", m.name), listing, &names);
                }
                match (&side.field, &side.members_except) {
                    (Some(p), None) if !p.starts_with('/') => self.err(
                        f,
                        format!("field `{}` on `{listing}`: `{p}` is not a JSON pointer", m.name),
                        Some(format!("write `/{p}`")),
                    ),
                    (Some(_), None) => {}
                    (None, Some(_)) if m.compare == Compare::Object => {}
                    (None, Some(_)) => self.err(
                        f,
                        format!("field `{}` on `{listing}`: `members_except` makes an object", m.name),
                        Some("add `as: object`".into()),
                    ),
                    _ => self.err(f, format!("field `{}` on `{listing}`: give exactly one of `field` and `members_except`", m.name), None),
                }
            }
            if m.listings.len() < 2 {
                self.err(f, format!("field `{}` maps fewer than two listings", m.name), None);
            }
        }
        for f in &b.filters {
            let m = &f.value;
            if !seen.insert(format!("filter {}", m.name)) {
                self.err(f, format!("duplicate filter `{}`", m.name), None);
            }
            for listing in m.listings.keys() {
                if !names.contains(&listing.as_str()) {
                    self.unknown_listing(f, &format!("filter `{}`", m.name), listing, &names);
                }
            }
        }
        listing_specs
    }
}

/// A path with `.` and `..` resolved lexically (listing specs are named relative to the file).
pub(crate) fn normalize(p: &Path) -> PathBuf {
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

/// Whether the spec at `spec_path` is the one a listing names (`listing_spec`, as resolved).
pub fn same_path(spec_path: &str, listing_spec: &str) -> bool {
    normalize(Path::new(spec_path)) == normalize(Path::new(listing_spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nequivalence:\n  doc: {file: f, section: s}\n  listings:\n    - {name: a, spec: a.yaml}\n    - {name: b, spec: b.yaml}\n  fields:\n    - name: size\n      doc: {file: f, section: s}\n      as: integer\n      listings:\n        a: {field: /size}\n        b: {field: /OS-EXT-IMG-SIZE:size}\n";

    fn load(src: &str) -> Result<Catalogue, Vec<SpecError>> {
        let dir = std::env::temp_dir().join(format!("specgate-equiv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["a.yaml", "b.yaml"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        load_str::<Spec>(&dir.join("eq.yaml"), src, &[])
    }

    #[test]
    fn a_good_file_loads_and_pairs_the_first_listing_with_the_others() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.pairs().iter().map(|(p, _)| p.listings.join("~")).collect::<Vec<_>>(), ["a~b"]);
        assert!(c.listing_specs["b"].ends_with("/b.yaml"), "{:?}", c.listing_specs);
        assert!(is_equivalence(GOOD));
        assert!(!is_equivalence("specgate: 1\ntitle: t\n"));
    }

    /// Files written before `doors:` was renamed `listings:` load unchanged, in all four places.
    #[test]
    fn the_former_doors_key_still_loads() {
        let old = GOOD.replace("  listings:\n", "  doors:\n").replace("      listings:\n", "      doors:\n")
            + "  pairs:\n    - doors: [a, b]\n  filters:\n    - name: f\n      doc: {file: f, section: s}\n      doors: {a: {x: 1}, b: {y: 1}}\n";
        assert!(!old.contains("listings"), "{old}");
        let c = load(&old).unwrap();
        assert_eq!(c.block().listings.len(), 2);
        assert_eq!(c.pairs().iter().map(|(p, _)| p.listings.join("~")).collect::<Vec<_>>(), ["a~b"]);
        assert_eq!(c.block().fields[0].value.listings.len(), 2);
        assert_eq!(c.block().filters[0].value.listings.len(), 2);
    }

    #[test]
    fn an_equivalence_file_is_known_by_its_top_level_key_in_any_form() {
        assert!(is_equivalence("# c\n---\nequivalence :\n  listings: {}\n"));
        assert!(is_equivalence("title: t\n\"equivalence\": {}\n"));
        assert!(is_equivalence("{\"title\": \"t\", \"equivalence\": {}}"));
        assert!(!is_equivalence("{\"title\": \"t\", \"x\": {\"equivalence\": 1}}"));
        // Nested, or a longer key: not the top-level key.
        assert!(!is_equivalence("cases:\n  equivalence: 1\nequivalences: 2\n"));
        assert!(!is_equivalence(""));
    }

    #[test]
    fn an_unknown_listing_is_located_and_gets_a_suggestion() {
        let errs = load(&GOOD.replace("        b: {field", "        bb: {field")).unwrap_err();
        let text = errs[0].render();
        assert!(text.contains("field `size` names listing `bb`"), "{text}");
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
    fn a_missing_listing_spec_and_a_bad_pointer_are_errors() {
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
