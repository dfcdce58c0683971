//! Hostile input on the stable toolchain: the spec loader and the response checks meet
//! generated and mutated inputs. Nothing may panic or hang; every rejected spec is a located
//! error (file:line:col with its source line). `tests/hostile/corpus/` keeps inputs that once
//! broke something, replayed on every run.

mod common;

use std::path::{Path, PathBuf};

use common::root;
use proptest::prelude::*;
use serde_json::Value;
use specgate::check::{check_response, Expectation};
use specgate::http::{Exchange, TransportError};
use specgate::spec::load::load_str;
use specgate::spec::Spec;

/// The specs a user would start from: the seed specs and the test fixtures, with their paths
/// (so `$ref`s resolve).
fn seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: std::sync::OnceLock<Vec<(PathBuf, String)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(read_seeds)
}

fn read_seeds() -> Vec<(PathBuf, String)> {
    let mut files = specgate::spec::load::discover(&[root().join("specs"), root().join("tests/fixtures")]).unwrap();
    files.retain(|f| !f.ends_with("waivers.yaml"));
    files.into_iter().map(|f| (f.clone(), std::fs::read_to_string(&f).unwrap())).collect()
}

/// Load `text` as if it were at `path`: success, or errors that each carry a position and
/// the source line, and render without panicking.
fn assert_loads_or_fails_located(path: &Path, text: &str) {
    if let Err(errors) = load_str(path, text) {
        assert!(!errors.is_empty(), "a rejection without an error");
        for e in &errors {
            let rendered = e.render();
            assert!(e.pos.is_some(), "unlocated error: {rendered}\n--- input ---\n{text}");
            assert!(rendered.contains(&path.display().to_string()), "{rendered}");
        }
    }
}

/// One edit of a spec's text; positions are taken modulo the text's length.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine(usize),
    DropLine(usize),
    SwapLines(usize, usize),
    Indent { line: usize, by: usize },
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // YAML's syntax characters, structure, odd whitespace and non-ASCII, more often than chance.
    let fragment = prop_oneof![
        "[\\[\\]{}:,#&*!|>'\"%@`?\\-\\n\\t ]{1,4}",
        Just("\n  - ".to_string()),
        Just(": ".to_string()),
        Just("{$ref: ../nope.json}".to_string()),
        Just("*a".to_string()),
        Just("&a ".to_string()),
        Just("<<: ".to_string()),
        Just("\u{feff}".to_string()),
        Just("é镜像\u{0}".to_string()),
        Just("99999999999999999999".to_string()),
        Just("null".to_string()),
        Just("{limit}".to_string()),
        "\\PC{1,6}",
    ];
    prop_oneof![
        (any::<usize>(), 1..24usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), fragment).prop_map(|(at, text)| Edit::Insert { at, text }),
        any::<usize>().prop_map(Edit::DuplicateLine),
        any::<usize>().prop_map(Edit::DropLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), 1..5usize).prop_map(|(line, by)| Edit::Indent { line, by }),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = chars.len().max(1);
    let l = lines.len().max(1);
    match edit {
        Edit::Delete { at, len } => {
            let at = at % n;
            chars[..at].iter().chain(chars[(at + len).min(chars.len())..].iter()).collect()
        }
        Edit::Insert { at, text } => {
            let at = at % n;
            chars[..at.min(chars.len())].iter().collect::<String>() + text + &chars[at.min(chars.len())..].iter().collect::<String>()
        }
        Edit::DuplicateLine(i) if !lines.is_empty() => {
            let line = lines[i % l].clone();
            lines.insert(i % l, line);
            lines.join("\n")
        }
        Edit::DropLine(i) if !lines.is_empty() => {
            lines.remove(i % l);
            lines.join("\n")
        }
        Edit::SwapLines(a, b) if !lines.is_empty() => {
            lines.swap(a % l, b % l);
            lines.join("\n")
        }
        Edit::Indent { line, by } if !lines.is_empty() => {
            lines[line % l] = format!("{}{}", " ".repeat(*by), lines[line % l]);
            lines.join("\n")
        }
        Edit::Truncate(at) => chars[..at % n].iter().collect(),
        _ => text.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_load_or_fail_located(pick in any::<usize>(), edits in prop::collection::vec(edit(), 1..6)) {
        let seeds = seeds();
        let (path, text) = &seeds[pick % seeds.len()];
        let mutated = edits.iter().fold(text.clone(), |t, e| apply(&t, e));
        assert_loads_or_fails_located(path, &mutated);
    }

    #[test]
    fn generated_text_loads_or_fails_located(text in "(specgate: 1\n)?[ -~\n\t\u{e9}\u{955c}]{0,300}") {
        assert_loads_or_fails_located(&root().join("specs/generated.yaml"), &text);
    }
}

/// Loaded once: compiling the schemas is the slow part.
fn loaded_seeds() -> &'static [Spec] {
    static SPECS: std::sync::OnceLock<Vec<Spec>> = std::sync::OnceLock::new();
    SPECS.get_or_init(|| specgate::spec::load_all(&[root().join("specs")]).unwrap())
}

/// Any JSON: scalars, and arrays/objects nested a few levels with short keys from the seeds'
/// vocabulary (so schemas meet their own field names with wrong values).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        let key = prop_oneof![
            Just("images".to_string()),
            Just("id".to_string()),
            Just("name".to_string()),
            Just("next".to_string()),
            Just("images_links".to_string()),
            Just("min_ram".to_string()),
            Just("status".to_string()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    /// The body parser builds exactly the tree `serde_json` builds (member order and repeated
    /// keys included), and refuses exactly what it refuses.
    #[test]
    fn the_body_parser_agrees_with_serde_json(body in body(), repeat in any::<bool>()) {
        // A repeated key: a second copy of the first member, with another value.
        let body = match (repeat, body.iter().position(|&b| b == b'{')) {
            (true, Some(at)) if body.get(at + 1) == Some(&b'"') => {
                let end = body[at + 2..].iter().position(|&b| b == b'"').map(|e| at + 2 + e + 1);
                match end {
                    Some(end) => [&body[..=at], &body[at + 1..end], b":0,", &body[at + 1..]].concat(),
                    None => body,
                }
            }
            _ => body,
        };
        let ours = specgate_json::reader::parse_tree(&body).map(|v| serde_json::to_string(&v).unwrap()).map_err(|e| e.to_string());
        let theirs = serde_json::from_slice::<Value>(&body).map(|v| serde_json::to_string(&v).unwrap()).map_err(|e| e.to_string());
        prop_assert_eq!(ours, theirs);
    }
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        prop::collection::vec(any::<u8>(), 0..200),
        Just(b"[".repeat(10_000)),
        Just(b"{\"images\": ".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn response_checks_take_any_response(
        status in prop::option::of(0u16..1000),
        content_type in prop::option::of(prop_oneof![Just("application/json".to_string()), "\\PC{0,30}"]),
        body in body(),
        failed in any::<bool>(),
    ) {
        let mut ex = Exchange {
            status,
            headers: content_type.into_iter().map(|c| ("Content-Type".to_string(), c)).collect(),
            body: body.into(),
            error: failed.then(|| TransportError::Other("reset".into())),
            ..Exchange::new("GET", "http://127.0.0.1:1/v2/images")
        };
        // Half the bodies are parsed into a member of the load's validator, as a one-request case does.
        if status.is_some_and(|s| s % 2 == 0) {
            let member = loaded_seeds().iter().flat_map(|s| s.case_schemas.iter().flatten()).find_map(|s| s.member.clone());
            ex.body.read_as_member(member.as_ref());
        }
        for spec in loaded_seeds() {
            for (i, case) in spec.file.cases.iter().enumerate() {
                let expect = Expectation { status: &case.expect.status, content_type: case.expect.content_type.as_deref(), schema: spec.case_schemas[i].as_ref() };
                let _ = check_response(expect, &ex, 0);
            }
        }
        let _ = ex.body.excerpt(7);
        if let Ok(v) = ex.body.json() {
            let shape = specgate::check::snapshot::shape(v);
            let _ = specgate::check::snapshot::compare("{\n  \"x\": \"string\"\n}\n", &shape, "s.json");
        }
    }
}

#[test]
fn corpus_inputs_load_or_fail_located() {
    let dir = root().join("tests/hostile/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            // As if it stood in specs/, where `$ref`s into schemas/ resolve.
            assert_loads_or_fails_located(&root().join("specs/ims").join(path.file_name().unwrap()), &text);
            n += 1;
        }
    }
    assert!(n > 0, "the corpus is empty");
}

#[test]
fn regression_alias_bomb_is_a_plain_located_error() {
    // It used to say "budget breached: Nodes { nodes: 250001 }".
    let path = root().join("tests/hostile/corpus/alias-bomb.yaml");
    let errors = load_str(&path, &std::fs::read_to_string(&path).unwrap()).unwrap_err();
    let text = errors[0].render();
    assert!(text.contains("too large for a spec once its YAML aliases are expanded"), "{text}");
    assert!(!text.contains("Nodes {"), "{text}");
}
