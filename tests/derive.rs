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
        let text = yaml::render(&derive(&page), None);
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
        insta::assert_snapshot!(format!("derive_{name}"), yaml::render(&derive(&read_page(&seed).unwrap()), None));
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

fn skeleton_of(seed: &str) -> String {
    let page = read_page(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds").join(seed)).unwrap();
    yaml::render(&derive(&page), None)
}

/// The 004 page states no matching rule for `min_ram`/`min_disk` (only what the field means);
/// proposed as active `equals` filters at `must`, they failed against a server applying `>=`.
#[test]
fn derive_proposes_no_must_filter_for_min_ram_whose_rule_the_page_does_not_state() {
    let text = skeleton_of("004_98992ec5259b56df.txt");
    let spec = specgate::spec::load::load_str(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/derived.yaml"), &text).unwrap();
    let filters = &spec.file.filters.as_ref().expect("a filters block").value;
    let active: Vec<(&str, specgate::spec::model::Relation)> =
        filters.params.iter().map(|p| (p.value.param.as_str(), p.value.relation)).collect();
    use specgate::spec::model::Relation;
    // Stated: name "匹配规则为精确匹配", created_at/updated_at "操作符:UTC时间" with six operators.
    assert_eq!(active, [("name", Relation::Equals), ("created_at", Relation::Time), ("updated_at", Relation::Time)]);
    assert!(text.contains("    # - param: \"min_ram\"\n    #   field: \"/min_ram\"\n    #   relation: at_least\n"), "{text}");
    assert!(text.contains("    # - param: \"min_disk\"\n    #   field: \"/min_disk\"\n    #   relation: at_least\n"), "{text}");
}

/// A `size_min` whose description states "镜像不小于" bounds `size`, and says so.
#[test]
fn derive_reads_a_stated_at_least_rule_on_the_field_a_min_parameter_bounds() {
    let text = skeleton_of("001_563cb4c0c9af36c8.txt");
    assert!(text.contains("#     - param: \"size_min\"\n#       field: \"/size\"\n#       relation: at_least\n"), "{text}");
    assert!(text.contains("#       why: \"the page states the rule: 镜像不小于\""), "{text}");
}

/// The `$schema` comment was a fixed `../spec.schema.json`, right only one directory below it.
#[test]
fn derived_schema_comment_points_at_the_schema_from_any_out_dir() {
    let root = std::env::temp_dir().join(format!("specgate-derive-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["repo/specs/ims", "repo/elsewhere/deep", "repo/specs", "outside"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("repo/specs/spec.schema.json"), "{}").unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds/004_98992ec5259b56df.txt");
    for (out, want) in [
        ("repo/specs/ims/a.yaml", "../spec.schema.json"),
        ("repo/specs/a.yaml", "spec.schema.json"),
        ("repo/a.yaml", "specs/spec.schema.json"),
        ("repo/elsewhere/deep/a.yaml", "../../specs/spec.schema.json"),
    ] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_specgate"))
            .args(["derive", &seed.to_string_lossy(), "--out", out])
            .current_dir(&root)
            .status()
            .unwrap();
        assert!(status.success(), "{out}");
        let text = std::fs::read_to_string(root.join(out)).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(first, format!("# yaml-language-server: $schema={want}"), "{out}");
        assert!(root.join(out).parent().unwrap().join(want).is_file(), "{out}: {want} does not lead to the schema");
    }
    // Nowhere to point at: no `$schema` line, and the comment says how to add one.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args(["derive", &seed.to_string_lossy(), "--out", "outside/a.yaml"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(root.join("outside/a.yaml")).unwrap();
    assert!(!text.contains("$schema=") || text.contains("$schema=PATH"), "{text}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// 004's table types `virtual_size` Integer while its own response example shows null; the
/// skeleton's `list` case failed on every catalogue that follows the example.
#[test]
fn derive_allows_null_where_the_page_example_shows_null_for_virtual_size() {
    let schema = yaml::body_schema(&derive(
        &read_page(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds/004_98992ec5259b56df.txt")).unwrap(),
    ));
    let item = &schema["properties"]["images"]["items"]["properties"];
    assert_eq!(item["virtual_size"]["type"], serde_json::json!(["integer", "null"]));
    assert!(
        item["virtual_size"]["x-doc"].as_str().unwrap().ends_with("null in the page's response example (line 863)"),
        "{}",
        item["virtual_size"]
    );
    assert_eq!(item["min_ram"]["type"], serde_json::json!("integer"));
}

/// 004 lists `disk_format` as vhd、zvhd、raw、qcow2、iso while its own example (and its stated
/// default) is `zvhd2`; the skeleton's enum failed every catalogue that follows the example.
#[test]
fn derive_accepts_a_disk_format_the_page_example_shows_outside_its_list() {
    let schema = yaml::body_schema(&derive(
        &read_page(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds/004_98992ec5259b56df.txt")).unwrap(),
    ));
    let disk_format = &schema["properties"]["images"]["items"]["properties"]["disk_format"];
    assert_eq!(disk_format["enum"], serde_json::json!(["vhd", "zvhd", "raw", "qcow2", "iso", "zvhd2"]));
    assert!(disk_format["x-doc"].as_str().unwrap().ends_with("`zvhd2` in the page's response example (line 863)"), "{disk_format}");
}
