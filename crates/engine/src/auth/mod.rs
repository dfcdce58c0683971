//! Getting into a cloud: Keystone v3 tokens or Huawei Cloud AK/SK signatures, applied to every
//! request by the HTTP layer, plus the TLS settings both clients share.
//!
//! `establish` runs once, before any case: it reads the credentials (flags, `OS_*` and
//! `HUAWEICLOUD_SDK_*` environment, `clouds.yaml`), logs in, and returns an [`Auth`] for the HTTP
//! client, the token's project, and the catalog endpoint chosen with `--service`. Any problem
//! there is one line and exit 2, with no secret in it.

mod aksk;
mod clouds;
mod error;
pub mod identity;
mod keystone;
mod tls;
mod writes;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};

pub use aksk::AkSk;
pub use error::AuthError;
pub use identity::Identity;
use keystone::Credentials;
pub use tls::Tls;
pub use writes::refuse_writes;

/// How specgate logs in, and what it may do once in.
#[derive(Debug, Args, Clone, Default)]
pub struct AuthArgs {
    /// Cloud from clouds.yaml (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/, /etc/openstack/).
    #[arg(long, env = "OS_CLOUD", value_name = "NAME")]
    pub os_cloud: Option<String>,
    /// Keystone URL; with it, specgate logs in and sends the token as X-Auth-Token.
    #[arg(long, env = "OS_AUTH_URL", value_name = "URL")]
    pub os_auth_url: Option<String>,
    #[arg(long, env = "OS_USERNAME", hide = true)]
    pub os_username: Option<String>,
    #[arg(long, env = "OS_USER_ID", hide = true)]
    pub os_user_id: Option<String>,
    #[arg(long, env = "OS_PASSWORD", hide_env_values = true, hide = true)]
    pub os_password: Option<String>,
    #[arg(long, env = "OS_USER_DOMAIN_NAME", hide = true)]
    pub os_user_domain_name: Option<String>,
    #[arg(long, env = "OS_USER_DOMAIN_ID", hide = true)]
    pub os_user_domain_id: Option<String>,
    #[arg(long, env = "OS_PROJECT_ID", hide = true)]
    pub os_project_id: Option<String>,
    #[arg(long, env = "OS_PROJECT_NAME", hide = true)]
    pub os_project_name: Option<String>,
    #[arg(long, env = "OS_PROJECT_DOMAIN_NAME", hide = true)]
    pub os_project_domain_name: Option<String>,
    #[arg(long, env = "OS_PROJECT_DOMAIN_ID", hide = true)]
    pub os_project_domain_id: Option<String>,
    #[arg(long, env = "OS_APPLICATION_CREDENTIAL_ID", hide = true)]
    pub os_application_credential_id: Option<String>,
    #[arg(long, env = "OS_APPLICATION_CREDENTIAL_NAME", hide = true)]
    pub os_application_credential_name: Option<String>,
    #[arg(long, env = "OS_APPLICATION_CREDENTIAL_SECRET", hide_env_values = true, hide = true)]
    pub os_application_credential_secret: Option<String>,
    /// An existing Keystone token: exchanged for a scoped one with OS_AUTH_URL, else sent as it is.
    #[arg(long, env = "OS_TOKEN", hide_env_values = true, hide = true)]
    pub os_token: Option<String>,
    /// password, v3applicationcredential, token / v3token (exchange OS_TOKEN), admin_token (send it as it is).
    #[arg(long, env = "OS_AUTH_TYPE", hide = true)]
    pub os_auth_type: Option<String>,
    #[arg(long, env = "OS_REGION_NAME", hide = true)]
    pub os_region_name: Option<String>,
    #[arg(long, env = "OS_INTERFACE", hide = true)]
    pub os_interface: Option<String>,
    /// Take the target from the token's service catalog.
    #[arg(long, value_enum)]
    pub service: Option<Service>,
    /// Huawei Cloud access key: requests are signed with SDK-HMAC-SHA256.
    #[arg(long = "ak", env = "HUAWEICLOUD_SDK_AK", hide_env_values = true, value_name = "AK")]
    pub access_key: Option<String>,
    /// Huawei Cloud secret key (prefer the environment variable). Never printed.
    #[arg(long = "sk", env = "HUAWEICLOUD_SDK_SK", hide_env_values = true, value_name = "SK")]
    pub secret_key: Option<String>,
    /// Project the requests act for: `{project_id}`, and X-Project-Id of AK/SK requests.
    #[arg(long, env = "HUAWEICLOUD_SDK_PROJECT_ID", value_name = "ID")]
    pub project_id: Option<String>,
    /// A `--var` whose value is secret: used like one, never printed or reported; repeatable.
    #[arg(long = "secret-var", value_name = "KEY=VALUE")]
    pub secret_vars: Vec<String>,
    /// A named identity, `NAME=SOURCE[,admin]`; repeatable. SOURCE: `os-cloud:CLOUD`,
    /// `token-env:VAR` or `aksk-env:AK_VAR:SK_VAR:PROJECT_ID`. The first runs the ordinary cases;
    /// the isolation invariants compare them all (see docs/auth.md).
    #[arg(long = "identity", value_name = "NAME=SOURCE")]
    pub identities: Vec<String>,
    /// Named identities from a YAML file: a mapping of name to SOURCE or `{source, admin}`.
    #[arg(long = "identities", value_name = "FILE")]
    pub identities_file: Option<PathBuf>,
    /// Let specs send methods other than GET, HEAD and OPTIONS.
    #[arg(long)]
    pub allow_writes: bool,
    /// Extra PEM CA certificates to trust (Keystone and targets).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Do not verify TLS certificates (noted in the report).
    #[arg(long)]
    pub insecure: bool,
}

/// A service type of the Keystone catalog that specs exist for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    Image,
    Compute,
}

impl Service {
    fn catalog_type(self) -> &'static str {
        match self {
            Service::Image => "image",
            Service::Compute => "compute",
        }
    }
}

impl AuthArgs {
    pub fn tls(&self) -> Tls {
        Tls { cacert: self.cacert.clone(), insecure: self.insecure }
    }

    fn keystone(&self) -> Result<Option<Credentials>, AuthError> {
        if let Some(name) = &self.os_cloud {
            return clouds::load(name, &clouds::search_path(clouds::CLOUDS), &clouds::search_path(clouds::SECURE)).map(Some);
        }
        let token = self.os_token.clone().filter(|t| !t.is_empty());
        let auth_url = self.os_auth_url.clone().filter(|u| !u.is_empty());
        // A token without a Keystone to exchange it with is used as it is.
        if auth_url.is_none() && token.is_none() {
            return Ok(None);
        }
        Ok(Some(Credentials {
            auth_url: auth_url.unwrap_or_default(),
            username: self.os_username.clone(),
            user_id: self.os_user_id.clone(),
            password: self.os_password.clone(),
            user_domain_name: self.os_user_domain_name.clone(),
            user_domain_id: self.os_user_domain_id.clone(),
            project_id: self.os_project_id.clone(),
            project_name: self.os_project_name.clone(),
            project_domain_name: self.os_project_domain_name.clone(),
            project_domain_id: self.os_project_domain_id.clone(),
            application_credential_id: self.os_application_credential_id.clone(),
            application_credential_name: self.os_application_credential_name.clone(),
            application_credential_secret: self.os_application_credential_secret.clone(),
            token,
            auth_type: self.os_auth_type.clone().filter(|t| !t.is_empty()),
            region: self.os_region_name.clone(),
            interface: self.os_interface.clone(),
        }))
    }
}

/// Credentials applied to each request just before it is sent (each retry included).
#[derive(Clone, Default)]
pub struct Auth(Option<Arc<Scheme>>);

enum Scheme {
    AkSk(AkSk),
    Keystone(Box<keystone::TokenSource>),
    /// `OS_TOKEN` sent as it is (`admin_token`, or no Keystone to exchange it with).
    Token(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0.as_deref() {
            None => "Auth(none)",
            Some(Scheme::AkSk(_)) => "Auth(ak/sk)",
            Some(Scheme::Keystone(_)) => "Auth(keystone)",
            Some(Scheme::Token(_)) => "Auth(token)",
        })
    }
}

impl Auth {
    /// Whether no credentials are sent.
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The same AK/SK signing with a wrong secret key, for seeing a bad signature refused;
    /// `None` for other credentials.
    pub(crate) fn wrong_signature(&self) -> Option<Auth> {
        match self.0.as_deref() {
            Some(Scheme::AkSk(s)) => Some(Auth(Some(Arc::new(Scheme::AkSk(s.with_wrong_secret()))))),
            _ => None,
        }
    }

    /// A token sent as it is, as `X-Auth-Token` (the embedded server's test tokens).
    pub fn token(token: String) -> Auth {
        Auth(Some(Arc::new(Scheme::Token(token))))
    }

    /// The headers that authenticate `method url` now: a fresh signature, or the current token
    /// (renewed first when it is about to expire).
    pub async fn headers(&self, method: &str, url: &url::Url) -> Result<Vec<(String, String)>, AuthError> {
        match self.0.as_deref() {
            None => Ok(Vec::new()),
            Some(Scheme::AkSk(s)) => Ok(s.headers(method, url)),
            Some(Scheme::Keystone(t)) => Ok(vec![("X-Auth-Token".to_string(), t.token().await?)]),
            Some(Scheme::Token(t)) => Ok(vec![("X-Auth-Token".to_string(), t.clone())]),
        }
    }
}

/// What logging in produced, for the run.
#[derive(Debug, Default)]
pub struct Login {
    pub auth: Auth,
    /// Values the redactor must hide: passwords, keys, the first token, secret variables.
    pub secrets: Vec<String>,
    /// `--secret-var` values: they override `--var`.
    pub secret_vars: Vec<(String, String)>,
    /// The project the requests act for (`--project-id` or the token's): the default `{project_id}`.
    pub project_id: Option<String>,
    /// `--service`: the target taken from the catalog, named after the service type.
    pub target: Option<(String, url::Url)>,
    /// Settings the reports must mention (e.g. certificate checks turned off).
    pub warnings: Vec<String>,
}

/// What the run is about to do, as far as logging in is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Intent {
    /// A fixed `--token` is given too.
    pub token_given: bool,
    /// Some `--target` is given; otherwise the embedded reference server is tested.
    pub has_target: bool,
    /// Only the cases are listed: nothing is sent, so nobody logs in.
    pub list_only: bool,
    /// Bound on the login request.
    pub timeout: Duration,
}

/// Reads the credentials and logs in once.
///
/// The embedded reference server needs no credentials: without `--target` and `--service`,
/// credentials in the environment (`OS_*`, `HUAWEICLOUD_SDK_*`) are not used, so a shell set
/// up for a cloud can still run the default target.
pub fn establish(args: &AuthArgs, intent: Intent) -> Result<Login, AuthError> {
    let mut login = Login::default();
    for v in &args.secret_vars {
        let (k, val) = crate::pairs::key_value(v, "--secret-var").map_err(|_| {
            // The value part is never echoed.
            AuthError::Usage(format!("--secret-var `{}=…` is not KEY=VALUE", v.split('=').next().unwrap_or("")))
        })?;
        login.secrets.push(val.clone());
        login.secret_vars.push((k, val));
    }
    if args.insecure {
        login.warnings.push("TLS certificates were not verified (--insecure)".to_string());
    }
    login.project_id = args.project_id.clone().filter(|p| !p.is_empty());
    if intent.list_only {
        if let Some(service) = args.service {
            // Named as in a run; the address is not needed to list.
            let placeholder = url::Url::parse("http://127.0.0.1/").expect("static URL");
            login.target = Some((service.catalog_type().to_string(), placeholder));
        }
        return Ok(login);
    }
    if !intent.has_target && args.service.is_none() {
        return Ok(login);
    }
    let keystone = args.keystone()?;
    let aksk = args.access_key.is_some() || args.secret_key.is_some();
    if aksk && keystone.is_some() {
        return Err(AuthError::Usage("AK/SK signing and a Keystone login exclude each other; configure one".into()));
    }
    if (aksk || keystone.is_some()) && intent.token_given {
        return Err(AuthError::Usage("--token and a login (AK/SK or Keystone) exclude each other".into()));
    }
    if args.service.is_some() && keystone.is_none() {
        return Err(AuthError::Usage("--service needs a Keystone login (OS_AUTH_URL or --os-cloud) for its catalog".into()));
    }
    if aksk {
        let (Some(ak), Some(sk)) = (args.access_key.clone().filter(|s| !s.is_empty()), args.secret_key.clone().filter(|s| !s.is_empty()))
        else {
            return Err(AuthError::Usage("AK/SK signing needs both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK".into()));
        };
        login.secrets.push(sk.clone());
        login.auth = Auth(Some(Arc::new(Scheme::AkSk(AkSk::new(ak, sk, login.project_id.clone())))));
        return Ok(login);
    }
    let Some(creds) = keystone else { return Ok(login) };
    login.secrets.extend(creds.secrets());
    if creds.auth_url.is_empty() || creds.method()? == keystone::Method::Direct {
        let token = creds.token.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
            AuthError::Incomplete(if creds.auth_url.is_empty() { "OS_AUTH_URL is not set".into() } else { "OS_TOKEN is not set".into() })
        })?;
        if args.service.is_some() {
            return Err(AuthError::Usage(
                "--service needs the token's catalog, which a token used as it is does not have: set OS_AUTH_URL and OS_AUTH_TYPE=v3token to exchange it".into(),
            ));
        }
        login.auth = Auth(Some(Arc::new(Scheme::Token(token))));
        return Ok(login);
    }
    let client = args
        .tls()
        .apply(reqwest::Client::builder())
        .map_err(AuthError::Usage)?
        .timeout(intent.timeout)
        // The login runtime ends after this call: no pooled connection may outlive it.
        .pool_max_idle_per_host(0)
        .user_agent(concat!("specgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AuthError::Usage(format!("cannot build the login client: {e}")))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| AuthError::Usage(e.to_string()))?;
    let token = rt.block_on(keystone::login(&client, &creds))?;
    login.secrets.push(token.value.clone());
    if login.project_id.is_none() {
        login.project_id = token.project_id.clone();
    }
    if let Some(service) = args.service {
        let interface = creds.interface.clone().unwrap_or_else(|| "public".into());
        let interface = interface.trim_end_matches("URL").to_string();
        let url = keystone::endpoint(&token.catalog, service.catalog_type(), &interface, creds.region.as_deref()).ok_or_else(|| {
            AuthError::NoEndpoint { service: service.catalog_type().into(), interface: interface.clone(), region: creds.region.clone() }
        })?;
        login.target = Some((service.catalog_type().to_string(), url));
    }
    login.auth = Auth(Some(Arc::new(Scheme::Keystone(Box::new(keystone::TokenSource::new(client, creds, token))))));
    Ok(login)
}

impl Login {
    /// Adds what the login found to the run's settings: secret variables (over `--var`), the
    /// project id (unless `--var project_id` is given), secrets to redact, the catalog target.
    pub fn apply(
        &self,
        vars: &mut std::collections::BTreeMap<String, String>,
        secrets: &mut Vec<String>,
        targets: &mut Vec<crate::plan::Target>,
    ) {
        for (k, v) in &self.secret_vars {
            vars.insert(k.clone(), v.clone());
        }
        if let Some(p) = &self.project_id {
            vars.entry("project_id".to_string()).or_insert_with(|| p.clone());
        }
        secrets.extend(self.secrets.iter().cloned());
        if let Some((name, url)) = &self.target {
            targets.push(crate::plan::Target { name: name.clone(), url: url.clone(), vars: Default::default() });
        }
    }
}
