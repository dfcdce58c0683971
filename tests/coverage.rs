//! `docs/coverage.md` is generated from the doc inventory and the specs, so it cannot drift;
//! a documented name that no spec covers fails here.

use std::path::PathBuf;

use specgate::coverage::{parse_inventory, render, sdk_section};

#[test]
fn every_documented_name_is_covered_and_the_table_is_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).unwrap();
    let inventory = std::fs::read_to_string("docs/coverage-inventory.md").expect("inventory");
    let names = parse_inventory(&inventory);
    assert!(names.len() > 100, "inventory parsed to only {} names", names.len());
    let specs = specgate::spec::load_all(&[PathBuf::from("specs")])
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|x| x.render()).collect::<String>()));
    let (mut md, missing) = render(&names, &specs);
    let record = std::fs::read_to_string("docs/sdk-models.json").expect("docs/sdk-models.json");
    md.push_str(&sdk_section(&record).expect("docs/sdk-models.json is the record scripts/clients.sh models writes"));
    let path = root.join("docs/coverage.md");
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    if before != md {
        std::fs::write(&path, &md).unwrap();
    }
    let uncovered: Vec<String> = missing.iter().map(|n| format!("{} {} `{}` ({})", n.spec, n.endpoint, n.name, n.section)).collect();
    assert!(uncovered.is_empty(), "documented names no spec covers:\n{}", uncovered.join("\n"));
    assert!(before == md, "docs/coverage.md was out of date and has been regenerated; commit it");
}

/// Every property of every shared schema cites where it came from (`x-doc`).
#[test]
fn every_schema_property_carries_its_citation() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/schemas");
    let mut missing = Vec::new();
    fn walk(v: &serde_json::Value, at: String, file: &str, missing: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(props) = o.get("properties").and_then(|p| p.as_object()) {
                    for (k, p) in props {
                        if p.get("x-doc").and_then(|d| d.as_str()).is_none_or(str::is_empty) {
                            missing.push(format!("{file}{at}/properties/{k}"));
                        }
                    }
                }
                for (k, child) in o {
                    match (k.as_str(), child.as_object()) {
                        // A map of property names to schemas: walk the schemas, not the map
                        // (a property may itself be named `properties`).
                        ("properties" | "$defs" | "patternProperties", Some(map)) => {
                            for (name, schema) in map {
                                walk(schema, format!("{at}/{k}/{name}"), file, missing);
                            }
                        }
                        _ => walk(child, format!("{at}/{k}"), file, missing),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| walk(c, format!("{at}/{i}"), file, missing)),
            _ => {}
        }
    }
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            files += 1;
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            walk(&v, String::new(), &path.file_name().unwrap().to_string_lossy(), &mut missing);
        }
    }
    assert!(files >= 10, "only {files} schema files");
    assert!(missing.is_empty(), "properties without x-doc:\n{}", missing.join("\n"));
}
