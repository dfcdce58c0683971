//! Planning: specs × targets → the ordered list of cases a run executes (and `--list` prints).

pub(crate) mod equivalence;
pub mod families;
pub(crate) mod filters;
pub(crate) mod invariant;
pub mod isolation;
pub(crate) mod pagination;
pub mod partition;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::spec::model::{DocRef, Level, Query, QueryValue};
use crate::spec::Spec;
use invariant::Invariant;

/// An endpoint under test.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub url: url::Url,
    /// Variables the target itself supplies (e.g. the embedded server's project id).
    pub vars: BTreeMap<String, String>,
}

/// What a case does when it runs.
#[derive(Debug, Clone)]
pub enum Work {
    /// One request, one expected response: `spec.file.cases[index]`.
    Request(usize),
    /// A derived invariant (pagination or filters).
    Invariant(Invariant),
    /// A derived equivalence case: two listings of one catalogue compared.
    Equivalence(equivalence::EquivCase),
    /// A derived isolation case: what each identity may see through one listing.
    Isolation(isolation::IsoCase),
}

/// One trial: a case of a spec against a target.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    /// `<spec path>::<case>`, plus `@<target>` when there are several targets.
    pub id: String,
    pub spec: Arc<Spec>,
    pub target: Arc<Target>,
    pub name: String,
    pub level: Level,
    pub doc: DocRef,
    pub why: Option<String>,
    /// `file:line` of the declaration.
    pub location: String,
    pub work: Work,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub cases: Vec<PlannedCase>,
}

impl Plan {
    /// Keep the cases of one share of `partition`, counting only the cases `selected` keeps
    /// (the libtest filters); the others stay for libtest to filter out as before.
    pub fn keep_share(&mut self, partition: partition::Partition, selected: impl Fn(&PlannedCase) -> bool) {
        let mut position = 0;
        self.cases.retain(|case| {
            if !selected(case) {
                return true;
            }
            position += 1;
            partition.takes(position - 1, &case.id)
        });
    }

    pub fn new(specs: &[Arc<Spec>], targets: &[Arc<Target>]) -> Plan {
        let mut cases = Vec::new();
        for spec in specs {
            for target in targets {
                let suffix = if targets.len() > 1 { format!("@{}", target.name) } else { String::new() };
                for (i, c) in spec.file.cases.iter().enumerate() {
                    cases.push(PlannedCase {
                        id: format!("{}::{}{}", spec.path, c.name.value, suffix),
                        spec: spec.clone(),
                        target: target.clone(),
                        name: c.name.value.clone(),
                        level: c.level,
                        doc: c.doc.clone(),
                        why: c.why.clone(),
                        location: format!("{}:{}", spec.path, c.name.referenced.line()),
                        work: Work::Request(i),
                    });
                }
                for inv in invariants(spec) {
                    cases.push(PlannedCase {
                        id: format!("{}::{}{}", spec.path, inv.name, suffix),
                        spec: spec.clone(),
                        target: target.clone(),
                        name: inv.name.clone(),
                        level: inv.level,
                        doc: inv.doc.clone(),
                        why: inv.why.clone(),
                        location: format!("{}:{}", spec.path, inv.line),
                        work: Work::Invariant(inv),
                    });
                }
            }
        }
        Plan { cases }
    }

    /// Add the cases of equivalence files, for the listings whose specs were loaded.
    pub fn with_equivalences(
        mut self,
        catalogues: &[Arc<crate::spec::equivalence::Catalogue>],
        specs: &[Arc<Spec>],
        targets: &[Arc<Target>],
    ) -> Plan {
        equivalence::plan(catalogues, specs, targets, &mut self.cases);
        self
    }

    /// Add the cases of isolation files, for the listings whose specs were loaded.
    pub fn with_isolation(
        mut self,
        files: &[Arc<crate::spec::isolation::IsolationSpec>],
        specs: &[Arc<Spec>],
        targets: &[Arc<Target>],
    ) -> Plan {
        isolation::plan(files, specs, targets, &mut self.cases);
        self
    }
}

/// Query parameters as ordered pairs: `base` overlaid with `over` (`null` removes a key).
pub(crate) fn merge_query(base: &Query, over: &Query) -> Vec<(String, String)> {
    let mut merged: BTreeMap<&String, &Option<QueryValue>> = base.iter().collect();
    for (k, v) in over {
        merged.insert(k, v);
    }
    let mut out = Vec::new();
    for (k, v) in merged {
        match v {
            None => {}
            Some(QueryValue::One(s)) => out.push((k.clone(), s.to_string())),
            Some(QueryValue::Many(list)) => out.extend(list.iter().map(|s| (k.clone(), s.to_string()))),
        }
    }
    out
}

/// The invariants of `spec`, in a stable order: its pagination block's, then its filters'.
pub(crate) fn invariants(spec: &Spec) -> Vec<Invariant> {
    let mut out = Vec::new();
    pagination::derive(spec, &mut out);
    filters::derive(spec, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Scalar;

    #[test]
    fn case_query_overrides_and_removes_inherited_parameters() {
        let mut base = Query::new();
        base.insert("limit".into(), Some(QueryValue::One(Scalar::Int(5))));
        base.insert("sort_key".into(), Some(QueryValue::One(Scalar::Str("name".into()))));
        let mut over = Query::new();
        over.insert("sort_key".into(), None);
        over.insert("tag".into(), Some(QueryValue::Many(vec![Scalar::Str("a".into()), Scalar::Str("b".into())])));
        assert_eq!(merge_query(&base, &over), vec![("limit".into(), "5".into()), ("tag".into(), "a".into()), ("tag".into(), "b".into())]);
    }
}
