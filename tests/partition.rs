//! `--partition`: N runs of the shares of a suite, merged with `specgate report`, give the
//! verdicts of one unpartitioned run.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{report_dir, results, specgate, text};

const SPEC: &str = "specs/openstack/glance-v2-images.yaml";

/// Case id → outcome, from a results.json.
fn outcomes(dir: &Path) -> BTreeMap<String, String> {
    let r = results(dir);
    r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["outcome"].as_str().unwrap().to_string()))
        .collect()
}

fn run(dir: &Path, extra: &[&str]) {
    let d = dir.to_str().unwrap();
    let out = specgate(&[&["run", SPEC, "--report-dir", d], extra].concat());
    assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
}

#[test]
fn merged_partitions_equal_one_unpartitioned_run() {
    let whole = report_dir("partition-whole");
    run(&whole, &[]);
    let expected = outcomes(&whole);
    assert!(expected.len() > 20, "the spec has cases to share out");
    for kind in ["count", "hash"] {
        let shares: Vec<_> = (1..=3).map(|i| report_dir(&format!("partition-{kind}-{i}"))).collect();
        let mut sizes = Vec::new();
        for (i, dir) in shares.iter().enumerate() {
            run(dir, &["--partition", &format!("{kind}:{}/3", i + 1)]);
            sizes.push(outcomes(dir).len());
            let left_out = results(dir)["run"]["not_selected"].as_array().map_or(0, Vec::len);
            assert_eq!(left_out + sizes[i], expected.len(), "{kind}: a share records the cases the others hold");
        }
        assert!(sizes.iter().all(|n| *n > 0), "{kind}: every share has cases: {sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), expected.len(), "{kind}: shares are disjoint and complete");
        let merged = report_dir(&format!("partition-{kind}-merged"));
        let mut args = vec!["report"];
        args.extend(shares.iter().map(|d| d.to_str().unwrap()));
        args.extend(["--report-dir", merged.to_str().unwrap()]);
        let out = specgate(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(outcomes(&merged), expected, "{kind}: merged shares");
        assert!(results(&merged)["run"].get("not_selected").is_none(), "{kind}: together the shares selected every case");
    }
}

#[test]
fn a_malformed_partition_is_a_usage_error_naming_the_form() {
    let out = specgate(&["run", SPEC, "--partition", "count:4/3"]);
    assert_eq!(out.status.code(), Some(specgate::exit::USAGE as i32));
    assert!(text(&out.stderr).contains("count:I/N"), "{}", text(&out.stderr));
}
