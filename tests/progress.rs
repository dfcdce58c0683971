//! The terminal's progress note: drawn on a terminal while a case keeps libtest waiting, never
//! in captured output.

mod common;

use common::{report_dir, root, specgate, text};

const CASE: &str = "specs/ims/cloudimages.yaml::list-default";

/// A case against a server that never answers: it waits out its 2 s request timeout.
fn args(dir: &str) -> Vec<String> {
    [
        "run",
        "specs/ims/cloudimages.yaml",
        "--fault",
        "*.hang",
        "--timeout",
        "2",
        "--retries",
        "0",
        "--report-dir",
        dir,
        "--",
        "--exact",
        CASE,
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_long_wait_shows_a_note_on_a_terminal_and_erases_it() {
    let dir = report_dir("progress-tty");
    let shell_args: Vec<String> = args(dir.to_str().unwrap()).iter().map(|a| format!("'{a}'")).collect();
    let command = format!("stty cols 160; '{}' {}", env!("CARGO_BIN_EXE_specgate"), shell_args.join(" "));
    let screen_dir = report_dir("progress-tty-screen");
    std::fs::create_dir_all(&screen_dir).expect("a directory for the typescript");
    let typescript = screen_dir.join("typescript");
    // `script` (util-linux) runs the command on a pseudo-terminal and records what it drew.
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &command, typescript.to_str().unwrap()])
        .current_dir(root())
        .output()
        .expect("run script");
    let screen = text(&std::fs::read(&typescript).unwrap_or_else(|e| panic!("no typescript ({e}): {}", text(&out.stderr))));
    assert_eq!(out.status.code(), Some(3), "an error verdict: {screen}");
    let note = screen.find("\x1b7[0/1 cases done, 0 requests, 1 s]\x1b8").unwrap_or_else(|| panic!("no note in {screen:?}"));
    let outcome = screen.find("FAILED").expect("the outcome");
    assert!(note < outcome && screen[note..outcome].contains("\x1b[K"), "the note is erased before the outcome: {screen:?}");
}

#[test]
fn captured_output_never_carries_the_note() {
    let dir = report_dir("progress-captured");
    let args = args(dir.to_str().unwrap());
    let out = specgate(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    for stream in [&out.stdout, &out.stderr] {
        assert!(!text(stream).contains("cases done") && !text(stream).contains('\x1b'), "{}", text(stream));
    }
}
