//! Which files a load reads: the YAML files of the paths given (a directory's walked), and what
//! each one holds: a spec, an equivalence file, or something else that a directory may also hold
//! (an OpenAPI document, a CI file), which is skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::SpecError;

/// Expand `paths` (files or directories) into the sorted list of spec files.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SpecError> {
    Ok(found(paths)?.into_iter().map(|(path, _)| path).collect())
}

/// How a file came to be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Named on the command line: it is a spec, whatever it holds.
    Named,
    /// A YAML file in a directory named: a spec only if it reads as one (`looks_like_spec`).
    InDirectory,
}

pub(crate) fn found(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Found)>, SpecError> {
    let mut out = std::collections::BTreeMap::new();
    for p in paths {
        if p.is_dir() {
            let mut files = BTreeSet::new();
            walk(p, &mut files).map_err(|e| SpecError::new(p, format!("cannot read directory: {e}")))?;
            for f in files {
                out.entry(f).or_insert(Found::InDirectory);
            }
        } else if p.exists() {
            out.insert(p.clone(), Found::Named);
        } else {
            return Err(SpecError::new(p, "no such file or directory"));
        }
    }
    Ok(out.into_iter().collect())
}

fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.insert(path);
        }
    }
    Ok(())
}

/// The top-level keys of a spec (`model::SpecFile`; a test holds the two together).
pub(crate) const SPEC_KEYS: [&str; 10] =
    ["specgate", "title", "doc", "vars", "request", "cases", "pagination", "filters", "links", "latency"];

/// Whether a YAML file found in a directory is meant as a spec: its top level is a mapping with
/// one of a spec's keys. An OpenAPI document or a CI file beside the specs is not; a file that
/// does not parse is taken as a spec, so that its error is shown.
pub(crate) fn looks_like_spec(source: &str) -> bool {
    match serde_saphyr::from_str::<Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>>(source) {
        Ok(Some(keys)) => keys.keys().any(|k| SPEC_KEYS.contains(&k.as_str())),
        Ok(None) => false,
        Err(_) => serde_saphyr::from_str::<serde::de::IgnoredAny>(source).is_err(),
    }
}

/// Whether `source` is an equivalence file (it has a top-level `equivalence:` key). A file
/// that does not parse is not one: the spec loader then reports its errors.
pub(crate) fn is_equivalence(source: &str) -> bool {
    has_top_level_key(source, "equivalence")
}

/// Whether `source` is an isolation file (it has a top-level `isolation:` key).
pub(crate) fn is_isolation(source: &str) -> bool {
    has_top_level_key(source, "isolation")
}

/// Whether `source`'s top level has the key `name`.
///
/// A block mapping's top-level keys start their lines, so the lines are scanned first; only a
/// file whose top level is a flow mapping (`{...}`, as JSON is) is parsed to find out.
fn has_top_level_key(source: &str, name: &str) -> bool {
    let key = |line: &str| {
        let quoted = [name.to_string(), format!("\"{name}\""), format!("'{name}'")];
        let rest = quoted.iter().find_map(|k| line.strip_prefix(k.as_str()));
        rest.is_some_and(|r| r.trim_start_matches([' ', '\t']).starts_with(':'))
    };
    let mut content = source.lines().map(|l| l.trim_start_matches('\u{feff}')).filter(|l| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#') && !t.starts_with("---") && !t.starts_with('%')
    });
    match content.next() {
        Some(first) if first.trim_start().starts_with('{') => {
            serde_saphyr::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(source).is_ok_and(|m| m.contains_key(name))
        }
        Some(first) => key(first) || content.any(key),
        None => false,
    }
}

/// Every file under `paths` that `is` recognises, loaded with `load`; every file's errors.
pub(crate) fn load_each<T>(
    paths: &[PathBuf],
    is: fn(&str) -> bool,
    mut load: impl FnMut(&Path, &str) -> Result<T, Vec<SpecError>>,
) -> Result<Vec<T>, Vec<SpecError>> {
    let files = discover(paths).map_err(|e| vec![e])?;
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for f in files {
        let Ok(source) = std::fs::read_to_string(&f) else { continue };
        if !is(&source) {
            continue;
        }
        match load(&f, &source) {
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
