//! `specgate-refserver`: the reference implementation of the image-listing APIs that specgate
//! checks by default, with injectable faults.
//!
//! One deterministic catalogue (from a seed) is served by four endpoints, each in its family's
//! shape: `GET /v2/cloudimages` (IMS), `GET /v2.1/{project_id}/images/detail` (Nova),
//! `GET /v1.1/images/detail` (Glance v1) and `GET /v2/images` (Glance v2). A clean server shows
//! that each spec check can pass; a server started with [`Config::faults`] shows that it can fail.
//! Semantics decisions are documented in the crate's README.
//!
//! ```no_run
//! # async fn demo() -> Result<(), specgate_refserver::Error> {
//! let server = specgate_refserver::start(specgate_refserver::Config::default(), 0).await?;
//! println!("{}/v2/cloudimages?limit=5", server.url());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod api;
mod bucket;
mod catalog;
mod digits;
mod fault;
mod listing;
mod rng;
mod server;
mod signature;
mod tenancy;
mod time;
mod transport;

pub use fault::{faults, FaultInfo, FaultKind, FaultValue};
pub use server::Running;
pub use signature::AkSk;
pub use tenancy::Identity;

/// What to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Catalogue size, at most 1,000,000.
    pub images: usize,
    /// Same seed and size, same catalogue (ids, names, timestamps), byte for byte.
    pub seed: u64,
    /// Names from [`faults()`] (`NAME`, or `NAME=VALUE` for those with a [`FaultValue`]);
    /// several may be combined.
    pub faults: Vec<String>,
    /// AK/SK mode: only requests signed with this key pair (`SDK-HMAC-SHA256`) are answered;
    /// others get 401. With [`Config::tenancy`], it is alice's key pair instead (each identity
    /// has one).
    pub aksk: Option<AkSk>,
    /// Tenancy mode: requests must carry the `X-Auth-Token` of one of [`Running::identities`]
    /// (others get 401), and each lists what its project may see. Off, the server answers as
    /// it always has: every image, no credentials needed.
    pub tenancy: bool,
}

/// The name the identities' interface gives [`Config`].
pub type Options = Config;

impl Default for Config {
    fn default() -> Self {
        Config { images: 300, seed: 1, faults: Vec::new(), aksk: None, tenancy: false }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown fault `{name}`{}", did_you_mean(suggestion))]
    UnknownFault { name: String, suggestion: Option<String> },
    #[error("fault `{fault}`: {reason}")]
    FaultValue { fault: String, reason: String },
    #[error("fault `{fault}` breaks the isolation of projects: it needs a server with tenancy (several projects)")]
    FaultNeedsTenancy { fault: String },
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(std::io::Error),
    #[error("a catalogue of {requested} images is too large (at most {max})")]
    TooManyImages { requested: usize, max: usize },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

/// Builds the catalogue, binds `127.0.0.1:port` (0 picks a free port) and serves on the
/// current tokio runtime until [`Running::shutdown`].
pub async fn start(config: Config, port: u16) -> Result<Running, Error> {
    server::start(config, port).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well() {
        let e = Error::UnknownFault { name: "hnag".into(), suggestion: Some("*.hang".into()) };
        assert_eq!(e.to_string(), "unknown fault `hnag` (did you mean `*.hang`?)");
        let e = Error::UnknownFault { name: "x".into(), suggestion: None };
        assert_eq!(e.to_string(), "unknown fault `x`");
    }
}
