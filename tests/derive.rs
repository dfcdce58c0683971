//! `derive` on the seed pages: every skeleton loads with the spec loader as it is, and names
//! every parameter and field the hand-written specs cover (`docs/coverage-inventory.md`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use specgate::derive::{derive, read_page, yaml};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    assert_eq!(v.len(), 5);
    v
}

#[test]
fn every_seed_skeleton_loads_as_it_is() {
    for seed in seeds() {
        let page = read_page(&seed).unwrap_or_else(|e| panic!("{}: {e}", seed.display()));
        let text = yaml::render(&derive(&page));
        let at = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/derived.yaml");
        if let Err(errs) = specgate::spec::load::load_str(&at, &text) {
            panic!("{}:\n{}\n{}", seed.display(), errs.iter().map(|e| e.render()).collect::<String>(), text);
        }
    }
}

/// Names the inventory lists per seed file, without the rows it marks as coming from the
/// example or from upstream (a table-derived skeleton cannot know those).
fn inventory() -> Vec<(Vec<String>, BTreeSet<String>)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/coverage-inventory.md")).unwrap();
    let mut out: Vec<(Vec<String>, BTreeSet<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## ") {
            let files = rest.split('`').filter(|w| w.ends_with(".txt")).map(str::to_string).collect();
            out.push((files, BTreeSet::new()));
        } else if let (Some(rest), Some(last)) = (line.strip_prefix("| `"), out.last_mut()) {
            let first = rest.split('|').next().unwrap_or("");
            if first.contains("*(upstream)*") || first.contains("*(example only)*") {
                continue;
            }
            last.1.insert(rest.split('`').next().unwrap().to_string());
        }
    }
    out
}

#[test]
fn every_seed_skeleton_names_what_the_hand_written_spec_covers() {
    let groups = inventory();
    for seed in seeds() {
        let file = seed.file_name().unwrap().to_string_lossy().into_owned();
        let (_, wanted) = groups.iter().find(|(files, _)| files.contains(&file)).unwrap_or_else(|| panic!("{file} not in the inventory"));
        let names: BTreeSet<String> = derive(&read_page(&seed).unwrap()).names().into_iter().collect();
        let missing: Vec<&String> = wanted.iter().filter(|n| !names.contains(*n)).collect();
        assert!(missing.is_empty(), "{file}: the skeleton lacks {missing:?}; it has {names:?}");
    }
}

/// What users see: the skeleton of every seed.
#[test]
fn golden_skeletons() {
    for seed in seeds() {
        let name = seed.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("derive_{name}"), yaml::render(&derive(&read_page(&seed).unwrap())));
    }
}

/// Bad input: a located message each, never a panic.
#[test]
fn golden_bad_input_messages() {
    let dir = std::env::temp_dir().join(format!("specgate-derive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let merged = "# T\n\n## URI\n\nGET /v2/x\n\n## 响应消息\n\n<table><thead><tr><th>参数</th><th>参数类型</th></tr></thead>\n<tbody><tr><td colspan=\"2\">id</td></tr></tbody></table>\n";
    let cases: [(&str, &[u8]); 4] = [
        ("empty", b"  \n"),
        ("not_utf8", b"# T\nGET /v2/x \xff\n"),
        ("not_api_reference", b"# Release notes\n\nNothing here.\n"),
        ("merged_cells", merged.as_bytes()),
    ];
    for (name, bytes) in cases {
        let path = dir.join(format!("{name}.txt"));
        std::fs::write(&path, bytes).unwrap();
        let err = read_page(&path).expect_err(name).to_string().replace(&dir.display().to_string(), "[dir]");
        insta::assert_snapshot!(format!("derive_error_{name}"), err);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
