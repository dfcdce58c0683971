//! Template variables before a run: read from `--vars FILE` and `--var`, and checked against the
//! placeholders the selected cases' request paths name, so that a variable nobody set is one
//! usage error before anything is sent, not one `error` per case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_saphyr::Spanned;

use crate::plan::PlannedCase;
use crate::spec::error::{Pos, SpecError};

/// `--vars FILE`: a YAML (or JSON) mapping of variable name to value. A value must be a
/// scalar; it is taken as written (`0123` stays `0123`).
pub fn read_file(path: &Path) -> Result<BTreeMap<String, String>, SpecError> {
    let source = std::fs::read_to_string(path).map_err(|e| SpecError::new(path, format!("cannot read the variables file: {e}")))?;
    let entries: BTreeMap<String, Spanned<serde_json::Value>> = match serde_saphyr::from_str(&source) {
        Ok(Some(entries)) => entries,
        Ok(None) => return Ok(BTreeMap::new()),
        Err(e) => {
            let e = crate::spec::load::yaml_error(path, &source, &e);
            return Err(e.hint("a variables file is a mapping of name to value, e.g. `project_id: 0123abcd`"));
        }
    };
    let mut vars = BTreeMap::new();
    for (name, value) in entries {
        let text = match &value.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                as_written(&source, &value).unwrap_or_else(|| value.value.to_string())
            }
            other => {
                let what = if other.is_null() { "empty" } else { "not a single value" };
                return Err(SpecError::new(path, format!("variable `{name}` is {what}"))
                    .at(&source, Pos::of(&value.referenced), 1)
                    .hint("write a value: a string, a number or a boolean"));
            }
        };
        vars.insert(name, text);
    }
    Ok(vars)
}

/// The plain scalar as it stands in the source, so that `0123` or `1.10` keep their digits.
fn as_written(source: &str, value: &Spanned<serde_json::Value>) -> Option<String> {
    let span = value.referenced.span();
    let (start, len) = (span.byte_offset()? as usize, span.byte_len()? as usize);
    source.get(start..start + len).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Variables the selected cases need and nobody sets: each with the specs that need it (in
/// order, once each).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Unset(pub BTreeMap<String, Vec<String>>);

/// The placeholders of `case`'s request path, after `--map-path` rewrote it as a run does.
fn placeholders(case: &PlannedCase, path_map: &[(String, String)]) -> Vec<String> {
    let template = &case.spec.file.request.path.value;
    let rewritten = path_map
        .iter()
        .find_map(|(from, to)| template.strip_prefix(from.as_str()).map(|rest| format!("{to}{rest}")))
        .unwrap_or_else(|| template.clone());
    crate::spec::load::placeholders(&rewritten).into_iter().map(str::to_string).collect()
}

/// What the `cases` (those selected) need that neither `vars`, the case's target nor the spec's
/// `default` sets; and which of `given` (the names of `--var` and `--vars`) none of them uses.
pub(crate) fn check<'a>(
    cases: impl IntoIterator<Item = &'a PlannedCase>,
    vars: &BTreeMap<String, String>,
    path_map: &[(String, String)],
    given: &BTreeSet<String>,
) -> (Unset, Vec<String>) {
    let mut unset = Unset::default();
    let mut used = BTreeSet::new();
    for case in cases {
        for name in placeholders(case, path_map) {
            let default = case.spec.file.vars.get(&name).is_some_and(|v| v.default.is_some());
            if !vars.contains_key(&name) && !case.target.vars.contains_key(&name) && !default {
                let specs = unset.0.entry(name.clone()).or_default();
                if !specs.contains(&case.spec.path) {
                    specs.push(case.spec.path.clone());
                }
            }
            used.insert(name);
        }
    }
    (unset, given.difference(&used).cloned().collect())
}

/// The variables the selected cases need are all set (else one usage error naming them and their
/// specs); a `--var` or `--vars` entry no selected case uses gets a warning.
pub fn require(
    specs: &[std::sync::Arc<crate::spec::Spec>],
    targets: &[crate::plan::Target],
    vars: &BTreeMap<String, String>,
    path_map: &[(String, String)],
    libtest: &libtest_mimic::Arguments,
    given: &BTreeSet<String>,
) -> Result<(), String> {
    // Without `--target`, the embedded reference server is the target, with its own variables.
    let targets: Vec<std::sync::Arc<crate::plan::Target>> = match targets {
        [] => vec![std::sync::Arc::new(crate::embedded::shape())],
        given => given.iter().cloned().map(std::sync::Arc::new).collect(),
    };
    let plan = crate::plan::Plan::new(specs, &targets);
    let (unset, unused) = check(plan.cases.iter().filter(|c| crate::run::Runner::selects(libtest, c)), vars, path_map, given);
    for name in unused {
        eprintln!("specgate: warning: variable `{name}` (--var or --vars) is used by no selected spec");
    }
    match unset.0.is_empty() {
        true => Ok(()),
        false => Err(unset.to_string()),
    }
}

impl std::fmt::Display for Unset {
    /// One line per variable with the specs that need it, and how to set them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        writeln!(f, "{} not set; nothing was run:", if n == 1 { "a template variable is" } else { "template variables are" })?;
        for (name, specs) in &self.0 {
            writeln!(f, "  `{name}`, needed by {}", specs.join(", "))?;
        }
        let example = self.0.keys().next().map(String::as_str).unwrap_or("NAME");
        write!(f, "  = hint: pass `--var {example}=VALUE`, or put `{example}: VALUE` in a file given with `--vars FILE`")?;
        if self.0.contains_key("project_id") {
            write!(f, "; a Keystone login (`OS_AUTH_URL`, `--os-cloud`) or `--project-id` sets `project_id`")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const SPEC: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nvars:\n  project_id: {description: the project}\n  region: {description: r, default: eu}\nrequest:\n  path: /v2.1/{project_id}/{region}/images\ncases:\n  - name: ok\n    doc: {file: f, section: s}\n    expect:\n      status: 200\n";

    fn plan(target_vars: &[(&str, &str)]) -> crate::plan::Plan {
        let spec = Arc::new(crate::spec::load::load_str(Path::new("specs/a.yaml"), SPEC).unwrap());
        let vars = target_vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let target = Arc::new(crate::plan::Target { name: "t".into(), url: url::Url::parse("http://x/").unwrap(), vars });
        crate::plan::Plan::new(&[spec], &[target])
    }

    #[test]
    fn a_variable_without_value_or_default_is_unset_once_per_spec() {
        let plan = plan(&[]);
        let (unset, unused) = check(&plan.cases, &BTreeMap::new(), &[], &BTreeSet::from(["zone".to_string()]));
        assert_eq!(unset.0, BTreeMap::from([("project_id".to_string(), vec!["specs/a.yaml".to_string()])]));
        assert_eq!(unused, ["zone"]);
        insta::assert_snapshot!(unset.to_string(), @r"
        a template variable is not set; nothing was run:
          `project_id`, needed by specs/a.yaml
          = hint: pass `--var project_id=VALUE`, or put `project_id: VALUE` in a file given with `--vars FILE`; a Keystone login (`OS_AUTH_URL`, `--os-cloud`) or `--project-id` sets `project_id`
        ");
    }

    #[test]
    fn a_target_or_a_mapped_path_can_supply_or_drop_the_variable() {
        let plan = plan(&[("project_id", "p")]);
        assert_eq!(check(&plan.cases, &BTreeMap::new(), &[], &BTreeSet::new()).0, Unset::default());
        let plan = self::plan(&[]);
        let map = [("/v2.1/{project_id}".to_string(), "/v2".to_string())];
        assert_eq!(check(&plan.cases, &BTreeMap::new(), &map, &BTreeSet::new()).0, Unset::default());
    }

    #[test]
    fn a_variables_file_keeps_values_as_written_and_locates_its_errors() {
        let dir = std::env::temp_dir().join(format!("specgate-vars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("vars.yaml");
        std::fs::write(&file, "project_id: 0123\nversion: 1.10\nname: \"x y\"\n").unwrap();
        let vars = read_file(&file).unwrap();
        assert_eq!(vars["project_id"], "0123");
        assert_eq!(vars["version"], "1.10");
        assert_eq!(vars["name"], "x y");
        std::fs::write(&file, "project_id: abc\nregion: [a, b]\n").unwrap();
        let e = read_file(&file).unwrap_err();
        assert_eq!(e.message, "variable `region` is not a single value");
        assert_eq!(e.pos, Some(Pos { line: 2, col: 9 }));
        std::fs::write(&file, "{\"project_id\": \"abc\",\n \"region\" \"x\"}\n").unwrap();
        let e = read_file(&file).unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(2), "{}", e.render());
    }
}
