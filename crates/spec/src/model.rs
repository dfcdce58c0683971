//! The spec format v1: the typed shape of a `specs/**/*.yaml` file, as deserialized.
//!
//! Every struct denies unknown keys, so a typo is a spanned error with a suggestion
//! instead of a silently ignored setting. `docs/spec-format.md` documents each key and
//! `specs/spec.schema.json` mirrors these types for editors.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// One spec file: one endpoint, its request template and its cases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Format version; only `1` exists.
    pub specgate: Spanned<u32>,
    /// A human title, e.g. "IMS ListImages".
    pub title: String,
    /// The document this spec was derived from.
    pub doc: DocRef,
    /// Template variables used in `request.path` (e.g. `project_id`), set with `--var`.
    #[serde(default)]
    pub vars: BTreeMap<String, VarDecl>,
    /// The request every case starts from.
    pub request: RequestTemplate,
    /// Named cases, run in order.
    #[serde(default)]
    pub cases: Vec<Case>,
    /// Pagination invariants (marker/limit/next links/sort).
    pub pagination: Option<Spanned<Pagination>>,
    /// Filter invariants (soundness/completeness of query filters).
    pub filters: Option<Spanned<Filters>>,
    /// Which links of a response may lead away from the origin the request went to.
    pub links: Option<Links>,
    /// How fast the endpoint answers: bounds on the percentiles of its answer times.
    pub latency: Option<Spanned<Latency>>,
}

/// Bounds on the answer times of the spec's endpoint, over every request its cases send to one
/// target. Breaking one is a `should` finding unless `level: must` says otherwise.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// `should` when absent: a bound that no seed doc states is an expectation, not a contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The median answer time stays at or under this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<u64>,
    /// No answer takes longer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
}

impl Latency {
    /// The bounds it states: (name, quantile, milliseconds), `max` as the quantile 1.
    pub fn bounds(&self) -> Vec<(&'static str, f64, u64)> {
        [("p50", 0.5, self.p50_ms), ("p95", 0.95, self.p95_ms), ("p99", 0.99, self.p99_ms), ("max", 1.0, self.max_ms)]
            .into_iter()
            .filter_map(|(name, q, ms)| ms.map(|ms| (name, q, ms)))
            .collect()
    }

    pub fn level(&self) -> Level {
        self.level.unwrap_or(Level::Should)
    }
}

/// Links in responses must stay on the request's scheme, host and port, except these.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    pub doc: Option<DocRef>,
    pub why: Option<String>,
    /// Link relations (`rel`) or link keys (`first`) that may lead to another origin.
    #[serde(default)]
    pub elsewhere: Vec<String>,
}

/// A citation: the seed file and the section of it a rule came from.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DocRef {
    pub file: String,
    pub section: String,
}

impl std::fmt::Display for DocRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} § {}", self.file, self.section)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarDecl {
    pub description: String,
    /// Used when `--var` does not set the variable.
    pub default: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum Method {
    GET,
    HEAD,
    POST,
    PUT,
    PATCH,
    DELETE,
    OPTIONS,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestTemplate {
    #[serde(default = "default_method")]
    pub method: Method,
    /// Path template relative to the target URL, with `{var}` placeholders.
    pub path: Spanned<String>,
    #[serde(default)]
    pub query: Query,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn default_method() -> Method {
    Method::GET
}

/// Query parameters: a scalar, a list (repeated parameter) or `null` (remove an inherited one).
pub type Query = BTreeMap<String, Option<QueryValue>>;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum QueryValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// `must` fails the gate; `should` is reported as a warning.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Must,
    Should,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
        }
    }
}

/// One request and what its response must look like.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: Spanned<String>,
    pub doc: DocRef,
    #[serde(default)]
    pub level: Level,
    /// Why the case asserts what it asserts (leveling decisions, doc contradictions).
    pub why: Option<String>,
    #[serde(default)]
    pub query: Query,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub expect: Expect,
    /// Record the (redacted) response body as a snapshot under `snapshots/`.
    #[serde(default)]
    pub snapshot: bool,
    /// Send the request even when another case of the run got the same one answered: the
    /// case must see the target as it is now, not as it was earlier in the run.
    #[serde(default)]
    pub fresh: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: StatusSet,
    /// Media type the `Content-Type` header must carry (parameters such as charset ignored).
    pub content_type: Option<String>,
    /// JSON Schema for the body, inline or `{$ref: relative/file.json}`.
    pub schema: Option<Spanned<serde_json::Value>>,
}

/// One status code or a list of acceptable ones.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

impl StatusSet {
    pub fn contains(&self, status: u16) -> bool {
        match self {
            StatusSet::One(s) => *s == status,
            StatusSet::Any(v) => v.contains(&status),
        }
    }
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            StatusSet::One(s) => serde_json::json!(s),
            StatusSet::Any(v) => serde_json::json!(v),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// pagination:

/// How a listing pages, sorts, and what its invariants are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub doc: DocRef,
    #[serde(default)]
    pub level: Level,
    pub why: Option<String>,
    /// JSON pointer to the item array in the body, e.g. `/images`.
    pub items: String,
    /// JSON pointer to the id inside an item, e.g. `/id`.
    #[serde(default = "default_id")]
    pub id: String,
    /// Query parameter carrying the marker (the id of the last item seen).
    #[serde(default = "default_marker")]
    pub marker: String,
    /// Query parameter carrying the page size.
    #[serde(default = "default_limit")]
    pub limit: String,
    /// Page size when `limit` is absent, as documented.
    pub default_limit: Option<u64>,
    /// Largest page a server returns whatever `limit` says.
    pub max_limit: Option<u64>,
    /// Page size used when walking (small, so walks cross many page boundaries).
    #[serde(default = "default_page_size")]
    pub page_size: u64,
    /// Where the next-page link is, for styles that have one.
    pub next: Option<NextLink>,
    pub sort: Option<Sort>,
    /// What invalid paging input yields (unknown marker, bad limit, bad sort).
    pub errors: Option<ErrorExpect>,
    /// Extra query parameters for every paging request (e.g. to make a listing deterministic).
    #[serde(default)]
    pub query: Query,
    /// `limit` values the server must reject with `errors` (default `-1` and `abc`).
    #[serde(default = "default_bad_limits")]
    pub bad_limits: Vec<Scalar>,
    /// Another level for some derived cases, keyed by their name without `pagination.`
    /// (`default-limit`, `order.name.asc`): what only one upstream shows is a `should`.
    #[serde(default)]
    pub levels: BTreeMap<String, LevelOverride>,
    /// The derived cases send every request themselves instead of sharing other cases' answers.
    #[serde(default)]
    pub fresh: bool,
}

/// The level of one derived case, and why it differs from its block's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelOverride {
    pub level: Level,
    pub why: Option<String>,
}

/// Names of the cases a `pagination:` block derives, without `pagination.`; the ones ending
/// in `.` are prefixes (`order.<key>.<dir>`, `bad-limit.<value>`).
pub(crate) const PAGINATION_CHECKS: &[&str] = &[
    "limit",
    "default-limit",
    "max-limit",
    "walk",
    "order.",
    "default-order",
    "next-link",
    "bad-marker",
    "bad-limit.",
    "bad-sort-key",
    "bad-sort-dir",
];

fn default_bad_limits() -> Vec<Scalar> {
    vec![Scalar::Int(-1), Scalar::Str("abc".into())]
}

fn default_id() -> String {
    "/id".into()
}
fn default_marker() -> String {
    "marker".into()
}
fn default_limit() -> String {
    "limit".into()
}
fn default_page_size() -> u64 {
    5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextLink {
    pub style: NextStyle,
    /// `href` style: pointer to the link string (`/next`); `links` style: pointer to the
    /// array of `{rel, href}` objects (`/images_links`).
    pub pointer: String,
    #[serde(default = "default_rel")]
    pub rel: String,
    /// What the last page looks like.
    #[serde(default)]
    pub last_page: LastPage,
}

fn default_rel() -> String {
    "next".into()
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NextStyle {
    /// A string field holding the next URL (Glance v2 `next`).
    Href,
    /// An array of link objects with a `rel` (Nova `images_links`).
    Links,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LastPage {
    /// No next link on the last non-empty page.
    #[default]
    NoLink,
    /// A full last page may still carry a link that leads to an empty page.
    MayLinkToEmpty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sort {
    /// Query parameter naming the sort key.
    #[serde(default = "default_sort_key_param")]
    pub key_param: String,
    /// Query parameter naming the direction.
    #[serde(default = "default_sort_dir_param")]
    pub dir_param: String,
    /// Allowed sort keys and where their values are in an item.
    pub keys: BTreeMap<String, SortKey>,
    pub default_key: Option<String>,
    pub default_dir: Option<Direction>,
    /// Field (JSON pointer) that orders items with equal keys.
    pub tie_breaker: Option<String>,
    /// Direction of the tie-breaker; default: the same as the sort direction.
    pub tie_breaker_dir: Option<Direction>,
}

fn default_sort_key_param() -> String {
    "sort_key".into()
}
fn default_sort_dir_param() -> String {
    "sort_dir".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    /// JSON pointer inside an item.
    pub field: String,
    #[serde(default, rename = "type")]
    pub kind: ValueKind,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    #[default]
    String,
    Integer,
    Time,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

/// The documented answer to invalid input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorExpect {
    pub doc: Option<DocRef>,
    #[serde(default)]
    pub level: Level,
    pub status: StatusSet,
    pub content_type: Option<String>,
    pub schema: Option<Spanned<serde_json::Value>>,
    /// Headers for the negative requests (e.g. `Accept: application/json`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------------
// filters:

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    pub doc: DocRef,
    #[serde(default)]
    pub level: Level,
    /// How many distinct values to sample from the catalogue per parameter.
    #[serde(default = "default_samples")]
    pub samples: usize,
    /// Check pairs of filters together (each pair's values sampled from one item).
    #[serde(default = "yes")]
    pub combinations: bool,
    pub params: Vec<Spanned<FilterParam>>,
    /// What a malformed filter value yields (e.g. `created_at=gt:yesterday`).
    pub errors: Option<ErrorExpect>,
    /// The derived cases send every request themselves instead of sharing other cases' answers.
    #[serde(default)]
    pub fresh: bool,
    /// The level of the edge probes (`name.case`, `encoded`, `sorted-walk`, …), keyed by the
    /// case name without `filter.` or by the probe alone for every parameter it applies to;
    /// `off` derives no case. See [`FILTER_PROBES`].
    #[serde(default)]
    pub levels: BTreeMap<String, ProbeLevel>,
}

/// The probes of a `filters:` block that `filters.levels` names: `case`, `encoded` and `both`
/// are per parameter (`name.case`, or `case` for every parameter), `sorted-walk` is one case.
pub const FILTER_PROBES: &[&str] = &["case", "encoded", "both", "sorted-walk"];

/// The level of one edge probe, the doc sentence that sets it, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeLevel {
    pub level: ProbeSwitch,
    pub doc: Option<DocRef>,
    pub why: Option<String>,
}

/// A probe's level, or `off`: the doc is silent and the upstreams disagree.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProbeSwitch {
    Must,
    Should,
    Off,
}

fn default_samples() -> usize {
    3
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterParam {
    /// Query parameter name.
    pub param: String,
    /// JSON pointer inside an item the filter applies to.
    pub field: String,
    pub relation: Relation,
    pub doc: Option<DocRef>,
    /// Level of soundness (every returned item satisfies the filter).
    pub level: Option<Level>,
    /// Level of completeness (nothing matching is lost); defaults to `level`.
    pub completeness: Option<Level>,
    pub why: Option<String>,
    /// `mapped`: query value → the field values it selects.
    #[serde(default)]
    pub map: BTreeMap<String, Vec<serde_json::Value>>,
    /// `time`: operators to try (default all six).
    #[serde(default)]
    pub ops: Vec<TimeOp>,
    /// `time`, `since_*`: the layouts the doc allows for the value, each probed at an item's
    /// exact instant (default: `z` only).
    #[serde(default)]
    pub formats: Vec<TimeFormat>,
    /// Extra query parameters this filter needs (e.g. `visibility=shared` for `member_status`).
    #[serde(default)]
    pub with: Query,
    /// Values to try besides the sampled ones (e.g. enum values absent from the catalogue).
    #[serde(default)]
    pub values: Vec<Scalar>,
    /// `malformed` values the server must reject with `filters.errors`.
    #[serde(default)]
    pub invalid: Vec<Scalar>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// field == value (string comparison of scalars).
    Equals,
    /// field == value ignoring ASCII case.
    EqualsIgnoreCase,
    /// field is the boolean (or "true"/"false" string) value.
    Boolean,
    /// field >= value (integers).
    AtLeast,
    /// field <= value (integers).
    AtMost,
    /// the array field contains value.
    Contains,
    /// `OP:TIME` with OP in gt|gte|lt|lte|eq|neq.
    Time,
    /// `changes-since=TIME`: field >= TIME.
    SinceInclusive,
    /// `changes-since=TIME`: field > TIME.
    SinceExclusive,
    /// the query value selects the field values listed in `map`.
    Mapped,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimeOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// A layout of a time filter's value.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// `2020-01-01T00:00:00Z`.
    Z,
    /// `2020-01-01 00:00:00` (UTC).
    Space,
    /// `2020-01-01T05:30:00+05:30` and `2019-12-31T19:00:00-05:00`: the same instant, offset.
    Offset,
}

impl TimeOp {
    pub const ALL: [TimeOp; 6] = [TimeOp::Gt, TimeOp::Gte, TimeOp::Lt, TimeOp::Lte, TimeOp::Eq, TimeOp::Neq];
    pub fn as_str(self) -> &'static str {
        match self {
            TimeOp::Gt => "gt",
            TimeOp::Gte => "gte",
            TimeOp::Lt => "lt",
            TimeOp::Lte => "lte",
            TimeOp::Eq => "eq",
            TimeOp::Neq => "neq",
        }
    }
}
