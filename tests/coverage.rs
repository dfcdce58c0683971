//! `docs/coverage.md` is generated from the doc inventory and the specs, so it cannot drift;
//! a documented name that no spec covers fails here.

use std::path::PathBuf;

use specgate::coverage::{parse_inventory, render};

#[test]
fn every_documented_name_is_covered_and_the_table_is_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).unwrap();
    let inventory = std::fs::read_to_string("docs/coverage-inventory.md").expect("inventory");
    let names = parse_inventory(&inventory);
    assert!(names.len() > 100, "inventory parsed to only {} names", names.len());
    let specs = specgate::spec::load_all(&[PathBuf::from("specs")])
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|x| x.render()).collect::<String>()));
    let (md, missing) = render(&names, &specs);
    let path = root.join("docs/coverage.md");
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    if before != md {
        std::fs::write(&path, &md).unwrap();
    }
    let uncovered: Vec<String> = missing.iter().map(|n| format!("{} {} `{}` ({})", n.spec, n.endpoint, n.name, n.section)).collect();
    assert!(uncovered.is_empty(), "documented names no spec covers:\n{}", uncovered.join("\n"));
    assert!(before == md, "docs/coverage.md was out of date and has been regenerated; commit it");
}
