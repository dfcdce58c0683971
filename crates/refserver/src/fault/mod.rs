//! Injectable faults: the public catalogue, and resolving the names a server is started with.
//!
//! A fault is data ([`defect::Defect`]); the request pipeline consults it at a few fixed points:
//! [`behaviour::Behaviour`] turns the contract defects of one endpoint into settings that the
//! parser, pager, renderer and error writer read, and the transport layer matches the transport
//! defects. Nothing else in the server knows fault names.

pub(crate) mod behaviour;
pub(crate) mod catalogue;
pub(crate) mod defect;
pub(crate) mod value;

use std::sync::OnceLock;

use crate::api::family::Api;
use crate::Error;
use catalogue::{Entry, Injects, ENTRIES};
use defect::{Defect, Transport};

/// Whether a fault breaks the documented contract, the exchange itself, or only its pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The server answers, but not as documented: a spec check should fail.
    Contract,
    /// The exchange misbehaves (hangs, resets, floods): the harness should report that it could
    /// not check, not that the contract failed.
    Transport,
    /// The server answers correctly but slowly or sparingly (latency, a request rate): a client
    /// that waits, keeps to the rate or honours `Retry-After` gets the right answers, so its
    /// checks should pass.
    Load,
}

impl FaultKind {
    fn of(defect: Defect) -> FaultKind {
        match defect {
            Defect::Contract(_) => FaultKind::Contract,
            Defect::Transport(Transport::Latency(_) | Transport::Rate(_)) => FaultKind::Load,
            Defect::Transport(_) => FaultKind::Transport,
        }
    }
}

/// The value a fault takes after `=`, as in `*.latency=100ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultValue {
    /// How the catalogue names it: `DURATION`.
    pub placeholder: &'static str,
    /// A value that works: `100ms`.
    pub example: &'static str,
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
    /// `Some` for a fault given as `NAME=VALUE`.
    pub value: Option<FaultValue>,
    /// The fault breaks the isolation of projects, so it shows only on a server started with
    /// [`crate::Config::tenancy`] (and starting one without tenancy is an error).
    pub needs_tenancy: bool,
}

impl FaultInfo {
    /// How to name it when starting a server: `*.hang`, `*.latency=DURATION`.
    pub fn usage(&self) -> String {
        self.value.map_or_else(|| self.name.to_owned(), |v| format!("{}={}", self.name, v.placeholder))
    }

    /// A name a server starts with: `*.hang`, `*.latency=100ms`.
    pub fn example(&self) -> String {
        self.value.map_or_else(|| self.name.to_owned(), |v| format!("{}={}", self.name, v.example))
    }
}

/// The catalogue of faults a server can be started with.
pub fn faults() -> &'static [FaultInfo] {
    static INFOS: OnceLock<Vec<FaultInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        ENTRIES
            .iter()
            .map(|e| {
                let (kind, value) = match e.injects {
                    Injects::Fixed(defect) => (FaultKind::of(defect), None),
                    Injects::Valued(p) => {
                        let example = p.parse(p.example()).expect("every example parses");
                        (FaultKind::of(Defect::Transport(example)), Some(FaultValue { placeholder: p.placeholder(), example: p.example() }))
                    }
                };
                FaultInfo {
                    name: e.name,
                    kind,
                    endpoint: e.api.map_or("*", Api::path),
                    description: e.description,
                    value,
                    needs_tenancy: e.needs_tenancy,
                }
            })
            .collect()
    })
}

/// One fault a running server injects: its entry, and the defect its value (if any) made.
struct Resolved {
    entry: &'static Entry,
    /// As given: `*.rate=10`.
    given: String,
    defect: Defect,
}

/// The faults a running server injects.
#[derive(Default)]
pub(crate) struct Active {
    faults: Vec<Resolved>,
}

impl Active {
    /// Resolves fault names (`NAME` or `NAME=VALUE`); duplicates are harmless, unknown names,
    /// values that do not read and one fault given two values are errors.
    pub(crate) fn resolve(names: &[String]) -> Result<Active, Error> {
        let mut faults: Vec<Resolved> = Vec::new();
        for given in names {
            let (name, value) = match given.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (given.as_str(), None),
            };
            let entry = ENTRIES.iter().find(|e| e.name == name).ok_or_else(|| Error::UnknownFault {
                name: given.clone(),
                suggestion: suggest(name).map(|s| value.map_or_else(|| s.to_owned(), |v| format!("{s}={v}"))),
            })?;
            let defect = defect(entry, value).map_err(|reason| Error::FaultValue { fault: given.clone(), reason })?;
            match faults.iter().find(|f| f.entry.name == entry.name) {
                Some(earlier) if earlier.defect != defect => {
                    return Err(Error::FaultValue { fault: given.clone(), reason: format!("already given as `{}`", earlier.given) });
                }
                Some(_) => {}
                None => faults.push(Resolved { entry, given: given.clone(), defect }),
            }
        }
        Ok(Active { faults })
    }

    /// The defects that apply to one endpoint.
    pub(crate) fn for_api(&self, api: Api) -> impl Iterator<Item = Defect> + '_ {
        self.faults.iter().filter(move |f| f.entry.api.is_none_or(|a| a == api)).map(|f| f.defect)
    }

    /// The first fault that needs tenancy, by the name it was given.
    pub(crate) fn needing_tenancy(&self) -> Option<&str> {
        self.faults.iter().find(|f| f.entry.needs_tenancy).map(|f| f.given.as_str())
    }

    pub(crate) fn transport(&self) -> impl Iterator<Item = Transport> + '_ {
        self.faults.iter().filter_map(|f| match f.defect {
            Defect::Transport(t) => Some(t),
            Defect::Contract(_) => None,
        })
    }
}

/// The defect an entry injects with this value, or why the value does not fit.
fn defect(entry: &Entry, value: Option<&str>) -> Result<Defect, String> {
    let name = entry.name;
    match (entry.injects, value) {
        (Injects::Fixed(defect), None) => Ok(defect),
        (Injects::Fixed(_), Some(_)) => Err(format!("`{name}` takes no value")),
        (Injects::Valued(p), None) => Err(format!("`{name}` takes {}: `{name}={}`", p.expects(), p.example())),
        (Injects::Valued(p), Some(v)) => {
            p.parse(v).map(Defect::Transport).ok_or_else(|| format!("`{name}` takes {}, not `{v}`", p.expects()))
        }
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

    fn refused(names: &[&str]) -> String {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        Active::resolve(&names).err().expect("refused").to_string()
    }

    #[test]
    fn valued_faults_read_their_value() {
        let active = Active::resolve(&["*.latency=250ms".into(), "*.rate=5".into(), "*.rate=5".into()]).unwrap();
        let rate = std::num::NonZeroU32::new(5).unwrap();
        assert_eq!(
            active.transport().collect::<Vec<_>>(),
            vec![Transport::Latency(std::time::Duration::from_millis(250)), Transport::Rate(rate)]
        );
        let latency = faults().iter().find(|f| f.name == "*.latency").unwrap();
        assert_eq!(
            (latency.kind, latency.usage(), latency.example()),
            (FaultKind::Load, "*.latency=DURATION".into(), "*.latency=100ms".into())
        );
        assert_eq!(faults().iter().find(|f| f.name == "*.hang").unwrap().usage(), "*.hang");
    }

    #[test]
    fn bad_values_say_what_the_fault_takes() {
        assert_eq!(refused(&["*.latency=abc"]), "fault `*.latency=abc`: `*.latency` takes a duration like 100ms, not `abc`");
        assert_eq!(refused(&["*.latency"]), "fault `*.latency`: `*.latency` takes a duration like 100ms: `*.latency=100ms`");
        assert_eq!(refused(&["*.rate=0"]), "fault `*.rate=0`: `*.rate` takes a whole number of requests a second like 10, not `0`");
        assert_eq!(refused(&["*.hang=1s"]), "fault `*.hang=1s`: `*.hang` takes no value");
        assert_eq!(refused(&["*.rate=5", "*.rate=10"]), "fault `*.rate=10`: already given as `*.rate=5`");
        assert_eq!(refused(&["latency=100ms"]), "unknown fault `latency=100ms` (did you mean `*.latency=100ms`?)");
    }
}
