//! A run stopped early still reports: SIGTERM and `--deadline` stop new cases, cut running
//! ones after a grace, and every report is written with the unfinished cases marked.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{report_dir, results, root};

/// Start a run of the seed specs against the reference server's hang fault.
fn hanging_run(dir: &std::path::Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args(["run", "--fault", "*.hang", "--report-dir"])
        .arg(dir)
        .arg("--events")
        .arg(dir.with_extension("jsonl"))
        .args(extra)
        .current_dir(root())
        .env_remove("SPECGATE_TOKEN")
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start specgate")
}

fn wait_bounded(child: &mut std::process::Child, bound: Duration) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            panic!("specgate did not end within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_reports_mark_unfinished_cases(dir: &std::path::Path, word: &str) {
    for file in ["results.json", "junit.xml", "report.md", "report.html"] {
        assert!(dir.join(file).exists(), "{file} not written");
    }
    let r = results(dir);
    assert_eq!(r["run"]["stopped"], word, "{}", r["run"]);
    let cases = r["cases"].as_array().expect("cases");
    assert!(cases.len() > 200, "every selected case is accounted for: {}", cases.len());
    let not_run = cases.iter().filter(|c| c["reason"].as_str().is_some_and(|r| r.starts_with(&format!("not run: {word}")))).count();
    let cut = cases.iter().filter(|c| c["reason"].as_str().is_some_and(|r| r.starts_with(&format!("not finished: {word}")))).count();
    assert!(not_run > 0, "no case marked `not run: {word}`");
    assert!(cut > 0, "no running case marked `not finished: {word}`");
    assert!(cases.iter().all(|c| c["outcome"] == "error"), "against a hanging target nothing passes or fails");
    // The live stream ends with the run, too.
    let events = std::fs::read_to_string(dir.with_extension("jsonl")).expect("events written");
    let last: serde_json::Value = serde_json::from_str(events.lines().last().expect("an event")).expect("JSON line");
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["stopped"], word);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_and_every_report_is_written() {
    sigterm_stops(&report_dir("sigterm"), &[]);
}

/// One case at a time runs on libtest's own thread (`run::Runner::driver`); it is stopped the same.
#[cfg(unix)]
#[test]
fn sigterm_stops_a_run_of_one_case_at_a_time() {
    sigterm_stops(&report_dir("sigterm-jobs-1"), &["--jobs", "1"]);
}

#[cfg(unix)]
fn sigterm_stops(dir: &std::path::Path, extra: &[&str]) {
    let mut child = hanging_run(dir, extra);
    // Wait until cases are in flight (the event stream says so), then ask it to stop.
    let events = dir.with_extension("jsonl");
    let started = Instant::now();
    while !std::fs::read_to_string(&events).is_ok_and(|e| e.contains("\"case_started\"")) {
        assert!(started.elapsed() < Duration::from_secs(30), "no case started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let stopping = Instant::now();
    let code = wait_bounded(&mut child, Duration::from_secs(30));
    assert_eq!(code, Some(specgate::exit::STOPPED as i32), "{extra:?}");
    // The grace is 5 s; the reports take well under a second more.
    assert!(stopping.elapsed() < Duration::from_secs(15), "took {:?} after SIGTERM with {extra:?}", stopping.elapsed());
    assert_reports_mark_unfinished_cases(dir, "interrupted");
}

#[test]
fn the_deadline_bounds_the_whole_run() {
    for (name, jobs) in [("deadline", None), ("deadline-jobs-1", Some("1"))] {
        let dir = report_dir(name);
        let started = Instant::now();
        let mut args = vec!["--deadline", "4s"];
        args.extend(jobs.map(|j| ["--jobs", j]).into_iter().flatten());
        let mut child = hanging_run(&dir, &args);
        let code = wait_bounded(&mut child, Duration::from_secs(60));
        assert_eq!(code, Some(specgate::exit::STOPPED as i32), "{args:?}");
        assert!(started.elapsed() < Duration::from_secs(15), "a 4 s deadline with {args:?} took {:?}", started.elapsed());
        assert_reports_mark_unfinished_cases(&dir, "deadline");
    }
}
