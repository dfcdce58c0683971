//! The run's outputs as a user meets them: every output is fed by the event stream, says its
//! part once, and a run that cannot record its results never exits 0.

mod common;

use common::{report_dir, results, serve, specgate, text, Mode};

const SPEC: &str = "tests/fixtures/listing.yaml";

#[test]
fn a_run_whose_reports_cannot_be_written_exits_6() {
    let url = serve(Mode::Good);
    // A file where the report directory should be: `create_dir_all` fails.
    let out = specgate(&["run", SPEC, "--target", &url, "--report-dir", "README.md"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("error: cannot write reports to README.md"), "{}", text(&out.stderr));
}

#[test]
fn combining_runs_into_an_unwritable_directory_exits_6() {
    let url = serve(Mode::Good);
    let dir = report_dir("combine-source");
    let out = specgate(&["run", SPEC, "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = specgate(&["report", dir.to_str().unwrap(), "--report-dir", "README.md"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
}

#[test]
fn a_dead_target_says_each_cause_once_and_off_libtests_lines() {
    let dir = report_dir("dead-folded");
    let out = specgate(&["run", SPEC, "--target", "http://127.0.0.1:9", "--report-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // Nothing of specgate's own lands on libtest's `test … ...` lines (stdout).
    assert!(!stdout.contains("specgate:"), "{stdout}");
    let cases = results(&dir)["cases"].as_array().unwrap().len();
    // The cases after the first with one cause point at it, in one line each.
    let pointing = stdout.lines().filter(|l| l.starts_with("ERROR (could not check): the same reason as ")).count();
    let full = stdout.lines().filter(|l| l.starts_with("ERROR (could not check): tests/")).count();
    assert_eq!(pointing + full, cases, "{stdout}");
    assert!(full < 4, "each cause written in full once: {full}\n{stdout}");
    // On stderr, once the run is over: the causes folded, and libtest's counts explained.
    assert!(stderr.lines().any(|l| l.contains(" cases errored: ") && l.contains("Connection refused")), "{stderr}");
    let agree = format!("specgate: in libtest's counts above, its {cases} failed are 0 failed (must) and {cases} errored");
    assert!(stderr.contains(&agree), "{stderr}");
}

#[test]
fn fail_fast_starts_no_case_after_the_first_failure() {
    let url = serve(Mode::WrongType);
    let dir = report_dir("fail-fast");
    let out = specgate(&["run", SPEC, "--target", &url, "--report-dir", dir.to_str().unwrap(), "--fail-fast", "-j", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let r = results(&dir);
    let cases = r["cases"].as_array().unwrap();
    // Cases already running when the first failure came finish; none starts after it.
    let not_run = |c: &&serde_json::Value| c["outcome"] == "skip" && c["reason"].as_str().unwrap().starts_with("not run: ");
    assert!(cases.iter().filter(not_run).count() + 2 >= cases.len(), "{r}");
    assert!(cases.iter().any(|c| c["outcome"] == "fail") && cases.iter().all(|c| c["outcome"] != "error"), "{r}");
    assert_eq!(r["run"]["stopped"], "max_fail");
    assert!(
        text(&out.stderr).contains("the run was stopped early: 1 case(s) failed or errored (--max-fail); cases not started are skipped")
    );
}

#[test]
fn events_to_stdout_leave_stdout_to_the_events_alone() {
    let url = serve(Mode::Good);
    let dir = report_dir("events-stdout");
    let out = specgate(&["run", SPEC, "--target", &url, "--report-dir", dir.to_str().unwrap(), "--events", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(lines.first().unwrap()["event"], "run_started");
    assert_eq!(lines.last().unwrap()["event"], "run_finished");
    assert!(text(&out.stderr).contains("test result: ok."), "libtest's lines go to stderr: {}", text(&out.stderr));
    assert!(!std::path::Path::new("-").exists(), "no file named `-`");
}

#[test]
fn list_prints_one_id_a_line_or_json() {
    let out = specgate(&["list", SPEC, "--", "pagination"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ids: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert!(
        !ids.is_empty() && ids.iter().all(|l| l.starts_with("tests/fixtures/listing.yaml::pagination.") && !l.ends_with(": test")),
        "{ids:?}"
    );
    let out = specgate(&["list", SPEC, "--format", "json", "--", "pagination"]);
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(cases.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>(), ids);
    assert!(cases.iter().all(|c| c["location"].as_str().unwrap().starts_with("tests/fixtures/listing.yaml:") && c["level"].is_string()));
}

#[test]
fn a_diff_whose_output_cannot_be_written_exits_6() {
    let url = serve(Mode::Good);
    let dir = report_dir("diff-source");
    let out = specgate(&["run", SPEC, "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d = dir.to_str().unwrap();
    let out = specgate(&["diff", d, d, "--output", "README.md/diff.md"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
}
