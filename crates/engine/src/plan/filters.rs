//! The cases a `filters:` block stands for: soundness and completeness of each filter, pairs
//! of filters, filters across pages, and rejection of malformed values.

use super::invariant::{case_suffix, Check, FilterCheck, Invariant};
use crate::spec::model::{FilterParam, Level};
use crate::spec::Spec;

pub(crate) fn derive(spec: &Spec, out: &mut Vec<Invariant>) {
    let Some(f) = &spec.file.filters else { return };
    let fl = &f.value;
    for (i, p) in fl.params.iter().enumerate() {
        let line = p.referenced.line() as usize;
        let p = &p.value;
        let doc = p.doc.clone().unwrap_or_else(|| fl.doc.clone());
        let level = p.level.unwrap_or(fl.level);
        let name = case_suffix(&p.param);
        out.push(Invariant {
            name: format!("filter.{name}.sound"),
            level,
            doc: doc.clone(),
            why: p.why.clone(),
            line,
            check: Check::Filter(FilterCheck::Sound(i)),
        });
        out.push(Invariant {
            name: format!("filter.{name}.complete"),
            level: p.completeness.unwrap_or(level),
            doc: doc.clone(),
            why: p.why.clone(),
            line,
            check: Check::Filter(FilterCheck::Complete(i)),
        });
        if !p.invalid.is_empty() {
            let level = fl.errors.as_ref().map(|e| e.level).unwrap_or(level);
            out.push(Invariant {
                name: format!("filter.{name}.invalid"),
                level,
                doc,
                why: p.why.clone(),
                line,
                check: Check::Filter(FilterCheck::Invalid(i)),
            });
        }
    }
    // Combined checks hold each filter to its own level: a `must` case combines only filters
    // whose soundness (or completeness) is a must; the others are combined at `should`.
    let line = f.referenced.line() as usize;
    let sound_level = |p: &FilterParam| p.level.unwrap_or(fl.level);
    let complete_level = |p: &FilterParam| p.completeness.or(p.level).unwrap_or(fl.level);
    let groups = |level_of: &dyn Fn(&FilterParam) -> Level| -> Vec<(Level, Vec<usize>)> {
        [Level::Must, Level::Should]
            .into_iter()
            .map(|l| (l, (0..fl.params.len()).filter(|i| level_of(&fl.params[*i].value) == l).collect()))
            .collect()
    };
    let why = Some("combined filters are each held to their own level".to_string());
    let suffix = |level: Level| if level == Level::Should { ".should" } else { "" };
    if fl.combinations {
        for (sound, level_of) in [(true, &sound_level as &dyn Fn(&FilterParam) -> Level), (false, &complete_level)] {
            for (level, params) in groups(level_of) {
                if params.len() >= 2 {
                    let name = format!("filter.pairs.{}{}", if sound { "sound" } else { "complete" }, suffix(level));
                    let check = Check::Filter(FilterCheck::Pairs { sound, params });
                    out.push(Invariant { name, level, doc: fl.doc.clone(), why: why.clone(), line, check });
                }
            }
        }
    }
    for (level, params) in groups(&sound_level) {
        if !params.is_empty() {
            let check = Check::Filter(FilterCheck::Paged(params));
            out.push(Invariant {
                name: format!("filter.paged{}", suffix(level)),
                level,
                doc: fl.doc.clone(),
                why: why.clone(),
                line,
                check,
            });
        }
    }
}
