//! The lists of derived case ids in `docs/spec-format.md` are written from the planner's
//! families, so they cannot drift: every case the planner derives from the project's specs
//! has the form of its family, every family occurs, and the doc's marked regions are current.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use specgate::plan::families::{rewrite_regions, Family, FAMILIES};
use specgate::plan::{Plan, Target};
use specgate::spec::model::Level;

#[test]
fn every_derived_case_id_is_documented_and_the_lists_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let specs =
        specgate::spec::load_all(&[root.join("specs")]).unwrap_or_else(|e| panic!("{}", e.iter().map(|x| x.render()).collect::<String>()));
    let catalogues = specgate::spec::equivalence::load_all(&[root.join("specs")], &specs).expect("equivalence files load");
    let specs: Vec<Arc<_>> = specs.into_iter().map(Arc::new).collect();
    let catalogues: Vec<Arc<_>> = catalogues.into_iter().map(Arc::new).collect();
    let isolation: Vec<Arc<_>> =
        specgate::spec::isolation::load_all(&[root.join("specs")]).expect("isolation files load").into_iter().map(Arc::new).collect();
    let target = Arc::new(Target { name: "t".into(), url: "http://127.0.0.1:1/".parse().unwrap(), vars: Default::default() });
    let targets = [target];
    let plan = Plan::new(&specs, &targets).with_equivalences(&catalogues, &specs, &targets).with_isolation(&isolation, &specs, &targets);

    let mut seen = BTreeSet::new();
    for case in &plan.cases {
        let Some(family) = Family::of(case) else { continue };
        assert!(family.names(&case.name), "case `{}` does not have the form of its family `{}`", case.name, family.id);
        // `.should` names the group of combined checks held at `should`, and nothing else.
        if family.id.ends_with("[.should]") {
            assert_eq!(case.name.ends_with(".should"), case.level == Level::Should, "{}", case.name);
        }
        seen.insert(family.id);
    }
    let unplanned: Vec<&str> = FAMILIES.iter().map(|f| f.id).filter(|id| !seen.contains(id)).collect();
    assert!(unplanned.is_empty(), "families no spec under specs/ derives a case of (add one, or drop the family): {unplanned:?}");

    let path = root.join("docs/spec-format.md");
    let before = std::fs::read_to_string(&path).unwrap();
    let after = rewrite_regions(&before);
    assert_eq!(after.matches("<!-- derived-cases: ").count(), 4, "docs/spec-format.md has a region per block");
    if after != before {
        std::fs::write(&path, &after).unwrap();
    }
    assert!(after == before, "docs/spec-format.md was out of date and has been regenerated; commit it");
}
