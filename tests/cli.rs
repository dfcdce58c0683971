//! The binary against the in-process fixture: verdicts, exit codes, reports, golden output.

mod common;

use common::{report_dir, results, serve, specgate, text, Mode, VOLATILE};

fn run(url: &str, test: &str, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let dir = report_dir(test);
    let mut args = vec!["run", "tests/fixtures/listing.yaml", "--target", url, "--report-dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    (specgate(&args), dir)
}

#[test]
fn correct_server_passes_and_reports_are_written() {
    let url = serve(Mode::Good);
    let (out, dir) = run(&url, "good", &["--", "--test-threads", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let r = results(&dir);
    assert_eq!(r["summary"]["failed"], 0);
    assert_eq!(r["summary"]["errored"], 0);
    assert!(r["summary"]["passed"].as_u64().unwrap() >= 6, "{}", r["summary"]);
    for f in ["junit.xml", "report.md", "report.html"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
}

#[test]
fn wrong_type_is_a_fail_naming_pointer_expected_and_actual() {
    let url = serve(Mode::WrongType);
    let (out, dir) = run(&url, "wrong-type", &["--", "--exact", "tests/fixtures/listing.yaml::first-page"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let r = results(&dir);
    let case = &r["cases"][0];
    assert_eq!(case["outcome"], "fail");
    let f = &case["findings"][0];
    assert_eq!(f["check"], "schema");
    assert_eq!(f["pointer"], "/images/0/min_ram");
    assert_eq!(f["expected"], serde_json::json!({"type": "integer"}));
    assert_eq!(f["actual"]["type"], "string");
    assert!(case["exchanges"][0]["url"].as_str().unwrap().ends_with("/v2/images?limit=3"));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("<failure"), "{junit}");
}

#[test]
fn limit_off_by_one_fails_the_limit_invariant() {
    let url = serve(Mode::LimitOffByOne);
    let (out, dir) = run(&url, "limit", &["--", "--exact", "tests/fixtures/listing.yaml::pagination.limit"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let f = &results(&dir)["cases"][0]["findings"][0];
    assert_eq!(f["check"], "pagination.limit");
    assert_eq!(f["expected"], 1);
    assert_eq!(f["actual"], 2);
}

#[test]
fn dead_endpoint_is_an_error_and_reports_are_still_written() {
    let (out, dir) = run("http://127.0.0.1:9", "dead", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let r = results(&dir);
    assert_eq!(r["summary"]["passed"], 0);
    assert!(r["cases"].as_array().unwrap().iter().all(|c| c["outcome"] == "error"));
    assert!(text(&out.stdout).contains("Connection refused"), "{}", text(&out.stdout));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("<error"), "{junit}");
}

#[test]
fn hanging_server_is_an_error_within_the_timeout() {
    let url = serve(Mode::Hang);
    let started = std::time::Instant::now();
    let (out, dir) = run(&url, "hang", &["--timeout", "0.5", "--", "--exact", "tests/fixtures/listing.yaml::first-page"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(results(&dir)["cases"][0]["reason"].as_str().unwrap().contains("timed out"));
}

#[test]
fn token_is_sent_but_never_printed_or_reported() {
    let url = serve(Mode::WrongType);
    let secret = "tok-9f8e7d6c5b4a";
    let (out, dir) = run(&url, "token", &["--token", secret, "--header", "Authorization: Bearer hdr-secret-123"]);
    let mut all = text(&out.stdout) + &text(&out.stderr);
    for f in ["results.json", "junit.xml", "report.md", "report.html"] {
        all += &std::fs::read_to_string(dir.join(f)).unwrap();
    }
    assert!(!all.contains(secret) && !all.contains("hdr-secret-123"));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains(r#"-H "Authorization: $SPECGATE_AUTHORIZATION" -H "X-Auth-Token: $SPECGATE_TOKEN""#), "{md}");
}

#[test]
fn several_targets_give_one_trial_each_and_a_matrix() {
    let good = serve(Mode::Good);
    let bad = serve(Mode::WrongType);
    let dir = report_dir("matrix");
    let out = specgate(&[
        "run",
        "tests/fixtures/listing.yaml",
        "--target",
        &format!("good={good}"),
        "--target",
        &format!("bad={bad}"),
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "first-page",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let line = |id: &str| stdout.lines().find(|l| l.contains(id)).unwrap_or_default().to_string();
    assert!(line("listing.yaml::first-page@good ").ends_with("ok"), "{stdout}");
    assert!(line("listing.yaml::first-page@bad ").ends_with("FAILED"), "{stdout}");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Compatibility matrix"), "{md}");
}

#[test]
fn second_run_reports_changes_since_the_previous_one() {
    let dir = report_dir("regression");
    let args = |url: &str| {
        vec![
            "run".to_string(),
            "tests/fixtures/listing.yaml".to_string(),
            "--target".into(),
            format!("api={url}"),
            "--report-dir".into(),
            dir.to_str().unwrap().to_string(),
            "--".into(),
            "--exact".into(),
            "tests/fixtures/listing.yaml::first-page".into(),
        ]
    };
    let good = serve(Mode::Good);
    let a: Vec<String> = args(&good);
    assert_eq!(specgate(&a.iter().map(String::as_str).collect::<Vec<_>>()).status.code(), Some(0));
    let bad = serve(Mode::WrongType);
    let b: Vec<String> = args(&bad);
    assert_eq!(specgate(&b.iter().map(String::as_str).collect::<Vec<_>>()).status.code(), Some(1));
    let r = results(&dir);
    assert_eq!(r["changes"]["regressed"][0]["before"], "pass");
    assert_eq!(r["changes"]["regressed"][0]["after"], "fail");
    assert!(std::fs::read_to_string(dir.join("report.md")).unwrap().contains("**Newly failing**"));
}

#[test]
fn nothing_selected_exits_4() {
    let url = serve(Mode::Good);
    let (out, _) = run(&url, "none", &["--", "no-such-case"]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn list_prints_the_plan_without_running() {
    let out = specgate(&["list", "tests/fixtures/listing.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("list", text(&out.stdout));
}

#[test]
fn spec_error_names_file_line_col_and_suggests() {
    let out = specgate(&["run", "tests/fixtures/typo.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("spec_error", text(&out.stderr));
}

#[test]
fn a_spec_file_reports_every_error_at_once_each_at_its_case() {
    // serde stopped at the first: three missing `doc:` keys took three runs, and each pointed
    // at the key after the gap (`expect:`), not at the case that lacks it.
    let out = specgate(&["run", "tests/fixtures/many-errors.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("many_spec_errors", text(&out.stderr));
}

#[test]
fn wrong_flag_is_a_usage_error() {
    let out = specgate(&["run", "--targt", "http://x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--target"), "{}", text(&out.stderr));
    let out = specgate(&["run", "tests/fixtures/listing.yaml", "--target", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("bad_target", text(&out.stderr));
}

#[test]
fn terminal_output_of_a_failing_case() {
    let url = serve(Mode::WrongType);
    let (out, _) = run(&url, "terminal", &["--", "--exact", "tests/fixtures/listing.yaml::first-page"]);
    insta::with_settings!({filters => VOLATILE.to_vec()}, {
        insta::assert_snapshot!("terminal_fail", text(&out.stdout));
    });
}

#[test]
fn snapshot_records_the_shape_then_fails_on_a_changed_type() {
    let dir = report_dir("snapshot");
    let snaps = dir.join("snaps");
    let run = |url: &str| {
        let target = format!("api={url}");
        specgate(&[
            "run",
            "tests/fixtures/snapshot.yaml",
            "--target",
            &target,
            "--report-dir",
            dir.to_str().unwrap(),
            "--snapshot-dir",
            snaps.to_str().unwrap(),
        ])
    };
    let good = serve(Mode::Good);
    assert_eq!(run(&good).status.code(), Some(0));
    let recorded = std::fs::read_dir(&snaps).unwrap().count();
    assert_eq!(recorded, 1, "one shape file recorded");
    assert_eq!(run(&good).status.code(), Some(0), "same shape, other run");
    let bad = serve(Mode::WrongType);
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(1));
    let f = &results(&dir)["cases"][0]["findings"][0];
    assert_eq!(f["check"], "snapshot");
    assert!(f["actual"].as_str().unwrap().contains("+      \"min_ram\": \"string\""), "{}", f["actual"]);
}

#[test]
fn everything_under_specs_loads_as_a_spec() {
    // Regression: a waiver file kept under specs/ broke the default run.
    let out = specgate(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).lines().count() > 200);
}

#[test]
fn a_waived_failure_is_reported_but_does_not_fail_the_gate() {
    let url = serve(Mode::WrongType);
    let dir = report_dir("waived");
    let target = format!("api={url}");
    let out = specgate(&[
        "run",
        "tests/fixtures/listing.yaml",
        "--target",
        &target,
        "--waivers",
        "tests/fixtures/waivers.yaml",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "--exact",
        "tests/fixtures/listing.yaml::first-page",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ignored (waived: the fixture serves min_ram as a string on purpose"), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("waiver for `tests/fixtures/listing.yaml::never-fails` matched no failure"),
        "{}",
        text(&out.stderr)
    );
    let r = results(&dir);
    assert_eq!(r["summary"]["waived"], 1);
    assert_eq!(r["cases"][0]["outcome"], "fail");
    assert!(r["cases"][0]["waived"].is_string());
}

#[test]
fn a_catalogue_that_changes_during_a_walk_is_a_skip_not_a_fail() {
    let url = serve(Mode::Growing);
    let (out, dir) = run(&url, "growing", &["--", "--exact", "tests/fixtures/listing.yaml::pagination.walk"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let case = &results(&dir)["cases"][0];
    assert_eq!(case["outcome"], "skip");
    assert!(case["reason"].as_str().unwrap().starts_with("catalogue changed during the walk"), "{}", case["reason"]);
}

/// A listing piped into a reader that stops early (`specgate list | head`) ends quietly, without
/// a panic on the closed pipe.
#[cfg(unix)]
#[test]
fn a_listing_ends_quietly_when_its_reader_stops() {
    use std::io::BufRead;
    let dir = report_dir("list-closed-pipe");
    std::fs::create_dir_all(&dir).unwrap();
    let mut source =
        String::from("specgate: 1\ntitle: Many\ndoc: {file: tests/cli.rs, section: list}\nrequest: {method: GET, path: /x}\ncases:\n");
    // Far more listing than a pipe holds (64 KiB), so the listing is still being written when the reader goes.
    for i in 0..4000 {
        source.push_str(&format!(
            "  - {{name: case-number-{i:05}, doc: {{file: tests/cli.rs, section: list}}, level: must, expect: {{status: 200}}}}\n"
        ));
    }
    let file = dir.join("many.yaml");
    std::fs::write(&file, source).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args(["list", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.contains("case-number-00000"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "ends as a pipe's writer does: {:?}", out.status);
}

#[test]
fn a_missing_var_is_one_usage_error_before_anything_runs() {
    // It was one `error` per case (34 for this spec) and exit 3, each found when its request was made.
    let dir = report_dir("missing-var");
    let out =
        specgate(&["run", "specs/ims/nova-images-detail.yaml", "--target", "http://127.0.0.1:9", "--report-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!dir.join("results.json").exists(), "nothing ran");
    insta::assert_snapshot!("missing_var", text(&out.stderr));
    // Only the selected cases count, and a listing sends nothing: neither needs the variable.
    let out = specgate(&["run", "specs/ims/nova-images-detail.yaml", "--target", "http://127.0.0.1:9", "--", "no-such-case"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let out = specgate(&["list", "specs/ims/nova-images-detail.yaml", "--target", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_unused_var_and_embedded_server_options_with_a_target_are_warned_about() {
    let url = serve(Mode::Good);
    let (out, _) =
        run(&url, "unused-var", &["--var", "zone=eu", "--images", "5", "--", "--exact", "tests/fixtures/listing.yaml::first-page"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("specgate: warning: variable `zone` (--var or --vars) is used by no selected spec\n"), "{stderr}");
    assert!(
        stderr.contains(
            "specgate: warning: --images and --catalog-seed apply to the embedded reference server only; ignored with --target\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_vars_file_sets_variables_and_a_var_overrides_it() {
    let dir = report_dir("vars-file");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vars.yaml");
    std::fs::write(&file, "# the project under test\nproject_id: 0123abcd\n").unwrap();
    let url_of_a_run = |extra: &[&str]| {
        let mut args = vec!["run", "specs/ims/nova-images-detail.yaml", "--target", "http://127.0.0.1:9", "--retries", "0"];
        args.extend_from_slice(&["--report-dir", dir.to_str().unwrap(), "--vars", file.to_str().unwrap()]);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "--exact", "specs/ims/nova-images-detail.yaml::list-detail"]);
        let out = specgate(&args);
        assert_eq!(out.status.code(), Some(3), "refused, so `error`: {}", text(&out.stderr));
        results(&dir)["cases"][0]["exchanges"][0]["url"].as_str().unwrap().to_string()
    };
    assert!(url_of_a_run(&[]).contains("/v2.1/0123abcd/images/detail"), "the value as written, leading zero kept");
    assert!(url_of_a_run(&["--var", "project_id=fedc"]).contains("/v2.1/fedc/images/detail"));
}

#[test]
fn errors_in_a_vars_file_are_located() {
    let dir = report_dir("vars-file-error");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vars.yaml");
    std::fs::write(&file, "project_id: abc\nregion: [eu, us]\n").unwrap();
    let out = specgate(&["run", "tests/fixtures/listing.yaml", "--target", "http://127.0.0.1:9", "--vars", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr).replace(dir.to_str().unwrap(), "DIR");
    insta::assert_snapshot!("vars_file_error", stderr);
}

#[test]
fn a_directory_of_specs_skips_yaml_that_is_not_a_spec() {
    // An OpenAPI document beside the specs aborted the load.
    let dir = report_dir("not-a-spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("tests/fixtures/listing.yaml", dir.join("listing.yaml")).unwrap();
    std::fs::write(dir.join("openapi.yaml"), "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap();
    let out = specgate(&["list", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("listing.yaml::first-page"), "{}", text(&out.stdout));
    let note = format!("specgate: note: skipped {}/openapi.yaml: not a spec", dir.display());
    assert!(text(&out.stderr).contains(&note), "{}", text(&out.stderr));
}

#[test]
fn a_directory_without_specs_is_a_usage_error() {
    let dir = report_dir("no-specs");
    std::fs::create_dir_all(&dir).unwrap();
    let out = specgate(&["run", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: no specs found\n"), "{}", text(&out.stderr));
}

#[test]
fn a_target_without_a_scheme_suggests_http() {
    let out = specgate(&["run", "tests/fixtures/listing.yaml", "--target", "127.0.0.1:9292"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "error: --target `127.0.0.1:9292` has no scheme: did you mean http://127.0.0.1:9292?\n");
}

#[test]
fn a_subcommand_with_two_letters_swapped_gets_a_suggestion() {
    let out = specgate(&["rnu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tip: a similar subcommand exists: 'run'"), "{}", text(&out.stderr));
}

#[test]
fn help_and_the_readme_list_the_exit_codes_of_src_exit() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for args in [&["--help"][..], &["run", "--help"]] {
        let help = text(&specgate(args).stdout);
        for (code, meaning) in specgate::exit::MEANINGS {
            assert!(help.contains(&format!("{code:>3}  {meaning}\n")), "`{}` lists exit code {code}:\n{help}", args.join(" "));
            assert!(readme.contains(&format!("| {code} | {meaning} |\n")), "README.md lists exit code {code} as `{meaning}`");
        }
    }
}

#[test]
fn the_readme_says_what_run_help_says_about_retries() {
    let help = text(&specgate(&["run", "--help"]).stdout);
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = help.find("--retries <RETRIES>").unwrap();
    let said = words(&help[start..][..help[start..].find("[default: 2]").unwrap()]);
    // The table's cells start in lower case.
    let said = said.trim_start_matches("--retries <RETRIES> ").replacen("How", "how", 1);
    let readme = std::fs::read_to_string("README.md").unwrap();
    let row = readme.lines().find(|l| l.starts_with("| `--retries N` |")).unwrap();
    assert!(words(row).contains(&said), "README:\n{row}\nrun --help:\n{said}");
}

#[test]
fn completions_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = specgate(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let script = text(&out.stdout);
        assert!(script.len() > 1000, "{shell}: {script}");
        for sub in ["run", "list", "lint-docs", "completions"] {
            assert!(script.contains(sub), "{shell} names `{sub}`");
        }
    }
}

#[test]
fn the_man_page_names_run_and_its_options() {
    let out = specgate(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH specgate 1"), "{page}");
    assert!(page.contains(".TH specgate-run 1"), "a page for `specgate run`");
    assert!(page.contains("\\-\\-retries"), "run's options are in it");
}
