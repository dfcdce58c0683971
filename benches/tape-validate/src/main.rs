//! How fast is a body validated without building a `serde_json::Value`? specgate's schema
//! check reads a passing body from a flat tape (`specgate_json::tape`) through jsonschema's generic
//! `Json` backend. The program times parse-only and parse+validate for both representations on
//! the same body and schema, and checks that both say the same of a broken body.
//!
//!     cargo run --release --manifest-path benches/tape-validate/Cargo.toml \
//!         --target-dir target/tape-validate -- SCHEMA BODY BROKEN_BODY [ROUNDS]
//!
//! The column "tape: parse + outline" checks the tape with the schema's outline
//! (`specgate_json::schema`). The last column is a reference, not a check: simd-json reading
//! the same body onto its own tape (with a copy of the body first, since it parses in place), the
//! floor of parsing alone with a general SIMD parser on this machine.
//! For `perf record`, `TAPE_ONLY=1` runs only the tape's parse and validation, `ROUNDS` times,
//! and `OUTLINE=1` with it validates with the outline.

use std::time::Instant;

use serde_json::Value;
use specgate_json::schema::Outline;
use specgate_json::tape::{Tape, TapeJson};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [schema, body, broken] =
        [0, 1, 2].map(|i| std::fs::read(args.get(i).expect("SCHEMA BODY BROKEN_BODY [ROUNDS]")).expect("readable file"));
    let n: usize = args.get(3).map_or(1000, |v| v.parse().expect("ROUNDS is a number"));
    let schema: Value = serde_json::from_slice(&schema).expect("schema is JSON");
    let by_value = jsonschema::options().should_validate_formats(true).build(&schema).expect("a valid schema");
    let by_tape = jsonschema::options_for::<TapeJson>().should_validate_formats(true).build(&schema).expect("a valid schema");
    let outline = Outline::build(&schema, "file:///", &|_| None).expect("the schema has an outline");
    let per = |f: &mut dyn FnMut() -> bool| {
        let t = Instant::now();
        let valid = (0..n).filter(|_| f()).count();
        (t.elapsed().as_secs_f64() * 1e6 / n as f64, valid)
    };
    if std::env::var_os("TAPE_ONLY").is_some() {
        // For `perf record`: the tape's parse + validate alone, `ROUNDS` times.
        for _ in 0..n {
            let tape = Tape::parse(&body, None).unwrap();
            let view = tape.view(&body).unwrap();
            assert!(if std::env::var_os("OUTLINE").is_some() { outline.is_valid(view.top()) } else { by_tape.is_valid(view.top()) });
        }
        return;
    }
    println!(
        "| round | Value: parse | Value: parse + validate | tape: parse | tape: parse + validate | tape: parse + outline | simd-json: copy + parse |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut copy = body.clone();
    for round in 1..=3 {
        let (vp, _) = per(&mut || std::hint::black_box(serde_json::from_slice::<Value>(&body).is_ok()));
        let (vv, a) = per(&mut || by_value.is_valid(&serde_json::from_slice::<Value>(&body).unwrap()));
        let (tp, _) = per(&mut || std::hint::black_box(Tape::parse(&body, None).is_ok()));
        let (tv, b) = per(&mut || {
            let tape = Tape::parse(&body, None).unwrap();
            by_tape.is_valid(tape.view(&body).unwrap().top())
        });
        let (to, c) = per(&mut || {
            let tape = Tape::parse(&body, None).unwrap();
            outline.is_valid(tape.view(&body).unwrap().top())
        });
        let (sj, d) = per(&mut || {
            copy.copy_from_slice(&body);
            simd_json::to_tape(&mut copy).is_ok_and(|tape| std::hint::black_box(tape.0.len()) > 0)
        });
        assert_eq!((a, b, c, d), (n, n, n, n), "the body is valid all three ways, and simd-json reads it");
        println!("| {round} | {vp:.1} µs | {vv:.1} µs | {tp:.1} µs | {tv:.1} µs | {to:.1} µs | {sj:.1} µs |");
    }
    let value: Value = serde_json::from_slice(&broken).expect("broken body is JSON");
    let tape = Tape::parse(&broken, None).expect("broken body is JSON");
    let view = tape.view(&broken).unwrap();
    let (a, b, c) = (by_value.is_valid(&value), by_tape.is_valid(view.top()), outline.is_valid(view.top()));
    assert!(!a && !b && !c, "the broken body is invalid all three ways (Value: {a}, tape: {b}, outline: {c})");
    println!("\nthe broken body is invalid all three ways");
}
