//! TLS settings shared by the login client and the client that runs the cases.

use std::path::PathBuf;

/// `--cacert` and `--insecure`. Proxies come from the environment (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), which reqwest reads by itself.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
}

impl Tls {
    /// The builder with these settings; the CA file is read and parsed here, so a bad one is a
    /// usage error before anything is sent.
    pub(crate) fn apply(&self, mut builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        if let Some(path) = &self.cacert {
            let pem = std::fs::read(path).map_err(|e| format!("--cacert {}: {e}", path.display()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| format!("--cacert {}: not a PEM bundle: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("--cacert {}: no certificate in the file", path.display()));
            }
            builder = builder.tls_certs_merge(certs);
        }
        if self.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_ca_file_is_a_usage_error() {
        let tls = Tls { cacert: Some("/nonexistent/ca.pem".into()), insecure: false };
        assert!(tls.apply(reqwest::Client::builder()).unwrap_err().starts_with("--cacert /nonexistent/ca.pem"));
        let dir = std::env::temp_dir().join(format!("specgate-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let tls = Tls { cacert: Some(empty), insecure: false };
        assert!(tls.apply(reqwest::Client::builder()).unwrap_err().contains("no certificate"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
