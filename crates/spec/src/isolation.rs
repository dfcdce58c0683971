//! Isolation files: who may see what. One catalogue, several identities, four listings: the
//! file names the listings (each a spec of its own), says which field of each shows an image's
//! owner, visibility and member status, and declares each isolation rule with the doc sentence
//! it comes from. `plan::isolation` (in the engine) derives the cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{display_path, yaml_error, Pos, SpecError};
use super::model::{DocRef, Level, Query};

/// An isolation file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolationFile {
    pub specgate: Spanned<u32>,
    pub title: String,
    pub doc: DocRef,
    pub isolation: Spanned<Isolation>,
}

/// The listings and the rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Isolation {
    /// The listings, each a spec with a `pagination:` block (walks reuse it).
    pub listings: Vec<Spanned<Listing>>,
    /// The rules checked, by name (`Rule`), each with its doc sentence and level; a rule not
    /// declared is not checked.
    pub rules: BTreeMap<Rule, Spanned<RuleDecl>>,
}

/// One listing, and where its items show who may see them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// Short name used in case names (`isolation.private.<listing>`).
    pub name: String,
    /// The listing's spec, relative to this file.
    pub spec: String,
    /// JSON pointer of the owning project in an item, when the listing shows it.
    pub owner: Option<String>,
    /// Where the listing shows visibility, and how its values read as Glance's.
    pub visibility: Option<Visibility>,
    /// How the listing lists shared images by the caller's member status, when it can.
    pub member_status: Option<MemberStatus>,
    /// Scope: extra query parameters of every walk (e.g. `os_hidden` left to the default).
    #[serde(default)]
    pub query: Query,
}

/// A visibility field: the listing's value (as text) → `public`, `private`, `shared` or
/// `community`. Values not mapped read as they are; a listing whose field only tells public
/// from the rest (`is_public`) maps the one it can tell.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    pub field: String,
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

/// The query that lists shared images by member status: `param=<status>` with `with`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemberStatus {
    pub param: String,
    #[serde(default)]
    pub with: Query,
}

/// The isolation rules a file may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A private image of one project is never listed to another, under any filter or page.
    Private,
    /// A shared image is listed to a member only as its member status allows.
    Shared,
    /// Public images are listed to every identity.
    Public,
    /// Each identity's view is the same catalogue through each listing.
    SameCatalogue,
    /// No credentials, a bad token or a bad signature: 401 on every listing.
    Unauthenticated,
    /// A `{project_id}` in the path that is not the token's is refused or lists nothing of it.
    ProjectInPath,
    /// An admin identity sees every image every other identity sees.
    Admin,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Private => "private",
            Rule::Shared => "shared",
            Rule::Public => "public",
            Rule::SameCatalogue => "same-catalogue",
            Rule::Unauthenticated => "unauthenticated",
            Rule::ProjectInPath => "project-in-path",
            Rule::Admin => "admin",
        }
    }
}

/// A rule as declared: the doc sentence behind it and how much it weighs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDecl {
    pub doc: DocRef,
    #[serde(default)]
    pub level: Level,
    pub why: Option<String>,
}

/// A loaded isolation file: its listings' specs resolved to paths.
#[derive(Debug, Clone)]
pub struct IsolationSpec {
    /// The file as the user named it (forward slashes).
    pub path: String,
    pub file: IsolationFile,
    /// Listing name → its spec's path, as the loader names specs.
    pub listing_specs: BTreeMap<String, String>,
}

impl IsolationSpec {
    pub fn block(&self) -> &Isolation {
        &self.file.isolation.value
    }
}

/// Load every isolation file under `paths`.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<IsolationSpec>, Vec<SpecError>> {
    super::files::load_each(paths, super::files::is_isolation, load_str)
}

/// Parse and check one isolation file; `path` names it and resolves the listing specs.
pub fn load_str(path: &Path, source: &str) -> Result<IsolationSpec, Vec<SpecError>> {
    let file: IsolationFile = serde_saphyr::from_str(source).map_err(|e| vec![yaml_error(path, source, &e)])?;
    let mut errors = Vec::new();
    let err = |at: &serde_saphyr::Location, message: String, hint: &str| {
        let e = SpecError::new(path, message).at(source, Pos::of(at), 1);
        if hint.is_empty() {
            e
        } else {
            e.hint(hint)
        }
    };
    if file.specgate.value != 1 {
        errors.push(err(&file.specgate.referenced, format!("unsupported format version {}", file.specgate.value), ""));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let mut listing_specs = BTreeMap::new();
    for d in &file.isolation.value.listings {
        let l = &d.value;
        let (resolved, problems) = super::equivalence::declared_listing(base, &l.name, &l.spec);
        errors.extend(problems.into_iter().map(|(message, hint)| err(&d.referenced, message, hint)));
        let pointers = [l.owner.as_deref(), l.visibility.as_ref().map(|v| v.field.as_str())];
        for p in pointers.into_iter().flatten().filter(|p| !p.starts_with('/')) {
            errors.push(err(&d.referenced, format!("listing `{}`: `{p}` is not a JSON pointer", l.name), &format!("write `/{p}`")));
        }
        if listing_specs.insert(l.name.clone(), display_path(&resolved)).is_some() {
            errors.push(err(&d.referenced, format!("duplicate listing name `{}`", l.name), ""));
        }
    }
    if file.isolation.value.listings.is_empty() {
        errors.push(err(&file.isolation.referenced, "an isolation block needs at least one listing".into(), ""));
    }
    if errors.is_empty() {
        Ok(IsolationSpec { path: display_path(path), file, listing_specs })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nisolation:\n  listings:\n    - {name: a, spec: a.yaml, owner: /owner, visibility: {field: /visibility}}\n    - {name: b, spec: b.yaml, visibility: {field: /is_public, map: {'true': public}}}\n  rules:\n    private: {doc: {file: f, section: s}, level: must}\n    unauthenticated: {doc: {file: f, section: s}, level: should}\n";

    fn load(src: &str) -> Result<IsolationSpec, Vec<SpecError>> {
        let dir = std::env::temp_dir().join(format!("specgate-isolation-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["a.yaml", "b.yaml"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        load_str(&dir.join("iso.yaml"), src)
    }

    #[test]
    fn a_good_file_loads_with_its_rules() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.block().rules.keys().copied().collect::<Vec<_>>(), [Rule::Private, Rule::Unauthenticated]);
        assert!(c.listing_specs["b"].ends_with("/b.yaml"));
        assert!(super::super::files::is_isolation(GOOD));
        assert!(!super::super::files::is_equivalence(GOOD));
    }

    #[test]
    fn an_unknown_rule_is_located() {
        let errs = load(&GOOD.replace("    private:", "    privat:")).unwrap_err();
        let text = errs[0].render();
        assert!(text.contains("privat") && text.contains("iso.yaml:9:"), "{text}");
    }

    #[test]
    fn a_bad_pointer_and_a_missing_spec_are_errors() {
        let errs = load(&GOOD.replace("owner: /owner", "owner: owner").replace("spec: b.yaml", "spec: nope.yaml")).unwrap_err();
        let all: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        assert!(all.iter().any(|m| m.contains("`owner` is not a JSON pointer")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("spec `nope.yaml` not found")), "{all:?}");
    }
}
