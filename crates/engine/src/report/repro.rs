//! Reproductions: the `curl` command for the request that proves a failure or an error, with
//! every secret as a shell variable (`$SPECGATE_TOKEN`) a user fills from the environment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::redact::{is_secret_header, placeholder, URL_SECRET_PLACEHOLDER};
use crate::verdict::Verdict;

/// Headers a run sent, as layers merged like the runner merges them: the spec's request
/// headers, then the run's (`--header`, token), then a case's own. Secret values are stored
/// as placeholders only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentHeaders {
    /// Sent with every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run: Vec<(String, String)>,
    /// Per spec path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub spec: BTreeMap<String, Vec<(String, String)>>,
    /// Per `spec::case`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub case: BTreeMap<String, Vec<(String, String)>>,
}

impl SentHeaders {
    pub(crate) fn is_empty(&self) -> bool {
        self.run.is_empty() && self.spec.is_empty() && self.case.is_empty()
    }

    /// Record the headers of `specs` and the run's `headers`; `secrets` are values never to
    /// store (whatever header carries them).
    pub fn of(specs: &[std::sync::Arc<crate::spec::Spec>], run: &[(String, String)], secrets: &[String]) -> SentHeaders {
        let safe = |pairs: &mut dyn Iterator<Item = (&String, &String)>| -> Vec<(String, String)> {
            pairs
                .map(|(k, v)| {
                    let secret = is_secret_header(k) || secrets.iter().any(|s| !s.is_empty() && v.contains(s.as_str()));
                    (k.clone(), if secret { placeholder(k) } else { v.clone() })
                })
                .collect()
        };
        let mut out = SentHeaders { run: safe(&mut run.iter().map(|(k, v)| (k, v))), ..Default::default() };
        for s in specs {
            if !s.file.request.headers.is_empty() {
                out.spec.insert(s.path.clone(), safe(&mut s.file.request.headers.iter()));
            }
            for c in &s.file.cases {
                if !c.headers.is_empty() {
                    out.case.insert(format!("{}::{}", s.path, c.name.value), safe(&mut c.headers.iter()));
                }
            }
        }
        out
    }

    /// The headers of one case's requests, later layers overriding earlier ones.
    fn for_case(&self, spec: &str, case: &str) -> Vec<(String, String)> {
        let mut map: BTreeMap<String, (String, String)> = BTreeMap::new();
        let layers = [self.spec.get(spec), Some(&self.run), self.case.get(&format!("{spec}::{case}"))];
        for (k, v) in layers.into_iter().flatten().flatten() {
            map.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
        }
        map.into_values().collect()
    }
}

/// Quote for a POSIX shell: single quotes, unless the text holds a placeholder that must
/// expand, then double quotes with everything else escaped.
fn quote(s: &str, expand: bool) -> String {
    if expand {
        let mut out = String::from("\"");
        let mut rest = s;
        while let Some(at) = rest.find("$SPECGATE_") {
            out.push_str(&escape_double(&rest[..at]));
            let end = rest[at + 1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map(|e| at + 1 + e).unwrap_or(rest.len());
            out.push_str(&rest[at..end]);
            rest = &rest[end..];
        }
        out.push_str(&escape_double(rest));
        out.push('"');
        out
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn escape_double(s: &str) -> String {
    s.chars().fold(String::new(), |mut o, c| {
        if matches!(c, '"' | '\\' | '$' | '`') {
            o.push('\\');
        }
        o.push(c);
        o
    })
}

/// The `curl` command for the request that proves `v` failed or errored: the request of its
/// first finding (for a walk, the page where it broke), else its last request.
pub(crate) fn curl(v: &Verdict, headers: &SentHeaders) -> Option<String> {
    if !(v.class().is_bad() || v.outcome == crate::verdict::Outcome::Fail) {
        return None;
    }
    let ex = v.findings.iter().find_map(|f| f.exchange).and_then(|i| v.exchanges.get(i)).or_else(|| v.exchanges.last())?;
    let mut cmd = String::from("curl -sS -i");
    if !ex.method.eq_ignore_ascii_case("GET") {
        cmd.push_str(&format!(" -X {}", ex.method));
    }
    for (k, val) in headers.for_case(&v.spec, &v.case) {
        let line = format!("{k}: {val}");
        cmd.push_str(&format!(" -H {}", quote(&line, val.starts_with("$SPECGATE_"))));
    }
    let masked = ex.url.contains("***");
    let url = ex.url.replace("***", URL_SECRET_PLACEHOLDER);
    cmd.push(' ');
    cmd.push_str(&quote(&url, masked));
    Some(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, CheckId, ExchangeRecord, Finding, Outcome};
    use serde_json::json;

    fn failing() -> Verdict {
        let mut v = sample(Outcome::Fail, Level::Must);
        v.spec = "s.yaml".into();
        v.case = "c".into();
        v.exchanges =
            ["http://h/v2/images?limit=2", "http://h/v2/images?limit=2&marker=it's"].iter().map(|u| ExchangeRecord::get(u)).collect();
        v.findings = vec![Finding::new(CheckId::PaginationOrder, "/1/name", json!("name asc"), json!(["b", "a"]), "m").on(1)];
        v
    }

    #[test]
    fn the_request_of_the_first_finding_with_secrets_as_placeholders() {
        let mut h = SentHeaders { run: vec![("X-Auth-Token".into(), "$SPECGATE_TOKEN".into())], ..Default::default() };
        h.spec.insert("s.yaml".into(), vec![("Accept".into(), "application/json".into())]);
        assert_eq!(
            curl(&failing(), &h).unwrap(),
            r#"curl -sS -i -H 'Accept: application/json' -H "X-Auth-Token: $SPECGATE_TOKEN" 'http://h/v2/images?limit=2&marker=it'\''s'"#
        );
    }

    #[test]
    fn masked_url_secrets_become_a_variable() {
        let mut v = failing();
        v.findings.clear();
        v.exchanges[1].url = "http://h/x?token=***&a=$b".into();
        assert_eq!(curl(&v, &SentHeaders::default()).unwrap(), r#"curl -sS -i "http://h/x?token=$SPECGATE_URL_SECRET&a=\$b""#);
    }

    #[test]
    fn secret_values_are_never_recorded_whatever_the_header() {
        let h = SentHeaders::of(&[], &[("X-Custom".into(), "Bearer abcdef".into())], &["abcdef".into()]);
        assert_eq!(h.run, [("X-Custom".to_string(), "$SPECGATE_X_CUSTOM".to_string())]);
    }

    #[test]
    fn passing_cases_have_none() {
        let mut v = failing();
        v.outcome = Outcome::Pass;
        assert_eq!(curl(&v, &SentHeaders::default()), None);
    }
}
