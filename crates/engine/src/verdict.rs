//! Verdicts: what a case concluded (`pass`, `fail`, `error`, `skip`) and the findings behind it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::model::{DocRef, Level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// The API broke the contract.
    Fail,
    /// The case could not be checked (refused, timeout, not JSON, budget exhausted…).
    Error,
    /// The case was not checked, for a stated reason.
    Skip,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Skip => "skip",
        }
    }
}

/// Which check a finding comes from: one name per check, the same in results.json, waivers
/// and reports (`pagination.order`, `schema`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CheckId {
    #[serde(rename = "json")]
    Json,
    #[serde(rename = "content_type")]
    ContentType,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "schema")]
    Schema,
    #[serde(rename = "snapshot")]
    Snapshot,
    #[serde(rename = "pagination.complete")]
    PaginationComplete,
    #[serde(rename = "pagination.cycle")]
    PaginationCycle,
    #[serde(rename = "pagination.default-limit")]
    PaginationDefaultLimit,
    #[serde(rename = "pagination.duplicate")]
    PaginationDuplicate,
    #[serde(rename = "pagination.id")]
    PaginationId,
    #[serde(rename = "pagination.items")]
    PaginationItems,
    #[serde(rename = "pagination.limit")]
    PaginationLimit,
    #[serde(rename = "pagination.max-limit")]
    PaginationMaxLimit,
    #[serde(rename = "pagination.next-link")]
    PaginationNextLink,
    #[serde(rename = "pagination.order")]
    PaginationOrder,
    #[serde(rename = "pagination.status")]
    PaginationStatus,
    #[serde(rename = "pagination.tie-break")]
    PaginationTieBreak,
    #[serde(rename = "filter.complete")]
    FilterComplete,
    #[serde(rename = "filter.sound")]
    FilterSound,
    #[serde(rename = "filter.paged")]
    FilterPaged,
    /// A boolean filter's `true` and `false` do not split the listing in two: an item is in
    /// both answers, or in neither.
    #[serde(rename = "filter.partition")]
    FilterPartition,
    /// A link in a response leads to another scheme, host or port than the request went to.
    #[serde(rename = "link.origin")]
    LinkOrigin,
    /// A page's `first` link does not name the request without its marker.
    #[serde(rename = "link.first")]
    LinkFirst,
    /// A page's `self` link does not name the request.
    #[serde(rename = "link.self")]
    LinkSelf,
    #[serde(rename = "equivalence.ids")]
    EquivalenceIds,
    #[serde(rename = "equivalence.field")]
    EquivalenceField,
    #[serde(rename = "equivalence.order")]
    EquivalenceOrder,
    #[serde(rename = "equivalence.filter")]
    EquivalenceFilter,
    /// The answer times of a spec's endpoint on a target break the spec's `latency:` bound.
    #[serde(rename = "latency")]
    Latency,
    /// A request was answered 5xx, then answered otherwise when retried.
    #[serde(rename = "transient")]
    Transient,
    /// A private image of one project listed to another.
    #[serde(rename = "isolation.private")]
    IsolationPrivate,
    /// A shared image listed to a member whose member status does not allow it.
    #[serde(rename = "isolation.shared")]
    IsolationShared,
    /// A public image not listed to every identity.
    #[serde(rename = "isolation.public")]
    IsolationPublic,
    /// A listing answered without valid credentials.
    #[serde(rename = "isolation.unauthenticated")]
    IsolationUnauthenticated,
    /// Another project's `{project_id}` in the path listed that project's images.
    #[serde(rename = "isolation.project-in-path")]
    IsolationProjectInPath,
    /// An admin identity does not see an image another identity sees.
    #[serde(rename = "isolation.admin")]
    IsolationAdmin,
}

impl CheckId {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CheckId::Json => "json",
            CheckId::ContentType => "content_type",
            CheckId::Status => "status",
            CheckId::Schema => "schema",
            CheckId::Snapshot => "snapshot",
            CheckId::PaginationComplete => "pagination.complete",
            CheckId::PaginationCycle => "pagination.cycle",
            CheckId::PaginationDefaultLimit => "pagination.default-limit",
            CheckId::PaginationDuplicate => "pagination.duplicate",
            CheckId::PaginationId => "pagination.id",
            CheckId::PaginationItems => "pagination.items",
            CheckId::PaginationLimit => "pagination.limit",
            CheckId::PaginationMaxLimit => "pagination.max-limit",
            CheckId::PaginationNextLink => "pagination.next-link",
            CheckId::PaginationOrder => "pagination.order",
            CheckId::PaginationStatus => "pagination.status",
            CheckId::PaginationTieBreak => "pagination.tie-break",
            CheckId::FilterComplete => "filter.complete",
            CheckId::FilterSound => "filter.sound",
            CheckId::FilterPaged => "filter.paged",
            CheckId::FilterPartition => "filter.partition",
            CheckId::LinkOrigin => "link.origin",
            CheckId::LinkFirst => "link.first",
            CheckId::LinkSelf => "link.self",
            CheckId::EquivalenceIds => "equivalence.ids",
            CheckId::EquivalenceField => "equivalence.field",
            CheckId::EquivalenceOrder => "equivalence.order",
            CheckId::EquivalenceFilter => "equivalence.filter",
            CheckId::Latency => "latency",
            CheckId::Transient => "transient",
            CheckId::IsolationPrivate => "isolation.private",
            CheckId::IsolationShared => "isolation.shared",
            CheckId::IsolationPublic => "isolation.public",
            CheckId::IsolationUnauthenticated => "isolation.unauthenticated",
            CheckId::IsolationProjectInPath => "isolation.project-in-path",
            CheckId::IsolationAdmin => "isolation.admin",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One broken expectation: which check, where in the body, expected vs actual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: CheckId,
    /// JSON pointer into the response body ("" for the whole body or non-body checks).
    pub pointer: String,
    pub expected: Value,
    pub actual: Value,
    pub message: String,
    /// The request that proves it (index into the case's exchanges), when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
    /// Every place this rule is broken, when there are several (see `check::group`); the
    /// fields above then describe the first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Instance>,
    /// Out of how many items the rule could have been broken at, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<usize>,
    /// Two listings' views of the same items, when the rule relates two listings (equivalence);
    /// `sides` in results.json.
    #[serde(rename = "sides", default, skip_serializing_if = "Option::is_none")]
    pub side_by_side: Option<Box<SideBySide>>,
}

/// What two listings of one catalogue show for the same items: reporters draw it as a small
/// side-by-side table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideBySide {
    /// The field (or `id`, `order`, a filter) compared.
    pub field: String,
    pub a: Column,
    pub b: Column,
    /// The items where the two disagree (the first few; `Finding::of` and the message count them all).
    pub rows: Vec<SideRow>,
    /// How many items disagree in all.
    pub total: usize,
}

/// One listing's column of a side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// Where the listing shows the field (a JSON pointer) or what it was asked (a query).
    pub shows: String,
}

/// One item as both listings show it; `null` where a listing does not list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideRow {
    pub item: String,
    pub a: Value,
    pub b: Value,
    /// The values in the common spelling, when a listing's `map` changed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_as: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_as: Option<Value>,
    /// The requests (method and URL) whose answers showed the values.
    pub a_request: Option<String>,
    pub b_request: Option<String>,
}

/// One place where a grouped finding's rule is broken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub pointer: String,
    pub actual: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
}

impl Finding {
    pub(crate) fn new(check: CheckId, pointer: impl Into<String>, expected: Value, actual: Value, message: impl Into<String>) -> Self {
        Finding {
            check,
            pointer: pointer.into(),
            expected,
            actual,
            message: message.into(),
            exchange: None,
            instances: Vec::new(),
            of: None,
            side_by_side: None,
        }
    }

    /// How many places break this finding's rule.
    pub(crate) fn count(&self) -> usize {
        self.instances.len().max(1)
    }

    /// Every place, the first included, as instances.
    pub(crate) fn places(&self) -> Vec<Instance> {
        if self.instances.is_empty() {
            vec![Instance { pointer: self.pointer.clone(), actual: self.actual.clone(), exchange: self.exchange }]
        } else {
            self.instances.clone()
        }
    }

    pub(crate) fn on(mut self, exchange: usize) -> Self {
        self.exchange = Some(exchange);
        self
    }
}

/// What holds indices into a case's exchanges, moved when a branch's exchanges are put after
/// others (`run::branch`).
pub(crate) trait Shift {
    /// Move every exchange index by `by`.
    fn shift(&mut self, by: usize);
}

impl Shift for Finding {
    fn shift(&mut self, by: usize) {
        self.exchange = self.exchange.map(|i| i + by);
        for instance in &mut self.instances {
            instance.exchange = instance.exchange.map(|i| i + by);
        }
    }
}

impl Shift for Conclusion {
    fn shift(&mut self, by: usize) {
        if let Conclusion::Fail(f) | Conclusion::Error(_, f) = self {
            f.shift(by);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: usize) {
        self.iter_mut().for_each(|x| x.shift(by));
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: usize) {
        if let Some(x) = self {
            x.shift(by);
        }
    }
}

impl<T: Shift, E: Shift> Shift for Result<T, E> {
    fn shift(&mut self, by: usize) {
        match self {
            Ok(x) => x.shift(by),
            Err(e) => e.shift(by),
        }
    }
}

impl<A: Shift, B: Shift> Shift for (A, B) {
    fn shift(&mut self, by: usize) {
        self.0.shift(by);
        self.1.shift(by);
    }
}

/// A request made for a case, as recorded in reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Answered from another case's request to the same target (`elapsed_ms` is that
    /// request's): not sent again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// The status of each attempt that was retried before this answer (0: none came back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retried: Vec<u16>,
    /// The named identity that made the request (`--identity`); absent in a run of one unnamed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

#[cfg(test)]
impl ExchangeRecord {
    /// A GET of `url` answered 200 in 1 ms by the run's unnamed identity: what the reporters'
    /// tests start from, changing the fields they are about.
    pub(crate) fn get(url: &str) -> ExchangeRecord {
        ExchangeRecord {
            method: "GET".into(),
            url: url.into(),
            status: Some(200),
            elapsed_ms: 1,
            error: None,
            shared: false,
            retried: vec![],
            identity: None,
        }
    }
}

/// The verdict of one case against one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub id: String,
    pub spec: String,
    pub case: String,
    pub target: String,
    pub outcome: Outcome,
    pub level: Level,
    /// Where the case is declared: `file:line`.
    pub location: String,
    pub doc: DocRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Why the case was skipped or could not be checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    pub exchanges: Vec<ExchangeRecord>,
    /// Requests spent on this case.
    pub requests: usize,
    pub elapsed_ms: u64,
    /// Seed used to sample values, for replay with `--seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The response body the case snapshotted (redacted), if any.
    #[serde(skip)]
    pub snapshot: Option<Value>,
    /// A waiver explains this failure (its reason); it no longer fails the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

impl Verdict {
    /// The named identities its requests were made as, in the order they first appear; empty
    /// in a run of one unnamed identity.
    pub(crate) fn identities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for who in self.exchanges.iter().filter_map(|e| e.identity.as_deref()) {
            if !out.contains(&who) {
                out.push(who);
            }
        }
        out
    }

    /// How this verdict counts: see [`Class::of`].
    pub(crate) fn class(&self) -> Class {
        Class::of(self)
    }
}

/// How a verdict counts for the gate and how every reporter shows it. The one place where a
/// waiver outranks a failure, and a `should` failure becomes a warning.
///
/// Declared in report order: problems first, the ones that fail the gate before the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A `must` case failed, and no waiver explains it: the gate fails.
    Fail,
    /// The case could not be checked.
    Error,
    /// A `should` case failed: reported, the gate still passes.
    Warn,
    /// A failure a waiver explains.
    Waived,
    Skip,
    Pass,
}

impl Class {
    /// Every class, in the order of report columns.
    pub(crate) const COLUMNS: [Class; 6] = [Class::Pass, Class::Fail, Class::Warn, Class::Waived, Class::Error, Class::Skip];

    pub(crate) fn of(v: &Verdict) -> Class {
        match v.outcome {
            Outcome::Pass => Class::Pass,
            Outcome::Fail if v.waived.is_some() => Class::Waived,
            Outcome::Fail if v.level == Level::Should => Class::Warn,
            Outcome::Fail => Class::Fail,
            Outcome::Error => Class::Error,
            Outcome::Skip => Class::Skip,
        }
    }

    /// Short name, also the CSS class and the JSON spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Class::Fail => "fail",
            Class::Error => "error",
            Class::Warn => "warn",
            Class::Waived => "waived",
            Class::Skip => "skip",
            Class::Pass => "pass",
        }
    }

    /// Column heading for a count of this class.
    pub(crate) fn counted(self) -> &'static str {
        match self {
            Class::Fail => "failed (must)",
            Class::Error => "errored",
            Class::Warn => "warnings (should)",
            Class::Waived => "waived",
            Class::Skip => "skipped",
            Class::Pass => "passed",
        }
    }

    /// Section title for the cases of this class.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Class::Fail => "Failures (must)",
            Class::Error => "Errors (could not check)",
            Class::Warn => "Warnings (should)",
            Class::Waived => "Waived (explained deviations)",
            Class::Skip => "Skipped",
            Class::Pass => "Passed",
        }
    }

    /// With a symbol, for Markdown tables.
    pub(crate) fn mark(self) -> &'static str {
        match self {
            Class::Fail => "❌ fail",
            Class::Error => "💥 error",
            Class::Warn => "⚠️ warn",
            Class::Waived => "🏳️ waived",
            Class::Skip => "⏭️ skip",
            Class::Pass => "✅ pass",
        }
    }

    /// Fails the gate, or could not be checked: what a baseline must not gain.
    pub(crate) fn is_bad(self) -> bool {
        matches!(self, Class::Fail | Class::Error)
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts over a run, as in `results.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    /// `must` cases that failed.
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// `should` cases that failed.
    pub warnings: usize,
    /// Failures a waiver explains.
    pub waived: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed (must), {} warnings (should), ", self.passed, self.failed, self.warnings)?;
        if self.waived > 0 {
            write!(f, "{} waived, ", self.waived)?;
        }
        write!(f, "{} errored, {} skipped", self.errored, self.skipped)
    }
}

impl Summary {
    /// How many verdicts of one class.
    pub(crate) fn count(&self, c: Class) -> usize {
        match c {
            Class::Pass => self.passed,
            Class::Fail => self.failed,
            Class::Warn => self.warnings,
            Class::Waived => self.waived,
            Class::Error => self.errored,
            Class::Skip => self.skipped,
        }
    }

    /// The counts in report order: (class, count).
    pub(crate) fn columns(&self) -> [(Class, usize); 6] {
        Class::COLUMNS.map(|c| (c, self.count(c)))
    }

    pub fn of(verdicts: &[Verdict]) -> Summary {
        Summary::of_each(verdicts)
    }

    /// [`Summary::of`] any verdicts, borrowed.
    pub(crate) fn of_each<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> Summary {
        let mut s = Summary::default();
        for v in verdicts {
            s.add(v);
        }
        s
    }

    /// Count one more verdict.
    pub(crate) fn add(&mut self, v: &Verdict) {
        *match v.class() {
            Class::Pass => &mut self.passed,
            Class::Fail => &mut self.failed,
            Class::Warn => &mut self.warnings,
            Class::Waived => &mut self.waived,
            Class::Error => &mut self.errored,
            Class::Skip => &mut self.skipped,
        } += 1;
    }

    /// The process exit code for this run (see `exit`): a contract failure outranks a run
    /// stopped early, which outranks a case that could not be checked.
    pub fn exit_code(&self, selected: usize, stopped: bool) -> u8 {
        if selected == 0 {
            crate::exit::NOTHING_SELECTED
        } else if self.failed > 0 {
            crate::exit::FAILED
        } else if stopped {
            crate::exit::STOPPED
        } else if self.errored > 0 {
            crate::exit::ERRORED
        } else {
            crate::exit::PASSED
        }
    }
}

/// A verdict with placeholder fields, for tests of what consumes verdicts.
#[cfg(test)]
pub(crate) fn sample(outcome: Outcome, level: Level) -> Verdict {
    Verdict {
        id: "s::c".into(),
        spec: "s".into(),
        case: "c".into(),
        target: "t".into(),
        outcome,
        level,
        location: "s:1".into(),
        doc: DocRef { file: "f".into(), section: "s".into() },
        why: None,
        reason: None,
        findings: vec![],
        exchanges: vec![],
        requests: 0,
        elapsed_ms: 0,
        seed: None,
        snapshot: None,
        waived: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(outcome: Outcome, level: Level) -> Verdict {
        sample(outcome, level)
    }

    #[test]
    fn should_failures_are_warnings_not_gate_failures() {
        let s = Summary::of(&[verdict(Outcome::Pass, Level::Must), verdict(Outcome::Fail, Level::Should)]);
        assert_eq!(s.warnings, 1);
        assert_eq!(s.failed, 0);
        assert_eq!(s.exit_code(2, false), crate::exit::PASSED);
    }

    #[test]
    fn fail_outranks_error() {
        let s = Summary::of(&[verdict(Outcome::Error, Level::Must), verdict(Outcome::Fail, Level::Must)]);
        assert_eq!(s.exit_code(2, false), crate::exit::FAILED);
        let s = Summary::of(&[verdict(Outcome::Error, Level::Must), verdict(Outcome::Skip, Level::Must)]);
        assert_eq!(s.exit_code(2, false), crate::exit::ERRORED);
    }

    #[test]
    fn waived_failures_do_not_fail_the_gate() {
        let mut v = verdict(Outcome::Fail, Level::Must);
        v.waived = Some("known upstream deviation".into());
        let s = Summary::of(&[v]);
        assert_eq!((s.failed, s.waived), (0, 1));
        assert_eq!(s.exit_code(1, false), crate::exit::PASSED);
    }

    #[test]
    fn a_stopped_run_has_its_own_code_unless_something_failed() {
        let s = Summary::of(&[verdict(Outcome::Error, Level::Must)]);
        assert_eq!(s.exit_code(1, true), crate::exit::STOPPED);
        let s = Summary::of(&[verdict(Outcome::Fail, Level::Must), verdict(Outcome::Error, Level::Must)]);
        assert_eq!(s.exit_code(2, true), crate::exit::FAILED);
    }

    #[test]
    fn nothing_selected_has_its_own_code() {
        assert_eq!(Summary::default().exit_code(0, false), crate::exit::NOTHING_SELECTED);
    }
}

/// What running a case concluded, before it becomes a [`Verdict`] (`run::execute::verdict_of`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Conclusion {
    Pass,
    Fail(Vec<Finding>),
    /// Could not check; findings gathered so far are kept.
    Error(String, Vec<Finding>),
    Skip(String),
}
