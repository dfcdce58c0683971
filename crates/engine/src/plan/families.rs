//! The families of derived case ids (`pagination.walk`, `filter.<param>.sound`, …), each with
//! what it checks. [`Family::of`] maps every derived case to its family by exhaustive matches
//! on the planner's check types, so a new kind of check does not compile until it has a family;
//! `tests/spec_format.rs` writes the lists in `docs/spec-format.md` from [`FAMILIES`].

use super::equivalence::EquivCheck;
use super::invariant::{Check, FilterCheck, PagCheck};
use super::{PlannedCase, Work};
use crate::spec::isolation::Rule;

/// The spec block a family's cases are derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Pagination,
    Filters,
    Equivalence,
    Isolation,
}

impl Block {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Block::Pagination => "pagination",
            Block::Filters => "filters",
            Block::Equivalence => "equivalence",
            Block::Isolation => "isolation",
        }
    }
}

/// One family of derived case ids.
#[derive(Debug, PartialEq, Eq)]
pub struct Family {
    pub block: Block,
    /// The id pattern: `<x>` stands for a name from the spec, `[.should]` for a suffix some
    /// cases of the family carry.
    pub id: &'static str,
    /// What a case of the family checks, in one line.
    pub checks: &'static str,
}

const fn family(block: Block, id: &'static str, checks: &'static str) -> Family {
    Family { block, id, checks }
}

use Block::{Equivalence as E, Filters as F, Isolation as I, Pagination as P};

const LIMIT: Family = family(P, "pagination.limit", "a page never holds more than `limit` items (tried with 1 and `page_size`)");
const DEFAULT_LIMIT: Family = family(
    P,
    "pagination.default-limit",
    "without `limit` the page holds `min(default_limit, catalogue size)` items; skip when the catalogue is smaller than the default and no second page proves anything",
);
const MAX_LIMIT: Family = family(P, "pagination.max-limit", "a `limit` above `max_limit` yields at most `max_limit` items");
const WALK: Family = family(P, "pagination.walk", "walking every page yields no duplicate id, and the union equals one maximal listing");
const ORDER: Family = family(
    P,
    "pagination.order.<key>.<dir>",
    "for every sort key and both directions (`asc`, `desc`): items are ordered across page boundaries, ties broken consistently by `tie_breaker`",
);
const DEFAULT_ORDER: Family = family(P, "pagination.default-order", "without sort parameters the order is `default_key` / `default_dir`");
const NEXT_LINK: Family = family(
    P,
    "pagination.next-link",
    "the next link keeps every query parameter but the marker, is absent on the last page (or leads to an empty page, per `last_page`) and never loops",
);
const BAD_MARKER: Family = family(P, "pagination.bad-marker", "an unknown marker yields the `errors` status and body");
const BAD_LIMIT: Family = family(P, "pagination.bad-limit.<value>", "each of `bad_limits` yields the `errors` status and body");
const BAD_SORT_KEY: Family = family(P, "pagination.bad-sort-key", "an unknown sort key yields the `errors` status and body (with `sort:`)");
const BAD_SORT_DIR: Family =
    family(P, "pagination.bad-sort-dir", "a direction other than `asc`/`desc` yields the `errors` status and body (with `sort:`)");
const SOUND: Family =
    family(F, "filter.<param>.sound", "soundness: every item returned for a sampled value satisfies the filter, on every page");
const COMPLETE: Family = family(
    F,
    "filter.<param>.complete",
    "completeness: every item of the full listing that satisfies the filter is returned (level: `completeness`, else the filter's)",
);
const INVALID: Family =
    family(F, "filter.<param>.invalid", "each of the parameter's `invalid` values yields `filters.errors` (level: `filters.errors.level`)");
const PAIRS_SOUND: Family = family(
    F,
    "filter.pairs.sound[.should]",
    "with `combinations: true`, pairs of filters together are sound; the `must` filters' pairs, and the `should` filters' pairs in `.should`",
);
const PAIRS_COMPLETE: Family = family(
    F,
    "filter.pairs.complete[.should]",
    "with `combinations: true`, pairs of filters together are complete, grouped by completeness level as above",
);
const PAGED: Family = family(
    F,
    "filter.paged[.should]",
    "the filters with small pages and a sort: still sound on every page; the `must` filters, and the `should` ones in `.should`",
);
const CASE_VARIANT: Family = family(
    F,
    "filter.<param>.case",
    "a case variant of a catalogue value (`cENTos` for `CentOS`) selects exactly what the relation says: nothing else under `equals` (a 4xx refusal passes), every spelling under `equals_ignore_case` (level: `should`, or `filters.levels`)",
);
const ENCODED: Family = family(
    F,
    "filter.encoded[.should]",
    "catalogue values of the string filters that need percent-encoding (a space, `&`, `=`, `#`, `/`, `+`, non-ASCII) match literally, a space sent as `+` and as `%20` alike (level: `should`, or `filters.levels`)",
);
const BOTH_VALUES: Family = family(
    F,
    "filter.<param>.both",
    "a boolean filter's `true` and `false` each list exactly the items with that value, and no item of the full listing is in both answers or in neither (level: the filter's soundness and completeness, the lower)",
);
const SORTED_WALK: Family = family(
    F,
    "filter.sorted-walk[.should]",
    "a filter with a sort, in both directions, walked with small pages by marker: each matching item once, in order, and the union equals the filtered listing; grouped by level as `filter.paged`",
);
const IDS: Family = family(
    E,
    "equivalence.<a>~<b>.ids",
    "both listings show the same ids within the scope; each id one lists and the other does not is a row of one finding, with the request that listed it and the one that did not",
);
const FIELDS: Family =
    family(E, "equivalence.<a>~<b>.fields.<name>", "every image both listings show agrees on the field; one finding per field, a row per disagreeing image with both values and both requests");
const ORDERED: Family = family(
    E,
    "equivalence.<a>~<b>.order",
    "when both specs document the same default sort (`pagination.sort.default_key` and `default_dir`), the shared images come in the same order (ties on the key may swap)",
);
const FILTERS: Family = family(E, "equivalence.<a>~<b>.filters.<name>", "each listing's spelling of the filter selects the same ids");

const PRIVATE: Family = family(
    I,
    "isolation.private.<listing>",
    "for each ordered pair of identities that are not admin, no private image of the one is listed to the other: full listing, each filter of the listing's spec at the image's own value, each sort key",
);
const SHARED: Family = family(
    I,
    "isolation.shared.<listing>",
    "no shared image that an identity has left pending or rejected is in that identity's default listing",
);
const PUBLIC: Family = family(I, "isolation.public.<listing>", "every public image any identity sees is listed to every identity");
const UNAUTHENTICATED: Family =
    family(I, "isolation.unauthenticated.<listing>", "no credentials, a bad token and a bad AK/SK signature are each answered 401");
const PROJECT_IN_PATH: Family = family(
    I,
    "isolation.project-in-path.<listing>",
    "another project's id in the path is refused, or lists none of that project's private images",
);
const ADMIN: Family = family(I, "isolation.admin.<listing>", "an admin identity is listed every image any other identity is listed");

/// Every family, in the order the planner derives them.
pub const FAMILIES: &[Family] = &[
    LIMIT,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    WALK,
    ORDER,
    DEFAULT_ORDER,
    NEXT_LINK,
    BAD_MARKER,
    BAD_LIMIT,
    BAD_SORT_KEY,
    BAD_SORT_DIR,
    SOUND,
    COMPLETE,
    INVALID,
    PAIRS_SOUND,
    PAIRS_COMPLETE,
    PAGED,
    CASE_VARIANT,
    ENCODED,
    BOTH_VALUES,
    SORTED_WALK,
    IDS,
    FIELDS,
    ORDERED,
    FILTERS,
    PRIVATE,
    SHARED,
    PUBLIC,
    UNAUTHENTICATED,
    PROJECT_IN_PATH,
    ADMIN,
];

impl Family {
    /// The family of a derived case; `None` for a case the spec writes out (`cases:`).
    pub fn of(case: &PlannedCase) -> Option<&'static Family> {
        let family = match &case.work {
            Work::Request(_) => return None,
            Work::Invariant(inv) => match &inv.check {
                Check::Pagination(p) => match p {
                    PagCheck::Limit => &LIMIT,
                    PagCheck::DefaultLimit => &DEFAULT_LIMIT,
                    PagCheck::MaxLimit => &MAX_LIMIT,
                    PagCheck::Walk => &WALK,
                    PagCheck::Order { .. } => &ORDER,
                    PagCheck::DefaultOrder => &DEFAULT_ORDER,
                    PagCheck::NextLink => &NEXT_LINK,
                    PagCheck::BadMarker => &BAD_MARKER,
                    PagCheck::BadLimit(_) => &BAD_LIMIT,
                    PagCheck::BadSortKey => &BAD_SORT_KEY,
                    PagCheck::BadSortDir => &BAD_SORT_DIR,
                },
                Check::Filter(f) => match f {
                    FilterCheck::Sound(_) => &SOUND,
                    FilterCheck::Complete(_) => &COMPLETE,
                    FilterCheck::Invalid(_) => &INVALID,
                    FilterCheck::Pairs { sound: true, .. } => &PAIRS_SOUND,
                    FilterCheck::Pairs { sound: false, .. } => &PAIRS_COMPLETE,
                    FilterCheck::Paged(_) => &PAGED,
                    FilterCheck::CaseVariant(_) => &CASE_VARIANT,
                    FilterCheck::Encoded(_) => &ENCODED,
                    FilterCheck::BothValues(_) => &BOTH_VALUES,
                    FilterCheck::SortedWalk(_) => &SORTED_WALK,
                },
            },
            Work::Equivalence(e) => match e.check {
                EquivCheck::Ids => &IDS,
                EquivCheck::Field(_) => &FIELDS,
                EquivCheck::Order => &ORDERED,
                EquivCheck::Filter(_) => &FILTERS,
            },
            Work::Isolation(c) => match c.rule {
                Rule::Private => &PRIVATE,
                Rule::Shared => &SHARED,
                Rule::Public => &PUBLIC,
                Rule::Unauthenticated => &UNAUTHENTICATED,
                Rule::ProjectInPath => &PROJECT_IN_PATH,
                Rule::Admin => &ADMIN,
                Rule::SameCatalogue => return None,
            },
        };
        Some(family)
    }

    /// Whether `name` has this family's form: each `<x>` stands for one or more characters, an
    /// optional `[suffix]` may be there or not.
    pub fn names(&self, name: &str) -> bool {
        fn walk(pattern: &str, name: &str) -> bool {
            if pattern.is_empty() {
                return name.is_empty();
            }
            if let Some(rest) = pattern.strip_prefix('<') {
                let after = rest.split_once('>').map_or("", |(_, a)| a);
                return (1..=name.len()).filter(|i| name.is_char_boundary(*i)).any(|i| walk(after, &name[i..]));
            }
            if let Some(rest) = pattern.strip_prefix('[') {
                let (optional, after) = rest.split_once(']').unwrap_or((rest, ""));
                return walk(after, name) || name.strip_prefix(optional).is_some_and(|n| walk(after, n));
            }
            let literal = pattern.find(['<', '[']).unwrap_or(pattern.len());
            name.strip_prefix(&pattern[..literal]).is_some_and(|n| walk(&pattern[literal..], n))
        }
        walk(self.id, name)
    }
}

/// The Markdown table of one block's families.
pub(crate) fn table(block: Block) -> String {
    let mut md = String::from("| case | checks |\n|---|---|\n");
    for f in FAMILIES.iter().filter(|f| f.block == block) {
        md.push_str(&format!("| `{}` | {} |\n", f.id, f.checks));
    }
    md
}

/// `doc` with each region between `<!-- derived-cases: BLOCK -->` and `<!-- /derived-cases -->`
/// replaced by that block's table (the markers stay).
pub fn rewrite_regions(doc: &str) -> String {
    let mut out = String::new();
    let mut rest = doc;
    while let Some(start) = rest.find("<!-- derived-cases: ") {
        let Some(open_end) = rest[start..].find("-->").map(|i| start + i + 3) else { break };
        let Some(close) = rest[open_end..].find("<!-- /derived-cases -->").map(|i| open_end + i) else { break };
        let name = rest[start + "<!-- derived-cases: ".len()..open_end - 3].trim();
        out.push_str(&rest[..open_end]);
        out.push('\n');
        match [Block::Pagination, Block::Filters, Block::Equivalence, Block::Isolation].into_iter().find(|b| b.as_str() == name) {
            Some(block) => out.push_str(&table(block)),
            None => out.push_str(&format!("(no block named `{name}`)\n")),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_of_their_form_only() {
        assert!(ORDER.names("pagination.order.created_at.desc"));
        assert!(!ORDER.names("pagination.order.created_at"));
        assert!(PAIRS_SOUND.names("filter.pairs.sound") && PAIRS_SOUND.names("filter.pairs.sound.should"));
        assert!(!PAIRS_SOUND.names("filter.pairs.sound.maybe"));
        assert!(SOUND.names("filter.min_ram.sound") && !SOUND.names("filter.min_ram.complete"));
        assert!(FIELDS.names("equivalence.glance~nova.fields.size"));
        assert!(BAD_LIMIT.names("pagination.bad-limit.-1"));
    }

    #[test]
    fn regions_are_rewritten_between_their_markers() {
        let doc = "a\n<!-- derived-cases: equivalence -->\nstale\n<!-- /derived-cases -->\nb\n";
        let out = rewrite_regions(doc);
        assert!(out.starts_with("a\n<!-- derived-cases: equivalence -->\n| case | checks |\n"), "{out}");
        assert!(out.contains("| `equivalence.<a>~<b>.ids` |") && !out.contains("stale"), "{out}");
        assert!(out.ends_with("<!-- /derived-cases -->\nb\n"), "{out}");
        assert_eq!(rewrite_regions(&out), out);
    }
}
