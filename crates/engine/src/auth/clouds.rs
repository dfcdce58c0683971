//! `clouds.yaml`, found where the OpenStack tools look for it, with `secure.yaml` (the same
//! places) merged over it as openstacksdk merges them, turned into [`Credentials`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::AuthError;
use super::keystone::Credentials;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    clouds: BTreeMap<String, Cloud>,
}

#[derive(Deserialize, Default, Clone)]
struct Cloud {
    #[serde(default)]
    auth: Auth,
    #[serde(default)]
    auth_type: Option<String>,
    #[serde(default)]
    region_name: Option<String>,
    #[serde(default)]
    interface: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct Auth {
    auth_url: Option<String>,
    username: Option<String>,
    user_id: Option<String>,
    password: Option<String>,
    user_domain_name: Option<String>,
    user_domain_id: Option<String>,
    project_id: Option<String>,
    project_name: Option<String>,
    project_domain_name: Option<String>,
    project_domain_id: Option<String>,
    application_credential_id: Option<String>,
    application_credential_name: Option<String>,
    application_credential_secret: Option<String>,
    token: Option<String>,
}

/// `over` wins where it has a value (openstacksdk merges secure.yaml into clouds.yaml so).
fn merge<T>(base: Option<T>, over: Option<T>) -> Option<T> {
    over.or(base)
}

impl Cloud {
    fn merged(self, over: Cloud) -> Cloud {
        let (a, o) = (self.auth, over.auth);
        Cloud {
            auth: Auth {
                auth_url: merge(a.auth_url, o.auth_url),
                username: merge(a.username, o.username),
                user_id: merge(a.user_id, o.user_id),
                password: merge(a.password, o.password),
                user_domain_name: merge(a.user_domain_name, o.user_domain_name),
                user_domain_id: merge(a.user_domain_id, o.user_domain_id),
                project_id: merge(a.project_id, o.project_id),
                project_name: merge(a.project_name, o.project_name),
                project_domain_name: merge(a.project_domain_name, o.project_domain_name),
                project_domain_id: merge(a.project_domain_id, o.project_domain_id),
                application_credential_id: merge(a.application_credential_id, o.application_credential_id),
                application_credential_name: merge(a.application_credential_name, o.application_credential_name),
                application_credential_secret: merge(a.application_credential_secret, o.application_credential_secret),
                token: merge(a.token, o.token),
            },
            auth_type: merge(self.auth_type, over.auth_type),
            region_name: merge(self.region_name, over.region_name),
            interface: merge(self.interface, over.interface),
        }
    }
}

/// Which file is looked for, and the variable that names it directly.
pub(crate) struct Kind {
    file: &'static str,
    env: &'static str,
}

pub(crate) const CLOUDS: Kind = Kind { file: "clouds.yaml", env: "OS_CLIENT_CONFIG_FILE" };
pub(crate) const SECURE: Kind = Kind { file: "secure.yaml", env: "OS_CLIENT_SECURE_FILE" };

/// Where `clouds.yaml` (or `secure.yaml`) is looked for, in order: `OS_CLIENT_CONFIG_FILE`
/// (`OS_CLIENT_SECURE_FILE`), the working directory, the user's configuration directory,
/// `/etc/openstack`.
pub(crate) fn search_path(kind: Kind) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(f) = std::env::var_os(kind.env) {
        paths.push(PathBuf::from(f));
    }
    paths.push(PathBuf::from(kind.file));
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        paths.push(c.join("openstack").join(kind.file));
    }
    paths.push(PathBuf::from("/etc/openstack").join(kind.file));
    paths
}

/// The credentials of cloud `name` from the first `clouds.yaml` of `search` that exists, with
/// the first `secure.yaml` of `secure` (if any) merged over it.
pub(crate) fn load(name: &str, search: &[PathBuf], secure: &[PathBuf]) -> Result<Credentials, AuthError> {
    let path =
        search.iter().find(|p| p.is_file()).ok_or_else(|| AuthError::NoCloudsFile { name: name.to_string(), searched: search.to_vec() })?;
    let secure = match secure.iter().find(|p| p.is_file()) {
        Some(p) => Some((p.as_path(), read(p)?)),
        None => None,
    };
    from_text(name, path, &read(path)?, secure.as_ref().map(|(p, t)| (*p, t.as_str())))
}

fn read(path: &Path) -> Result<String, AuthError> {
    std::fs::read_to_string(path).map_err(|e| AuthError::CloudsFile { path: path.to_path_buf(), message: e.to_string() })
}

fn parse(path: &Path, text: &str, what: &str) -> Result<File, AuthError> {
    serde_saphyr::from_str(text).map_err(|e| AuthError::CloudsFile { path: path.to_path_buf(), message: first_line(&e.to_string(), what) })
}

fn from_text(name: &str, path: &Path, text: &str, secure: Option<(&Path, &str)>) -> Result<Credentials, AuthError> {
    let mut file = parse(path, text, CLOUDS.file)?;
    let mut searched = vec![path.to_path_buf()];
    let mut cloud = file.clouds.remove(name);
    let mut names: Vec<String> = file.clouds.into_keys().collect();
    if let Some((p, t)) = secure {
        searched.push(p.to_path_buf());
        let mut over = parse(p, t, SECURE.file)?;
        cloud = match (cloud, over.clouds.remove(name)) {
            (Some(c), Some(o)) => Some(c.merged(o)),
            (c, o) => c.or(o),
        };
        names.extend(over.clouds.into_keys());
    }
    let Some(cloud) = cloud else {
        let suggestion = names
            .into_iter()
            .filter(|k| strsim::jaro_winkler(k, name) > 0.8)
            .max_by(|a, b| strsim::jaro_winkler(a, name).total_cmp(&strsim::jaro_winkler(b, name)));
        return Err(AuthError::UnknownCloud { name: name.to_string(), searched, suggestion });
    };
    let a = &cloud.auth;
    // A token alone may be used as it is (`auth_type: admin_token`); anything else needs Keystone.
    let direct = cloud.auth_type.as_deref().is_some_and(|t| t == "admin_token" || t == "token_endpoint");
    let auth_url = match (&a.auth_url, direct) {
        (Some(u), _) => u.clone(),
        (None, true) => String::new(),
        (None, false) => {
            return Err(AuthError::CloudsFile { path: path.to_path_buf(), message: format!("cloud `{name}` has no auth.auth_url") })
        }
    };
    Ok(Credentials {
        auth_url,
        username: a.username.clone(),
        user_id: a.user_id.clone(),
        password: a.password.clone(),
        user_domain_name: a.user_domain_name.clone(),
        user_domain_id: a.user_domain_id.clone(),
        project_id: a.project_id.clone(),
        project_name: a.project_name.clone(),
        project_domain_name: a.project_domain_name.clone(),
        project_domain_id: a.project_domain_id.clone(),
        application_credential_id: a.application_credential_id.clone(),
        application_credential_name: a.application_credential_name.clone(),
        application_credential_secret: a.application_credential_secret.clone(),
        token: a.token.clone(),
        auth_type: cloud.auth_type.clone(),
        region: cloud.region_name.clone(),
        interface: cloud.interface.clone(),
    })
}

// A YAML error may quote the offending text, which may be a password: keep the position only.
fn first_line(message: &str, what: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    match line.find(" at line ") {
        Some(i) => format!("not a valid {what}{}", &line[i..]),
        None => format!("not a valid {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "clouds:\n  devstack:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: demo\n      password: pw-canary\n      \
                        user_domain_name: Default\n      project_name: demo\n      project_domain_name: Default\n    region_name: RegionOne\n";

    #[test]
    fn a_cloud_becomes_credentials() {
        let c = from_text("devstack", Path::new("clouds.yaml"), FILE, None).unwrap();
        assert_eq!(c.auth_url, "http://127.0.0.1:5000/v3");
        assert_eq!(c.project_name.as_deref(), Some("demo"));
        assert_eq!(c.region.as_deref(), Some("RegionOne"));
    }

    #[test]
    fn an_unknown_cloud_suggests_a_near_name() {
        let e = from_text("devstak", Path::new("/x/clouds.yaml"), FILE, None).unwrap_err().to_string();
        assert_eq!(e, "no cloud `devstak` in /x/clouds.yaml (did you mean `devstack`?)");
    }

    #[test]
    fn a_broken_file_is_reported_without_its_content() {
        let e = from_text("devstack", Path::new("c.yaml"), "clouds:\n  x: [pw-canary\n", None).unwrap_err().to_string();
        assert!(e.starts_with("c.yaml: not a valid clouds.yaml"), "{e}");
        assert!(!e.contains("pw-canary"), "{e}");
    }

    #[test]
    fn no_file_names_every_place_searched() {
        let e = load("x", &[PathBuf::from("/nonexistent/a.yaml"), PathBuf::from("/nonexistent/b.yaml")], &[]).unwrap_err().to_string();
        assert_eq!(e, "--os-cloud x: no clouds.yaml found (looked in /nonexistent/a.yaml, /nonexistent/b.yaml)");
    }

    const SECURE_YAML: &str = "clouds:\n  devstack:\n    auth:\n      password: secure-canary\n  other:\n    auth_type: admin_token\n    auth:\n      token: tok-canary\n";

    #[test]
    fn secure_yaml_is_merged_over_clouds_yaml() {
        let base = FILE.replace("      password: pw-canary\n", "");
        let c = from_text("devstack", Path::new("clouds.yaml"), &base, Some((Path::new("secure.yaml"), SECURE_YAML))).unwrap();
        assert_eq!(c.password.as_deref(), Some("secure-canary"));
        assert_eq!((c.username.as_deref(), c.project_name.as_deref()), (Some("demo"), Some("demo")), "clouds.yaml keeps the rest");
        // Where both have a value, secure.yaml wins, as in openstacksdk.
        let c = from_text("devstack", Path::new("clouds.yaml"), FILE, Some((Path::new("secure.yaml"), SECURE_YAML))).unwrap();
        assert_eq!(c.password.as_deref(), Some("secure-canary"));
        assert_eq!(c.secrets(), ["secure-canary"]);
    }

    #[test]
    fn a_cloud_only_in_secure_yaml_is_found_and_a_token_may_stand_alone() {
        let c = from_text("other", Path::new("clouds.yaml"), FILE, Some((Path::new("secure.yaml"), SECURE_YAML))).unwrap();
        assert_eq!(c.auth_url, "");
        assert_eq!(c.method().unwrap(), super::super::keystone::Method::Direct);
        assert_eq!(c.secrets(), ["tok-canary"]);
        let e =
            from_text("othr", Path::new("/x/clouds.yaml"), FILE, Some((Path::new("/x/secure.yaml"), SECURE_YAML))).unwrap_err().to_string();
        assert_eq!(e, "no cloud `othr` in /x/clouds.yaml, /x/secure.yaml (did you mean `other`?)");
    }

    #[test]
    fn a_broken_secure_yaml_is_named_without_its_content() {
        let e = from_text("devstack", Path::new("clouds.yaml"), FILE, Some((Path::new("s/secure.yaml"), "clouds: [secure-canary\n")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s/secure.yaml: not a valid secure.yaml"), "{e}");
        assert!(!e.contains("secure-canary"), "{e}");
    }

    #[test]
    fn both_files_are_looked_for_in_the_same_places() {
        let (c, s) = (search_path(CLOUDS), search_path(SECURE));
        assert_eq!(c.len(), s.len());
        for (c, s) in c.iter().zip(&s) {
            assert_eq!(c.with_file_name("secure.yaml"), *s);
        }
    }
}
