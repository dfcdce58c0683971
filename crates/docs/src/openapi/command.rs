//! `specgate export openapi` and `specgate import openapi`: load, convert, write.

use std::path::Path;
use std::process::ExitCode;

use crate::args::{ExportOpenapiArgs, ImportOpenapiArgs};
use crate::exit;

pub fn export(args: ExportOpenapiArgs) -> ExitCode {
    let specs = match crate::spec::load_all(&args.paths) {
        Ok(s) => s,
        Err(errors) => return report(&errors, "spec error(s); nothing was exported"),
    };
    let doc = match super::export::export(&specs, &args.title) {
        Ok(d) => d,
        Err(errors) => return report(&errors, "error(s); nothing was exported"),
    };
    let text = if is_yaml(&args.out) {
        match serde_saphyr::to_string(&doc) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot write YAML: {e}")),
        }
    } else {
        let mut t = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
        t.push('\n');
        t
    };
    if args.out.as_os_str() == "-" {
        print!("{text}");
    } else if let Err(e) = std::fs::write(&args.out, text) {
        return unwritten(format!("cannot write {}: {e}", args.out.display()));
    } else {
        eprintln!("specgate: {} operation(s) from {} spec(s) written to {}", count_operations(&doc), specs.len(), args.out.display());
    }
    exit::code(exit::PASSED)
}

pub fn import(args: ImportOpenapiArgs) -> ExitCode {
    let source = match std::fs::read_to_string(&args.file) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot read {}: {e}", args.file.display())),
    };
    let imported = match super::import::import(&args.file, &source) {
        Ok(i) => i,
        Err(errors) => return report(&errors, "error(s); nothing was written"),
    };
    for e in &imported.warnings {
        eprint!("{}", e.render().replacen("error:", "warning:", 1));
    }
    for (rel, text) in imported.schemas.iter().chain(&imported.specs) {
        let path = args.out.join(rel);
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                return unwritten(format!("cannot create {}: {e}", dir.display()));
            }
        }
        if let Err(e) = std::fs::write(&path, text) {
            return unwritten(format!("cannot write {}: {e}", path.display()));
        }
    }
    eprintln!("specgate: {} spec(s) and {} schema(s) written to {}", imported.specs.len(), imported.schemas.len(), args.out.display());
    exit::code(exit::PASSED)
}

fn count_operations(doc: &serde_json::Value) -> usize {
    doc["paths"].as_object().map(|p| p.values().filter_map(|i| i.as_object()).map(|i| i.len()).sum()).unwrap_or(0)
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn report(errors: &[crate::spec::SpecError], what: &str) -> ExitCode {
    for e in errors {
        eprint!("{}", e.render());
    }
    eprintln!("{} {what}", errors.len());
    exit::code(exit::USAGE)
}

/// An output that could not be written: never a silent success.
fn unwritten(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    exit::code(exit::NOT_RECORDED)
}

fn fail(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    exit::code(exit::USAGE)
}
