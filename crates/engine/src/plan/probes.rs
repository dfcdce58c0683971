//! The edge probes a `filters:` block stands for, generated from each filter's declaration:
//! case variants and percent-encoded values of exact-match strings, both values of a boolean,
//! and a filter walked sorted both ways. Each is `should` unless `filters.levels` cites the doc
//! sentence that makes it a `must`, or turns it `off` with the reason.

use super::invariant::{case_suffix, Check, FilterCheck, Invariant};
use crate::spec::model::{DocRef, FilterParam, Filters, Level, ProbeSwitch, Relation};
use crate::spec::Spec;

pub(crate) fn derive(spec: &Spec, out: &mut Vec<Invariant>) {
    let Some(f) = &spec.file.filters else { return };
    let fl = &f.value;
    for (i, p) in fl.params.iter().enumerate() {
        let line = p.referenced.line() as usize;
        let p = &p.value;
        let (probe, check, default) = match p.relation {
            Relation::Equals | Relation::EqualsIgnoreCase => ("case", FilterCheck::CaseVariant(i), Level::Should),
            // Both answers are the filter's soundness and completeness at once.
            Relation::Boolean => ("both", FilterCheck::BothValues(i), both_level(fl, p)),
            _ => continue,
        };
        let Some((level, doc, why)) = resolve(fl, p, probe, default) else { continue };
        let name = format!("filter.{}.{probe}", case_suffix(&p.param));
        out.push(Invariant { name, level, doc, why, line, check: Check::Filter(check) });
    }
    let line = f.referenced.line() as usize;
    let strings = |p: &FilterParam| matches!(p.relation, Relation::Equals | Relation::EqualsIgnoreCase | Relation::Contains);
    for (level, params, doc, why) in grouped(fl, "encoded", strings, |_| Level::Should) {
        let name = format!("filter.encoded{}", suffix(level));
        out.push(Invariant { name, level, doc, why, line, check: Check::Filter(FilterCheck::Encoded(params)) });
    }
    if spec.file.pagination.as_ref().is_some_and(|p| p.value.sort.is_some()) {
        // Grouped by soundness level, as `filter.paged`.
        for (level, params, doc, why) in grouped(fl, "sorted-walk", |_| true, |p| p.level.unwrap_or(fl.level)) {
            let why = why.or_else(|| Some("combined filters are each held to their own level".to_string()));
            let name = format!("filter.sorted-walk{}", suffix(level));
            out.push(Invariant { name, level, doc, why, line, check: Check::Filter(FilterCheck::SortedWalk(params)) });
        }
    }
}

fn suffix(level: Level) -> &'static str {
    if level == Level::Should {
        ".should"
    } else {
        ""
    }
}

/// The parameters a probe of several filters takes (`eligible`, not `off`), grouped by their
/// level (`default_of`, unless `filters.levels` sets it), `must` first, each group with the
/// doc and reason of its first parameter.
fn grouped(
    fl: &Filters,
    probe: &str,
    eligible: impl Fn(&FilterParam) -> bool,
    default_of: impl Fn(&FilterParam) -> Level,
) -> Vec<(Level, Vec<usize>, DocRef, Option<String>)> {
    let mut groups: Vec<(Level, Vec<usize>, DocRef, Option<String>)> = Vec::new();
    for (i, p) in fl.params.iter().enumerate().filter(|(_, p)| eligible(&p.value)) {
        let Some((level, doc, why)) = resolve(fl, &p.value, probe, default_of(&p.value)) else { continue };
        let set = fl.levels.contains_key(&format!("{}.{probe}", p.value.param)) || fl.levels.contains_key(probe);
        let (doc, why) = if set { (doc, why) } else { (fl.doc.clone(), None) };
        match groups.iter_mut().find(|g| g.0 == level) {
            Some(g) => g.1.push(i),
            None => groups.push((level, vec![i], doc, why)),
        }
    }
    groups.sort_by_key(|g| g.0);
    groups
}

/// A boolean's both-values probe: the lower of its soundness and completeness levels.
fn both_level(fl: &Filters, p: &FilterParam) -> Level {
    let sound = p.level.unwrap_or(fl.level);
    sound.max(p.completeness.unwrap_or(sound))
}

/// The level, doc and reason of `probe` on `p`: `filters.levels` by case name, then by probe;
/// `None` when it is `off`.
fn resolve(fl: &Filters, p: &FilterParam, probe: &str, default: Level) -> Option<(Level, DocRef, Option<String>)> {
    let set = fl.levels.get(&format!("{}.{probe}", p.param)).or_else(|| fl.levels.get(probe));
    let doc = p.doc.clone().unwrap_or_else(|| fl.doc.clone());
    match set {
        None => Some((default, doc, p.why.clone())),
        Some(s) => Some((switch(s.level)?, s.doc.clone().unwrap_or(doc), s.why.clone().or_else(|| p.why.clone()))),
    }
}

fn switch(s: ProbeSwitch) -> Option<Level> {
    match s {
        ProbeSwitch::Must => Some(Level::Must),
        ProbeSwitch::Should => Some(Level::Should),
        ProbeSwitch::Off => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::invariants;
    use crate::spec::load::load_str;
    use crate::spec::model::Level;
    use std::path::Path;

    const SPEC: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {path: /v2/images}\npagination:\n  doc: {file: f, section: s}\n  items: /images\n  sort:\n    key_param: sort_key\n    dir_param: sort_dir\n    keys: {name: {field: /name}}\nfilters:\n  doc: {file: f, section: s}\n  params:\n    - {param: name, field: /name, relation: equals}\n    - {param: owner, field: /owner, relation: equals, level: should}\n    - {param: protected, field: /protected, relation: boolean}\n    - {param: size_min, field: /size, relation: at_least}\n";

    fn cases(extra: &str) -> Vec<(String, Level)> {
        let spec = load_str(Path::new("x.yaml"), &format!("{SPEC}{extra}")).unwrap_or_else(|e| panic!("{}", e[0].render()));
        invariants(&spec)
            .into_iter()
            .filter(|i| {
                !i.name.ends_with(".sound")
                    && !i.name.ends_with(".complete")
                    && !i.name.starts_with("pagination")
                    && !i.name.starts_with("filter.paged")
                    && !i.name.starts_with("filter.pairs")
            })
            .map(|i| (i.name, i.level))
            .collect()
    }

    #[test]
    fn each_declaration_gets_the_probes_of_its_type_at_should() {
        let got = cases("");
        let want: Vec<(String, Level)> = [
            ("filter.name.case", Level::Should),
            ("filter.owner.case", Level::Should),
            ("filter.protected.both", Level::Must),
            ("filter.encoded.should", Level::Should),
            ("filter.sorted-walk", Level::Must),
            ("filter.sorted-walk.should", Level::Should),
        ]
        .into_iter()
        .map(|(n, l)| (n.to_string(), l))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn levels_make_a_probe_must_with_its_doc_or_turn_it_off() {
        let got = cases("  levels:\n    name.case: {level: must, doc: {file: g, section: exact}, why: the doc says exact}\n    owner.encoded: {level: \"off\", why: silent}\n    name.encoded: {level: must}\n    sorted-walk: {level: should}\n");
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["filter.name.case", "filter.owner.case", "filter.protected.both", "filter.encoded", "filter.sorted-walk.should"]
        );
        assert_eq!(got[0].1, Level::Must);
        assert_eq!(got[3].1, Level::Must);
        assert_eq!(got[4].1, Level::Should);
    }
}
