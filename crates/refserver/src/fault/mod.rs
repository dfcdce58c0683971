//! Injectable faults: the public catalogue, and resolving the names a server is started with.
//!
//! A fault is data ([`defect::Defect`]); the request pipeline consults it at a few fixed points:
//! [`behaviour::Behaviour`] turns the contract defects of one endpoint into settings that the
//! parser, pager, renderer and error writer read, and the transport layer matches the transport
//! defects. Nothing else in the server knows fault names.

pub(crate) mod behaviour;
pub(crate) mod catalogue;
pub(crate) mod defect;

use std::sync::OnceLock;

use crate::api::family::Api;
use crate::Error;
use catalogue::{Entry, ENTRIES};
use defect::{Defect, Transport};

/// Whether a fault breaks the documented contract or the exchange itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The server answers, but not as documented: a spec check should fail.
    Contract,
    /// The exchange misbehaves (hangs, resets, floods): the harness should report that it could
    /// not check, not that the contract failed.
    Transport,
}

/// One entry of the fault catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultInfo {
    /// `endpoint-family.defect`, e.g. `cloudimages.limit-off-by-one`, or `*.defect`.
    pub name: &'static str,
    pub kind: FaultKind,
    /// The route it affects (`/v2/cloudimages`, `/v2.1/{project_id}/images/detail`, ...) or `*`.
    pub endpoint: &'static str,
    pub description: &'static str,
}

/// The catalogue of faults a server can be started with.
pub fn faults() -> &'static [FaultInfo] {
    static INFOS: OnceLock<Vec<FaultInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        ENTRIES
            .iter()
            .map(|e| FaultInfo {
                name: e.name,
                kind: match e.defect {
                    Defect::Contract(_) => FaultKind::Contract,
                    Defect::Transport(_) => FaultKind::Transport,
                },
                endpoint: e.api.map_or("*", Api::path),
                description: e.description,
            })
            .collect()
    })
}

/// The faults a running server injects.
#[derive(Default)]
pub(crate) struct Active {
    entries: Vec<&'static Entry>,
}

impl Active {
    /// Resolves fault names; duplicates are harmless, unknown names are an error.
    pub(crate) fn resolve(names: &[String]) -> Result<Active, Error> {
        let mut entries: Vec<&'static Entry> = Vec::new();
        for name in names {
            let entry = ENTRIES
                .iter()
                .find(|e| e.name == name)
                .ok_or_else(|| Error::UnknownFault { name: name.clone(), suggestion: suggest(name).map(str::to_owned) })?;
            if !entries.iter().any(|e| e.name == entry.name) {
                entries.push(entry);
            }
        }
        Ok(Active { entries })
    }

    /// The defects that apply to one endpoint.
    pub(crate) fn for_api(&self, api: Api) -> impl Iterator<Item = Defect> + '_ {
        self.entries.iter().filter(move |e| e.api.is_none_or(|a| a == api)).map(|e| e.defect)
    }

    pub(crate) fn transport(&self) -> impl Iterator<Item = Transport> + '_ {
        self.entries.iter().filter_map(|e| match e.defect {
            Defect::Transport(t) => Some(t),
            Defect::Contract(_) => None,
        })
    }
}

/// The closest catalogue name, if any is close: by edit distance on the whole name or on the
/// part after the scope (so `limit-off-by-one` suggests `cloudimages.limit-off-by-one`).
fn suggest(name: &str) -> Option<&'static str> {
    let distance = |candidate: &str| {
        let whole = strsim::levenshtein(name, candidate);
        let short = candidate.split_once('.').map_or(usize::MAX, |(_, rest)| strsim::levenshtein(name, rest));
        whole.min(short)
    };
    let (best, d) = ENTRIES.iter().map(|e| (e.name, distance(e.name))).min_by_key(|(_, d)| *d)?;
    (d <= (name.chars().count() / 3).max(2)).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_exposed_with_endpoints() {
        let all = faults();
        assert_eq!(all.len(), ENTRIES.len());
        let hang = all.iter().find(|f| f.name == "*.hang").unwrap();
        assert_eq!((hang.kind, hang.endpoint), (FaultKind::Transport, "*"));
        let nova = all.iter().find(|f| f.name == "nova.text-plain").unwrap();
        assert_eq!((nova.kind, nova.endpoint), (FaultKind::Contract, "/v2.1/{project_id}/images/detail"));
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let err = Active::resolve(&["cloudimages.limit-of-by-one".into()]).err().unwrap();
        match err {
            Error::UnknownFault { name, suggestion } => {
                assert_eq!(name, "cloudimages.limit-of-by-one");
                assert_eq!(suggestion.as_deref(), Some("cloudimages.limit-off-by-one"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(suggest("hang"), Some("*.hang"));
        assert_eq!(suggest("completely-different-thing-altogether"), None);
    }

    #[test]
    fn scoping_selects_the_endpoint_and_global_faults() {
        let active =
            Active::resolve(&["nova.text-plain".into(), "*.html-error-body".into(), "*.hang".into(), "nova.text-plain".into()]).unwrap();
        assert_eq!(active.for_api(Api::Nova).count(), 3);
        assert_eq!(active.for_api(Api::GlanceV2).count(), 2);
        assert_eq!(active.transport().collect::<Vec<_>>(), vec![Transport::Hang]);
    }
}
