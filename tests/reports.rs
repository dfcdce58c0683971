//! Golden files of every report format, on a small fixed run against the in-process fixture:
//! a pass, a fail, a warning, a waived failure, an error and a skip. Ports, durations and
//! the version are redacted. Also: `specgate diff` and `run --baseline` between two runs.

mod common;

use std::path::{Path, PathBuf};

use common::{report_dir, serve, specgate, text, Mode, VOLATILE};

/// Everything in the reports that changes from run to run.
fn redactions() -> Vec<(&'static str, &'static str)> {
    let mut f = VOLATILE.to_vec();
    f.extend([
        (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[MS]""#),
        // Which of two cases sending the same request sends it, and which is given its answer,
        // is a matter of timing; so is the run's wall time and its longest chain.
        (r#",\n\s*"shared": true"#, ""),
        (r#""traffic": \{[\s\S]*?\n    \}"#, r#""traffic": "[TRAFFIC]""#),
        (r#"time="[^"]*""#, r#"time="[T]""#),
        (r#"timestamp="[^"]*""#, r#"timestamp="[T]""#),
        (r#"<td class="num">\d+</td></tr>"#, r#"<td class="num">[MS]</td></tr>"#),
        (r#"\[N\] ms</span>"#, "[N] ms</span>"),
        (r#""specgate": "[^"]*""#, r#""specgate": "[VERSION]""#),
        (r"specgate \d+\.\d+\.\d+", "specgate [VERSION]"),
        (r"specgate</span> \d+\.\d+\.\d+", "specgate [VERSION]"),
        // Answer times: the latency table's figures and histograms.
        (r#"<td class="num lat">\d+</td>"#, r#"<td class="num lat">[MS]</td>"#),
        (r#"<svg class="hist".*?</svg>"#, "[HISTOGRAM]"),
        (r"(\| `[^`]+` \| `[A-Z]+ [^`]*` \| \d+ \| \d+ \| \d+ \|)( \d+ \|){4}", "$1 [MS] | [MS] | [MS] | [MS] |"),
    ]);
    f
}

/// The fixed run against `mode`, into `dir`; extra flags before `--`.
fn fixed_run(mode: Mode, dir: &Path, extra: &[&str]) -> std::process::Output {
    filtered_run(mode, dir, extra, &[])
}

/// The fixed run, its cases also filtered by `libtest` (flags after `--`).
fn filtered_run(mode: Mode, dir: &Path, extra: &[&str], libtest: &[&str]) -> std::process::Output {
    let target = format!("api={}", serve(mode));
    let mut args = vec![
        "run",
        "tests/fixtures/report",
        "--target",
        &target,
        "--waivers",
        "tests/fixtures/report-waivers.yaml",
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.extend(["--", "--test-threads", "1", "--skip", "pagination.", "--skip", "filter.flavor.complete", "--skip", "filter.paged"]);
    args.extend_from_slice(libtest);
    specgate(&args)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_report_format_of_the_fixed_run() {
    let dir = report_dir("golden");
    let out = fixed_run(Mode::Good, &dir, &["--annotations", "github"]);
    assert_eq!(out.status.code(), Some(1), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(&read(&dir, "results.json")).unwrap();
    let classes = ["passed", "failed", "warnings", "waived", "errored", "skipped"];
    for c in classes {
        assert!(r["summary"][c].as_u64().unwrap() >= 1, "the fixed run has no {c} case: {}", r["summary"]);
    }
    let annotations: String = text(&out.stdout).lines().filter(|l| l.starts_with("::")).map(|l| format!("{l}\n")).collect();
    insta::with_settings!({filters => redactions()}, {
        insta::assert_snapshot!("results_json", read(&dir, "results.json"));
        insta::assert_snapshot!("junit_xml", read(&dir, "junit.xml"));
        insta::assert_snapshot!("report_md", read(&dir, "report.md"));
        insta::assert_snapshot!("report_html", read(&dir, "report.html"));
        insta::assert_snapshot!("summary_md", read(&dir, "summary.md"));
        insta::assert_snapshot!("annotations", annotations);
    });
}

/// The fixed run against a correct server and against one that sends min_ram as a string.
fn run_pair(test: &str) -> (PathBuf, PathBuf) {
    let good = report_dir(&format!("{test}-good"));
    let bad = report_dir(&format!("{test}-bad"));
    assert_eq!(fixed_run(Mode::Good, &good, &[]).status.code(), Some(1));
    assert_eq!(fixed_run(Mode::WrongType, &bad, &[]).status.code(), Some(1));
    (good, bad)
}

/// `redactions()`, and the temporary report directories of this test binary as `[DIR]`.
fn redactions_and_dirs() -> Vec<(&'static str, &'static str)> {
    let dirs: &'static str = Box::leak(report_dir("x").parent().unwrap().to_str().unwrap().to_string().into_boxed_str());
    let mut f = redactions();
    f.push((dirs, "[DIR]"));
    f
}

#[test]
fn diff_names_what_regressed_and_exits_1_only_then() {
    let (good, bad) = run_pair("diff");
    let out = specgate(&["diff", good.join("results.json").to_str().unwrap(), bad.join("results.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!bad.join("diff.md").exists(), "nothing is written unless asked");
    insta::with_settings!({filters => redactions()}, {
        insta::assert_snapshot!("diff_md", text(&out.stdout));
    });
    let back_md = good.join("back.md");
    let back = specgate(&["diff", bad.to_str().unwrap(), good.to_str().unwrap(), "--output", back_md.to_str().unwrap()]);
    assert_eq!(back.status.code(), Some(0), "fixing is not a regression: {}", text(&back.stdout));
    assert!(text(&back.stdout).contains("**Fixed** `tests/fixtures/report/listing.yaml::min-ram-integer`"), "{}", text(&back.stdout));
    assert_eq!(read(&good, "back.md"), text(&back.stdout), "the printed and the written Markdown are one");
}

/// `diff --format json`: the changes case by case with their ids, for a program to read.
#[test]
fn diff_as_json_names_every_change_with_its_id() {
    let (good, bad) = run_pair("diff-json");
    let out = specgate(&["diff", good.to_str().unwrap(), bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let d: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("JSON on standard output");
    assert_eq!(d["changes"]["regressed"][0]["id"], "tests/fixtures/report/listing.yaml::min-ram-integer");
    assert!(!bad.join("diff.md").exists(), "nothing is written unless asked");
    insta::with_settings!({filters => redactions_and_dirs()}, {
        insta::assert_snapshot!("diff_json", text(&out.stdout));
    });
}

/// A run of a few cases (a libtest filter), or of one share (`--partition`), into the report
/// directory of a full run: the cases it left out are not removed, and the next full run does
/// not call them new.
#[test]
fn a_filtered_run_removes_no_case_from_the_history() {
    let dir = report_dir("history");
    assert_eq!(fixed_run(Mode::Good, &dir, &[]).status.code(), Some(1));
    let count = |r: &serde_json::Value, list: &str| r.pointer(list).and_then(|l| l.as_array()).map_or(0, Vec::len);
    let full = common::results(&dir);
    let planned = count(&full, "/cases") + count(&full, "/run/not_selected");
    let nothing_removed_nor_new = |what: &str| {
        let r = common::results(&dir);
        let changes = &r["changes"];
        assert_eq!(changes["removed"], serde_json::json!([]), "{what}: {changes:#}");
        assert_eq!(changes["new"], serde_json::json!([]), "{what}: {changes:#}");
        assert!(read(&dir, "summary.md").contains(" 0 new, 0 removed."), "{what}: {}", read(&dir, "summary.md"));
        r
    };

    let out = filtered_run(Mode::Good, &dir, &[], &["min-ram"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let r = nothing_removed_nor_new("filtered");
    let ran = count(&r, "/cases");
    assert!(ran > 0 && ran < count(&full, "/cases"), "the filter keeps some cases: {ran}");
    let left_out = r["run"]["not_selected"].as_array().expect("the cases left out are recorded");
    assert_eq!(left_out.len(), planned - ran);
    let last_ran = left_out.iter().filter(|u| u["last"]["class"].is_string()).count();
    assert_eq!(last_ran, count(&full, "/cases") - ran, "each case the full run ran, with its class then: {left_out:?}");

    assert_eq!(fixed_run(Mode::Good, &dir, &[]).status.code(), Some(1));
    let r = nothing_removed_nor_new("full after filtered");
    assert_eq!(count(&r, "/run/not_selected"), count(&full, "/run/not_selected"), "the fixed run's own skips only");
    assert_eq!(r["changes"]["regressed"], serde_json::json!([]), "compared with the last full run");
    assert_eq!(r["changes"]["fixed"], serde_json::json!([]), "compared with the last full run");

    fixed_run(Mode::Good, &dir, &["--partition", "count:1/2"]);
    nothing_removed_nor_new("one share");
}

/// Two runs of one target given to `specgate report`: every case would count twice.
#[test]
fn combining_two_runs_of_one_target_is_refused() {
    let (good, bad) = run_pair("combine");
    let out =
        specgate(&["report", good.to_str().unwrap(), bad.to_str().unwrap(), "--report-dir", report_dir("combine-out").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!report_dir("combine-out").exists(), "no report is written");
    insta::with_settings!({filters => redactions_and_dirs()}, {
        insta::assert_snapshot!("combine_refused", text(&out.stderr));
    });
}

#[test]
fn a_baseline_gate_fails_on_regressions_only() {
    let (good, _) = run_pair("baseline");
    // Known failures (the status and error cases) are in both runs: against a baseline
    // they no longer fail the gate.
    let again = report_dir("baseline-again");
    let out = fixed_run(Mode::Good, &again, &["--baseline", good.join("results.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(read(&again, "report.md").contains("## Changes since the baseline"));
    assert!(read(&again, "report.md").contains("## Failures (must)"), "known failures are still listed");
    // A case that passed in the baseline and fails now does.
    let worse = report_dir("baseline-worse");
    let out = fixed_run(Mode::WrongType, &worse, &["--baseline", good.join("results.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(read(&worse, "report.md").contains("**Newly failing** `tests/fixtures/report/listing.yaml::min-ram-integer`: pass → fail"));
    let missing = fixed_run(Mode::Good, &report_dir("baseline-missing"), &["--baseline", "no/such/results.json"]);
    assert_eq!(missing.status.code(), Some(2), "an unreadable baseline is a usage error");
}

#[test]
fn inside_github_actions_annotations_are_on_by_default_and_can_be_turned_off() {
    let run = |extra: &[&str]| {
        let dir = report_dir(&format!("gha{}", extra.len()));
        let mut args =
            vec!["run", "tests/fixtures/report/project.yaml", "--target", "http://127.0.0.1:9", "--report-dir", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_specgate"))
            .args(&args)
            .current_dir(common::root())
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap()
    };
    let on = run(&[]);
    assert!(text(&on.stdout).contains("::error file=tests/fixtures/report/project.yaml,line=10,"), "{}", text(&on.stdout));
    let off = run(&["--annotations", "none"]);
    assert!(!text(&off.stdout).contains("::error"), "{}", text(&off.stdout));
}

/// Two targets, one of which sends `min_ram` as a string: the reports lead with each defect
/// once (however many cases see it), then errors, then the matrix of the rows that differ or
/// fail, every row one click away.
#[test]
fn two_targets_lead_with_root_causes_and_a_matrix_of_differences() {
    let dir = report_dir("two-targets");
    let (good, bad) = (format!("good={}", serve(Mode::Good)), format!("bad={}", serve(Mode::WrongType)));
    let out = specgate(&[
        "run",
        "tests/fixtures/report",
        "--target",
        &good,
        "--target",
        &bad,
        "--waivers",
        "tests/fixtures/report-waivers.yaml",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "--test-threads",
        "1",
        "--skip",
        "pagination.",
        "--skip",
        "filter.flavor.complete",
        "--skip",
        "filter.paged",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let md = read(&dir, "report.md");
    let order: Vec<usize> = ["## Root causes", "## Errors", "## Compatibility matrix", "## Failures"]
        .iter()
        .map(|h| md.find(h).unwrap_or_else(|| panic!("{h} missing: {md}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "root causes, errors, matrix, cases: {order:?}");
    let html = read(&dir, "report.html");
    assert!(html.contains("<details class=\"all\"><summary>all "), "every row behind a switch that needs no script");
    insta::with_settings!({filters => redactions()}, {
        insta::assert_snapshot!("two_targets_md", md);
        insta::assert_snapshot!("two_targets_summary_md", read(&dir, "summary.md"));
    });
}

/// A spec with a `latency:` bound, run against the reference server slowed down by its load
/// fault: every answer takes 30 ms or more, over the 5 ms p95 the spec allows.
fn latency_run(name: &str, level: &str) -> (std::process::Output, PathBuf) {
    let dir = report_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("slow.yaml");
    std::fs::write(
        &spec,
        format!(
            "specgate: 1\ntitle: slow\ndoc: {{file: f, section: s}}\nrequest: {{path: /v2/images}}\nlatency: {{p95_ms: 5, level: {level}}}\n\
             cases:\n  - name: lists\n    doc: {{file: f, section: s}}\n    query: {{limit: 2}}\n    expect: {{status: 200}}\n"
        ),
    )
    .unwrap();
    let out = specgate(&[
        "run",
        spec.to_str().unwrap(),
        "--fault",
        "*.latency=30ms",
        "--report-dir",
        dir.join("out").to_str().unwrap(),
        "--annotations",
        "github",
    ]);
    (out, dir.join("out"))
}

#[test]
fn a_broken_latency_bound_warns_unless_the_spec_says_must() {
    let (out, dir) = latency_run("latency-should", "should");
    assert_eq!(out.status.code(), Some(0), "a `should` bound does not fail the gate: {}", text(&out.stderr));
    let roots = &common::results(&dir)["root_causes"];
    assert_eq!(roots[0]["check"], "latency", "{roots:#}");
    assert_eq!(roots[0]["class"], "warn");
    assert_eq!(roots[0]["expected"], serde_json::json!({"p95_ms": 5}));
    assert!(read(&dir, "summary.md").contains("over the 5 ms the spec allows"), "{}", read(&dir, "summary.md"));
    assert!(text(&out.stdout).contains("::warning file="), "annotated: {}", text(&out.stdout));

    let (out, dir) = latency_run("latency-must", "must");
    assert_eq!(out.status.code(), Some(1), "a `must` bound fails the gate: {}", text(&out.stderr));
    assert!(read(&dir, "report.md").contains("**❌ the contract is broken**"), "{}", read(&dir, "report.md"));
    assert!(text(&out.stdout).contains("title=latency on "), "{}", text(&out.stdout));
    let mut filters = redactions_and_dirs();
    filters.push((r"p95 is \d+ ms", "p95 is [MS]"));
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("latency_bound_summary_md", read(&dir, "summary.md"));
    });
}

/// Three runs into one report directory: the good server, the one that sends `min_ram` as a
/// string, and that one again. Each appends a record to `history.jsonl`; the latest report
/// draws them as trend lines and says since when each defect has been seen; and
/// `specgate report --history` renders the history on its own.
#[test]
fn each_run_appends_to_the_history_and_the_reports_draw_it() {
    let dir = report_dir("history-runs");
    for mode in [Mode::Good, Mode::WrongType, Mode::WrongType] {
        assert_eq!(fixed_run(mode, &dir, &[]).status.code(), Some(1));
    }
    let history = read(&dir, "history.jsonl");
    assert_eq!(history.lines().count(), 3, "{history}");
    let last: serde_json::Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    assert_eq!(last["summary"]["failed"], 3, "{last}");
    assert!(last["roots"].as_array().unwrap().iter().any(|r| r["pointer"] == "/images/*/min_ram" && r["check"] == "schema"), "{last}");
    assert!(last["latency"][0]["p95"].is_u64(), "{last}");

    let html = read(&dir, "report.html");
    assert!(html.contains("<h2 id=\"history\">History</h2>") && html.contains("<polyline"), "trend lines drawn");
    assert!(html.contains("in the last 2 runs, since "), "the string min_ram started two runs ago");
    assert!(html.contains("in all 3 runs shown, since "), "the status defect has always been there");

    let out_dir = report_dir("history-rendered");
    let out = specgate(&["report", "--history", dir.to_str().unwrap(), "--report-dir", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = read(&out_dir, "history.html");
    assert!(page.contains("<h2>Runs</h2>") && page.contains("<polyline"), "{page}");
    insta::with_settings!({filters => history_redactions()}, {
        insta::assert_snapshot!("history_md", read(&out_dir, "history.md"));
        insta::assert_snapshot!("history_html_section", section(&html, "<section><h2 id=\"history\">History</h2>"));
    });

    let missing = specgate(&["report", "--history", out_dir.join("none").to_str().unwrap(), "--report-dir", out_dir.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2), "no history is a usage error: {}", text(&missing.stderr));
}

/// `redactions()`, and the times and answer times of a history.
fn history_redactions() -> Vec<(&'static str, &'static str)> {
    let mut f = redactions();
    f.extend([
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r#"points="[^"]*""#, r#"points="[POINTS]""#),
        (r#"<circle cx="\d+" cy="\d+""#, r#"<circle cx="[X]" cy="[Y]""#),
        (r"\[TIME\]: p95 on (\w+) \(ms\) \d+", "[TIME]: p95 on $1 (ms) [MS]"),
        (r"p95 on (\w+) \(ms\): <b>\d+</b>", "p95 on $1 (ms): <b>[MS]</b>"),
        (
            r"\(scale 0–\d+\)</span></figcaption><svg[^>]*aria-label=.Answer",
            "(scale 0–[MS])</span></figcaption><svg [ANSWER TIME CHART] aria-label=\"Answer",
        ),
        (r"`api` \d+ \|", "`api` [MS] |"),
        (r"\| \d+ \| `api`", "| [N] | `api`"),
    ]);
    f
}

/// The part of a page from `start` to the end of its section.
fn section<'a>(page: &'a str, start: &str) -> &'a str {
    let at = page.find(start).unwrap_or_else(|| panic!("{start} missing"));
    let len = page[at..].find("</section>").map_or(page.len() - at, |e| e + "</section>".len());
    &page[at..at + len]
}
