//! `clouds.yaml`, found where the OpenStack tools look for it, turned into [`Credentials`].

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

#[derive(Deserialize)]
struct Cloud {
    #[serde(default)]
    auth: Auth,
    #[serde(default)]
    region_name: Option<String>,
    #[serde(default)]
    interface: Option<String>,
}

#[derive(Deserialize, Default)]
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
}

/// Where `clouds.yaml` is looked for, in order: `OS_CLIENT_CONFIG_FILE`, the working
/// directory, the user's configuration directory, `/etc/openstack`.
pub(crate) fn search_path() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(f) = std::env::var_os("OS_CLIENT_CONFIG_FILE") {
        paths.push(PathBuf::from(f));
    }
    paths.push(PathBuf::from("clouds.yaml"));
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        paths.push(c.join("openstack/clouds.yaml"));
    }
    paths.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    paths
}

/// The credentials of cloud `name` from the first `clouds.yaml` of `search` that exists.
pub(crate) fn load(name: &str, search: &[PathBuf]) -> Result<Credentials, AuthError> {
    let path =
        search.iter().find(|p| p.is_file()).ok_or_else(|| AuthError::NoCloudsFile { name: name.to_string(), searched: search.to_vec() })?;
    let text = std::fs::read_to_string(path).map_err(|e| AuthError::CloudsFile { path: path.clone(), message: e.to_string() })?;
    from_text(name, path, &text)
}

fn from_text(name: &str, path: &Path, text: &str) -> Result<Credentials, AuthError> {
    let file: File = serde_saphyr::from_str(text)
        .map_err(|e| AuthError::CloudsFile { path: path.to_path_buf(), message: first_line(&e.to_string()) })?;
    let Some(cloud) = file.clouds.get(name) else {
        let suggestion = file
            .clouds
            .keys()
            .filter(|k| strsim::jaro_winkler(k, name) > 0.8)
            .max_by(|a, b| strsim::jaro_winkler(a, name).total_cmp(&strsim::jaro_winkler(b, name)));
        return Err(AuthError::UnknownCloud {
            name: name.to_string(),
            searched: vec![path.to_path_buf()],
            suggestion: suggestion.cloned(),
        });
    };
    let a = &cloud.auth;
    let auth_url = a
        .auth_url
        .clone()
        .ok_or_else(|| AuthError::CloudsFile { path: path.to_path_buf(), message: format!("cloud `{name}` has no auth.auth_url") })?;
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
        region: cloud.region_name.clone(),
        interface: cloud.interface.clone(),
    })
}

// A YAML error may quote the offending text, which may be a password: keep the position only.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    match line.find(" at line ") {
        Some(i) => format!("not a valid clouds.yaml{}", &line[i..]),
        None => "not a valid clouds.yaml".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "clouds:\n  devstack:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: demo\n      password: pw-canary\n      \
                        user_domain_name: Default\n      project_name: demo\n      project_domain_name: Default\n    region_name: RegionOne\n";

    #[test]
    fn a_cloud_becomes_credentials() {
        let c = from_text("devstack", Path::new("clouds.yaml"), FILE).unwrap();
        assert_eq!(c.auth_url, "http://127.0.0.1:5000/v3");
        assert_eq!(c.project_name.as_deref(), Some("demo"));
        assert_eq!(c.region.as_deref(), Some("RegionOne"));
    }

    #[test]
    fn an_unknown_cloud_suggests_a_near_name() {
        let e = from_text("devstak", Path::new("/x/clouds.yaml"), FILE).unwrap_err().to_string();
        assert_eq!(e, "no cloud `devstak` in /x/clouds.yaml (did you mean `devstack`?)");
    }

    #[test]
    fn a_broken_file_is_reported_without_its_content() {
        let e = from_text("devstack", Path::new("c.yaml"), "clouds:\n  x: [pw-canary\n").unwrap_err().to_string();
        assert!(e.starts_with("c.yaml: not a valid clouds.yaml"), "{e}");
        assert!(!e.contains("pw-canary"), "{e}");
    }

    #[test]
    fn no_file_names_every_place_searched() {
        let e = load("x", &[PathBuf::from("/nonexistent/a.yaml"), PathBuf::from("/nonexistent/b.yaml")]).unwrap_err().to_string();
        assert_eq!(e, "--os-cloud x: no clouds.yaml found (looked in /nonexistent/a.yaml, /nonexistent/b.yaml)");
    }
}
