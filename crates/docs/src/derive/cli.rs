//! `specgate derive`: read the page, derive, write the skeleton whole or not at all; with
//! `--check SPEC`, compare the page with the spec instead; with `--check PAGE`, compare two
//! vendors' pages of one API.

use std::process::ExitCode;

use crate::args::{DeriveArgs, DocOutput};
use crate::exit;

use super::{derive, page_vs_page, page_vs_spec, read_page, yaml, DocError};

pub fn main(args: DeriveArgs) -> ExitCode {
    if let Some(spec) = &args.check {
        return check(spec, &args);
    }
    match skeleton(&args) {
        Ok(()) => exit::code(exit::PASSED),
        Err(e) => {
            eprintln!("{e}");
            exit::code(exit::USAGE)
        }
    }
}

fn skeleton(args: &DeriveArgs) -> Result<(), DocError> {
    let page = read_page(&args.doc)?;
    let skeleton = derive(&page);
    match &args.out {
        None => {
            print!("{}", yaml::render(&skeleton, None));
            Ok(())
        }
        // Written beside the target and renamed over it: a failed write leaves no half spec.
        Some(out) => {
            let text = yaml::render(&skeleton, out.parent().and_then(yaml::schema_ref).as_deref());
            let tmp = out.with_extension("yaml.partial");
            let write = |e| DocError::Write { path: out.clone(), source: e };
            std::fs::write(&tmp, &text).map_err(write)?;
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                write(e)
            })
        }
    }
}

/// Whether `--check` names a spec (YAML) rather than another vendor's page.
fn is_spec(path: &std::path::Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Read both pages before printing anything: bad input prints only its error.
fn check_pages(left: &std::path::Path, args: &DeriveArgs) -> ExitCode {
    let pages = read_page(left).and_then(|l| read_page(&args.doc).map(|r| (l, r)));
    let (left, right) = match pages {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::USAGE);
        }
    };
    let c = page_vs_page::compare(&derive(&left), &derive(&right));
    match args.format {
        DocOutput::Text => print!("{}", page_vs_page::text(&c)),
        DocOutput::Json => print!("{}", page_vs_page::json(&c)),
    }
    exit::code(if c.differences.is_empty() { exit::PASSED } else { exit::FAILED })
}

/// Load the spec and read the page before printing anything: bad input prints only its error.
fn check(spec: &std::path::Path, args: &DeriveArgs) -> ExitCode {
    if !is_spec(spec) {
        return check_pages(spec, args);
    }
    let spec = match crate::spec::load::load_file(spec) {
        Ok(s) => s,
        Err(errs) => {
            for e in errs {
                eprint!("{}", e.render());
            }
            return exit::code(exit::USAGE);
        }
    };
    let page = match read_page(&args.doc) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::USAGE);
        }
    };
    let c = page_vs_spec::compare(&spec, &derive(&page));
    match args.format {
        DocOutput::Text => print!("{}", page_vs_spec::text(&c)),
        DocOutput::Json => print!("{}", page_vs_spec::json(&c)),
    }
    exit::code(if c.differences.is_empty() { exit::PASSED } else { exit::FAILED })
}
