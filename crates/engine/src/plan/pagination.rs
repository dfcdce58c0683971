//! The cases a `pagination:` block stands for: one per property of the paging contract.

use super::invariant::{case_suffix, Check, Invariant, PagCheck};
use crate::spec::model::Direction;
use crate::spec::Spec;

pub(crate) fn derive(spec: &Spec, out: &mut Vec<Invariant>) {
    let Some(p) = &spec.file.pagination else { return };
    let line = p.referenced.line() as usize;
    let p = &p.value;
    let mut add = |name: String, check: PagCheck, error_case: bool| {
        let (level, doc) = match (&p.errors, error_case) {
            (Some(e), true) => (e.level, e.doc.clone().unwrap_or_else(|| p.doc.clone())),
            _ => (p.level, p.doc.clone()),
        };
        let (level, why) = match p.levels.get(name.trim_start_matches("pagination.")) {
            Some(o) => (o.level, o.why.clone().or_else(|| p.why.clone())),
            None => (level, p.why.clone()),
        };
        out.push(Invariant { name, level, doc, why, line, check: Check::Pagination(check) });
    };
    add("pagination.limit".into(), PagCheck::Limit, false);
    if p.default_limit.is_some() {
        add("pagination.default-limit".into(), PagCheck::DefaultLimit, false);
    }
    if p.max_limit.is_some() {
        add("pagination.max-limit".into(), PagCheck::MaxLimit, false);
    }
    add("pagination.walk".into(), PagCheck::Walk, false);
    if let Some(sort) = &p.sort {
        for key in sort.keys.keys() {
            for dir in [Direction::Asc, Direction::Desc] {
                add(format!("pagination.order.{key}.{}", dir.as_str()), PagCheck::Order { key: key.clone(), dir }, false);
            }
        }
        if sort.default_key.is_some() && sort.default_dir.is_some() {
            add("pagination.default-order".into(), PagCheck::DefaultOrder, false);
        }
    }
    if p.next.is_some() {
        add("pagination.next-link".into(), PagCheck::NextLink, false);
    }
    if p.errors.is_some() {
        add("pagination.bad-marker".into(), PagCheck::BadMarker, true);
        for v in &p.bad_limits {
            let text = v.to_string();
            add(format!("pagination.bad-limit.{}", case_suffix(&text)), PagCheck::BadLimit(text), true);
        }
        if p.sort.is_some() {
            add("pagination.bad-sort-key".into(), PagCheck::BadSortKey, true);
            add("pagination.bad-sort-dir".into(), PagCheck::BadSortDir, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::model::Level;

    #[test]
    fn levels_give_one_derived_case_another_level_and_its_reason() {
        let src = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {path: /v2/images}\npagination:\n  doc: {file: f, section: s}\n  why: block reason\n  items: /images\n  default_limit: 25\n  max_limit: 1000\n  levels:\n    default-limit: {level: should, why: a configuration default}\n";
        let spec = crate::spec::load::load_str(Path::new("x.yaml"), src).unwrap();
        let mut out = Vec::new();
        derive(&spec, &mut out);
        let level = |n: &str| out.iter().find(|i| i.name == n).map(|i| (i.level, i.why.clone().unwrap_or_default())).unwrap();
        assert_eq!(level("pagination.default-limit"), (Level::Should, "a configuration default".into()));
        assert_eq!(level("pagination.max-limit"), (Level::Must, "block reason".into()));
    }
}
