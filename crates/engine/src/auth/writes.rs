//! Read-only by default: a spec whose request is not GET, HEAD or OPTIONS is refused at load
//! time, pointing at its `method:` line, unless the user allows writes.

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::spec::error::{Pos, SpecError};
use crate::spec::model::Method;
use crate::spec::Spec;

/// `specs` unchanged, or one located error per spec that would write.
pub fn refuse_writes(specs: Vec<Spec>, allow_writes: bool) -> Result<Vec<Spec>, Vec<SpecError>> {
    if allow_writes {
        return Ok(specs);
    }
    let errors: Vec<SpecError> = specs.iter().filter(|s| !is_safe(s.file.request.method)).map(refusal).collect();
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}

fn is_safe(m: Method) -> bool {
    matches!(m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refusal(spec: &Spec) -> SpecError {
    let method = spec.file.request.method.as_str();
    let path = Path::new(&spec.path);
    let e = SpecError::new(path, format!("`{method}` changes the target; specgate is read-only by default"))
        .hint("run with --allow-writes if this target may be written to");
    // The model keeps no position for the method: read it again, only for a refused spec.
    match std::fs::read_to_string(path).ok().and_then(|source| method_pos(&source).map(|p| (source, p))) {
        Some((source, pos)) => e.at(&source, pos, method.len()),
        None => e,
    }
}

#[derive(Deserialize)]
struct MethodOnly {
    request: RequestMethod,
}

#[derive(Deserialize)]
struct RequestMethod {
    method: Spanned<String>,
}

fn method_pos(source: &str) -> Option<Pos> {
    let m: MethodOnly = serde_saphyr::from_str(source).ok()?;
    Some(Pos::of(&m.request.method.referenced))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest:\n  path: /v2/images\n  method: DELETE\n\
                        cases:\n  - name: c\n    doc: {file: f, section: s}\n    expect: {status: 204}\n";

    #[test]
    fn a_writing_spec_is_refused_at_its_method_line() {
        let dir = std::env::temp_dir().join(format!("specgate-writes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("delete.yaml");
        std::fs::write(&file, SPEC).unwrap();
        let spec = crate::spec::load::load_file(&file).unwrap();
        let errors = refuse_writes(vec![spec], false).unwrap_err();
        let text = errors[0].render();
        assert!(text.contains("delete.yaml:6:11"), "{text}");
        assert!(text.contains("method: DELETE") && text.contains("--allow-writes"), "{text}");
        let spec = crate::spec::load::load_file(&file).unwrap();
        assert_eq!(refuse_writes(vec![spec], true).unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
