//! Several identities in one run: `--identity NAME=SOURCE` and `--identities FILE` name them,
//! each logs in as a run's single identity does (`super::establish`), and each request says
//! which one made it.
//!
//! A SOURCE is one of the ways of logging in that exist for the single identity:
//! `os-cloud:CLOUD` (a clouds.yaml entry), `token-env:VAR` (a token in an environment
//! variable, exchanged with Keystone when `OS_AUTH_URL` is set, as `OS_TOKEN` is) or
//! `aksk-env:AK_VAR:SK_VAR:PROJECT_ID`; `,admin` after it marks an admin identity.

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::Spanned;

use super::{Auth, AuthArgs, AuthError, Intent, Login};
use crate::spec::error::{Pos, SpecError};

/// The kinds of SOURCE, as the one-line error lists them.
const KINDS: &str = "os-cloud:CLOUD, token-env:VAR, aksk-env:AK_VAR:SK_VAR:PROJECT_ID";

/// Where an identity's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A clouds.yaml entry, found as `--os-cloud` finds it.
    OsCloud(String),
    /// A token read from this environment variable.
    TokenEnv(String),
    /// AK/SK read from two environment variables, acting for a project.
    AkSkEnv { access_key_var: String, secret_key_var: String, project_id: String },
}

/// An identity as declared, before it logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub name: String,
    pub source: Source,
    pub admin: bool,
}

impl Source {
    /// `os-cloud:CLOUD`, `token-env:VAR` or `aksk-env:AK_VAR:SK_VAR:PROJECT_ID`.
    pub fn parse(text: &str) -> Result<Source, String> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let missing = |what: &str| format!("`{text}`: {kind} needs {what}");
        match kind {
            "os-cloud" if !rest.is_empty() => Ok(Source::OsCloud(rest.to_string())),
            "os-cloud" => Err(missing("a cloud name (os-cloud:CLOUD)")),
            "token-env" if !rest.is_empty() => Ok(Source::TokenEnv(rest.to_string())),
            "token-env" => Err(missing("a variable name (token-env:VAR)")),
            "aksk-env" => match rest.splitn(3, ':').collect::<Vec<_>>()[..] {
                [ak, sk, project] if !ak.is_empty() && !sk.is_empty() && !project.is_empty() => {
                    Ok(Source::AkSkEnv { access_key_var: ak.to_string(), secret_key_var: sk.to_string(), project_id: project.to_string() })
                }
                _ => Err(missing("two variable names and a project (aksk-env:AK_VAR:SK_VAR:PROJECT_ID)")),
            },
            _ => Err(format!("`{text}` is not an identity source; the kinds are {KINDS}")),
        }
    }
}

impl Declared {
    /// `NAME=SOURCE[,admin]`, as `--identity` takes it.
    pub fn parse(text: &str) -> Result<Declared, String> {
        let (name, source) = text.split_once('=').ok_or_else(|| format!("--identity `{text}` is not NAME=SOURCE"))?;
        let name = name.trim();
        check_name(name).map_err(|e| format!("--identity `{text}`: {e}"))?;
        let (source, admin) = match source.strip_suffix(",admin") {
            Some(s) => (s, true),
            None => (source, false),
        };
        let source = Source::parse(source).map_err(|e| format!("--identity {name}: {e}"))?;
        Ok(Declared { name: name.to_string(), source, admin })
    }
}

/// A name shows in case ids and report columns: letters, digits, `-` and `_`.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("the name `{name}` may hold only letters, digits, `-` and `_`"));
    }
    Ok(())
}

/// `--identities FILE`: a YAML mapping of name to SOURCE (or to `{source, admin}`), in file order.
pub fn read_file(path: &Path) -> Result<Vec<Declared>, SpecError> {
    let source = std::fs::read_to_string(path).map_err(|e| SpecError::new(path, format!("cannot read the identities file: {e}")))?;
    let hint = "an identities file maps names to sources, e.g. `alice: os-cloud:alice` or `root: {source: os-cloud:admin, admin: true}`";
    let entries: BTreeMap<String, Spanned<serde_json::Value>> = match serde_saphyr::from_str(&source) {
        Ok(Some(entries)) => entries,
        Ok(None) => return Err(SpecError::new(path, "the identities file names no identity").hint(hint)),
        Err(e) => return Err(crate::spec::load::yaml_error(path, &source, &e).hint(hint)),
    };
    // The first identity runs the ordinary cases: keep the file's order.
    let mut entries: Vec<(String, Spanned<serde_json::Value>)> = entries.into_iter().collect();
    entries.sort_by_key(|(_, v)| (v.referenced.line(), v.referenced.column()));
    let mut out: Vec<Declared> = Vec::new();
    for (name, entry) in entries {
        let at = |message: String, width: usize| SpecError::new(path, message).at(&source, Pos::of(&entry.referenced), width).hint(hint);
        check_name(&name).map_err(|e| at(format!("identity `{name}`: {e}"), 1))?;
        let (text, admin) = match &entry.value {
            serde_json::Value::String(s) => (s.clone(), false),
            serde_json::Value::Object(o) => {
                let Some(serde_json::Value::String(s)) = o.get("source") else {
                    return Err(at(format!("identity `{name}` has no `source`"), 1));
                };
                if let Some(unknown) = o.keys().find(|k| !matches!(k.as_str(), "source" | "admin")) {
                    return Err(at(format!("identity `{name}`: unknown key `{unknown}` (the keys are `source` and `admin`)"), 1));
                }
                match o.get("admin") {
                    None => (s.clone(), false),
                    Some(serde_json::Value::Bool(b)) => (s.clone(), *b),
                    Some(_) => return Err(at(format!("identity `{name}`: `admin` is true or false"), 1)),
                }
            }
            _ => return Err(at(format!("identity `{name}` is neither a source nor `{{source, admin}}`"), 1)),
        };
        let source = Source::parse(&text).map_err(|e| at(format!("identity `{name}`: {e}"), text.len()))?;
        out.push(Declared { name, source, admin });
    }
    Ok(out)
}

/// An identity of the run, logged in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Empty for the run's single unnamed identity (no `--identity`).
    pub name: String,
    pub auth: Auth,
    /// The project its requests act for, when known (`{project_id}` of its requests).
    pub project_id: Option<String>,
    pub admin: bool,
}

impl Identity {
    /// The run's single identity, as before identities had names.
    pub fn unnamed(login: &Login) -> Identity {
        Identity { name: String::new(), auth: login.auth.clone(), project_id: login.project_id.clone(), admin: false }
    }
}

/// Log each declared identity in, as `establish` logs the single identity in, with the
/// credentials of its source in place of the run's own (`--os-cloud`, `OS_*` except
/// `OS_AUTH_URL`, `--ak/--sk`). `env` reads the environment (a parameter, for tests).
pub fn establish_each(
    args: &AuthArgs,
    declared: &[Declared],
    intent: Intent,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(Identity, Login)>, AuthError> {
    let mut out = Vec::new();
    for d in declared {
        let mut own = AuthArgs { identities: Vec::new(), identities_file: None, ..Default::default() };
        // What is not a credential carries over: TLS, the catalog service, writes, the
        // Keystone to exchange tokens with.
        own.cacert = args.cacert.clone();
        own.insecure = args.insecure;
        own.service = args.service;
        own.allow_writes = args.allow_writes;
        own.os_region_name = args.os_region_name.clone();
        own.os_interface = args.os_interface.clone();
        let var = |name: &str| {
            env(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AuthError::Usage(format!("identity `{}`: environment variable {name} is not set", d.name)))
        };
        match &d.source {
            Source::OsCloud(cloud) => own.os_cloud = Some(cloud.clone()),
            Source::TokenEnv(v) => {
                own.os_token = Some(var(v)?);
                own.os_auth_url = args.os_auth_url.clone();
                own.os_project_id = args.os_project_id.clone();
                own.os_project_name = args.os_project_name.clone();
                own.os_project_domain_name = args.os_project_domain_name.clone();
                own.os_project_domain_id = args.os_project_domain_id.clone();
            }
            Source::AkSkEnv { access_key_var, secret_key_var, project_id } => {
                own.access_key = Some(var(access_key_var)?);
                own.secret_key = Some(var(secret_key_var)?);
                own.project_id = Some(project_id.clone());
            }
        }
        let login = super::establish(&own, intent).map_err(|e| match e {
            AuthError::Usage(m) => AuthError::Usage(format!("identity `{}`: {m}", d.name)),
            other => AuthError::Usage(format!("identity `{}`: {other}", d.name)),
        })?;
        let identity = Identity { name: d.name.clone(), auth: login.auth.clone(), project_id: login.project_id.clone(), admin: d.admin };
        out.push((identity, login));
    }
    Ok(out)
}

/// Every identity the command line declares: `--identities FILE` first, then each `--identity`.
pub fn declared(args: &AuthArgs) -> Result<Vec<Declared>, String> {
    let mut out = match &args.identities_file {
        Some(path) => read_file(path).map_err(|e| e.render().trim_start_matches("error: ").trim_end().to_string())?,
        None => Vec::new(),
    };
    for text in &args.identities {
        let d = Declared::parse(text)?;
        if out.iter().any(|x| x.name == d.name) {
            return Err(format!("identity `{}` is declared twice", d.name));
        }
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_source_parses() {
        assert_eq!(
            Declared::parse("alice=os-cloud:alice").unwrap(),
            Declared { name: "alice".into(), source: Source::OsCloud("alice".into()), admin: false }
        );
        assert!(Declared::parse("root=os-cloud:admin,admin").unwrap().admin);
        assert_eq!(Declared::parse("bob=token-env:BOB_TOKEN").unwrap().source, Source::TokenEnv("BOB_TOKEN".into()));
        assert_eq!(
            Declared::parse("carol=aksk-env:AK:SK:0123abcd").unwrap().source,
            Source::AkSkEnv { access_key_var: "AK".into(), secret_key_var: "SK".into(), project_id: "0123abcd".into() }
        );
    }

    #[test]
    fn an_unknown_kind_is_one_line_that_lists_the_kinds() {
        let e = Declared::parse("alice=password:x").unwrap_err();
        assert_eq!(
            e,
            "--identity alice: `password:x` is not an identity source; the kinds are os-cloud:CLOUD, token-env:VAR, aksk-env:AK_VAR:SK_VAR:PROJECT_ID"
        );
        assert!(!e.contains('\n'));
        assert!(Declared::parse("alice").unwrap_err().contains("is not NAME=SOURCE"));
        assert!(Declared::parse("a b=os-cloud:x").unwrap_err().contains("only letters"));
        assert!(Declared::parse("bob=aksk-env:AK:SK").unwrap_err().contains("aksk-env:AK_VAR:SK_VAR:PROJECT_ID"));
    }

    fn file(text: &str) -> Result<Vec<Declared>, SpecError> {
        let dir = std::env::temp_dir().join(format!("specgate-identities-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("identities.yaml");
        std::fs::write(&path, text).unwrap();
        read_file(&path)
    }

    #[test]
    fn an_identities_file_keeps_its_order_and_admin_marks() {
        let got = file("bob: token-env:BOB\nalice: os-cloud:alice\nroot: {source: os-cloud:admin, admin: true}\n").unwrap();
        let names: Vec<(&str, bool)> = got.iter().map(|d| (d.name.as_str(), d.admin)).collect();
        assert_eq!(names, [("bob", false), ("alice", false), ("root", true)]);
    }

    #[test]
    fn a_bad_source_in_the_file_is_located() {
        let e = file("alice: os-cloud:alice\nbob: sso:bob\n").unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 2, col: 6 }), "{}", e.render());
        assert!(e.message.contains("the kinds are os-cloud:CLOUD"), "{}", e.render());
        let e = file("root:\n  source: kerberos\n  admin: true\n").unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(2), "{}", e.render());
    }

    #[test]
    fn token_env_identities_log_in_with_their_own_token_and_none_other() {
        let args = AuthArgs { os_token: Some("the-run-token".into()), ..Default::default() };
        let declared = [Declared::parse("alice=token-env:A_TOKEN").unwrap(), Declared::parse("bob=token-env:B_TOKEN,admin").unwrap()];
        let env = |k: &str| match k {
            "A_TOKEN" => Some("alice-token-1234".to_string()),
            "B_TOKEN" => Some("bob-token-5678".to_string()),
            _ => None,
        };
        let intent = Intent { token_given: false, has_target: true, list_only: false, timeout: std::time::Duration::from_secs(1) };
        let got = establish_each(&args, &declared, intent, env).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1.secrets, ["alice-token-1234"]);
        assert_eq!(got[1].1.secrets, ["bob-token-5678"]);
        assert!(got[1].0.admin && !got[0].0.admin);
        let missing = establish_each(&args, &[Declared::parse("carol=token-env:C_TOKEN").unwrap()], intent, env).unwrap_err();
        assert_eq!(missing.to_string(), "identity `carol`: environment variable C_TOKEN is not set");
    }
}
