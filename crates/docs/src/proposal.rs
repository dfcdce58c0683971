//! Proposed `filters:` entries, one rule for `derive` (API reference pages) and `import`
//! (OpenAPI documents): a filter whose source states its matching rule (exact match, at least,
//! at most, time operators) is proposed active at `must`, citing the words that state it; a
//! filter whose rule is not stated is written commented out, with the relation its name and
//! type suggest, for a person to confirm. A guessed rule at `must` is a false failure waiting
//! to happen: `min_ram` read as `equals` fails against a server that applies `>=`.

use std::fmt::Write;

use crate::spec::model::{Relation, TimeOp};

/// A query parameter that filters on a response field, with what its source says about it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    pub param: &'a str,
    /// The item field's name (a member of each listed item).
    pub field: &'a str,
    /// The field's JSON type, when the source gives one.
    pub field_type: Option<&'a str>,
    /// The parameter's description (and its schema's), where a rule would be stated.
    pub text: &'a str,
    /// Citation of the parameter: (file, section).
    pub doc: (String, String),
}

/// The item field a query parameter filters on: the field of its own name, else the one its
/// `_min`/`_max` affix bounds (`size_min` → `size`). `has` says whether an item has a field.
pub(crate) fn field_of(param: &str, has: impl Fn(&str) -> bool) -> Option<String> {
    if has(param) {
        return Some(param.to_string());
    }
    let bounded = ["_min", "_max"].iter().find_map(|a| param.strip_suffix(a));
    let bounded = bounded.or_else(|| ["min_", "max_"].iter().find_map(|a| param.strip_prefix(a)));
    bounded.filter(|f| has(f)).map(str::to_string)
}

/// How the relation was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The source states it, in these words.
    Stated(String),
    /// Guessed from the name and type, for this reason.
    Guessed(String),
}

/// One proposed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub param: String,
    pub field: String,
    pub relation: Relation,
    /// `time`: the operators the source lists.
    pub ops: Vec<TimeOp>,
    pub rule: Rule,
    pub doc: (String, String),
}

impl Filter {
    pub(crate) fn stated(&self) -> bool {
        matches!(self.rule, Rule::Stated(_))
    }
}

/// The proposal for one candidate: the stated rule if there is one, else a guess.
pub(crate) fn propose(c: &Candidate) -> Filter {
    let (relation, ops, rule) = match stated_rule(c.text) {
        Some((relation, ops, words)) => (relation, ops, Rule::Stated(words)),
        None => {
            let (relation, reason) = guess(c);
            (relation, Vec::new(), Rule::Guessed(reason))
        }
    };
    Filter { param: c.param.to_string(), field: format!("/{}", c.field), relation, ops, rule, doc: c.doc.clone() }
}

/// Words that state a matching rule, in the languages of the sources read so far.
const IGNORE_CASE: [&str; 3] = ["不区分大小写", "case-insensitive", "case insensitive"];
const EXACT: [&str; 5] = ["精确匹配", "exact match", "exactly match", "matched exactly", "matches exactly"];
const AT_LEAST: [&str; 6] = ["不小于", "大于等于", "at least", "no less than", "not less than", "greater than or equal"];
const AT_MOST: [&str; 6] = ["不大于", "小于等于", "at most", "no more than", "not more than", "less than or equal"];

/// The rule `text` states: the relation, the time operators, and the words.
fn stated_rule(text: &str) -> Option<(Relation, Vec<TimeOp>, String)> {
    let lower = text.to_lowercase();
    let ops: Vec<TimeOp> = TimeOp::ALL.into_iter().filter(|op| names_operator(&lower, op.as_str())).collect();
    if ops.len() >= 2 && (lower.contains("操作符") || lower.contains("operator")) {
        let names: Vec<&str> = ops.iter().map(|o| o.as_str()).collect();
        return Some((Relation::Time, ops, format!("operators {}", names.join(", "))));
    }
    let found = |markers: &[&str], bound: bool| {
        markers.iter().find_map(|m| {
            let at = lower.find(m)?;
            // "不小于1" bounds the parameter's own value; a rule names no number.
            let next = lower[at + m.len()..].trim_start().chars().next();
            (!bound || !next.is_some_and(|c| c.is_ascii_digit())).then(|| clause(text, &lower, at))
        })
    };
    if let Some(w) = found(&IGNORE_CASE, false) {
        return Some((Relation::EqualsIgnoreCase, Vec::new(), w));
    }
    if let Some(w) = found(&EXACT, false) {
        return Some((Relation::Equals, Vec::new(), w));
    }
    if let Some(w) = found(&AT_LEAST, true) {
        return Some((Relation::AtLeast, Vec::new(), w));
    }
    found(&AT_MOST, true).map(|w| (Relation::AtMost, Vec::new(), w))
}

/// `gt：大于` or `gt:TIME`: the operator as a word followed by a colon.
fn names_operator(lower: &str, op: &str) -> bool {
    lower.match_indices(op).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + op.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && matches!(after, Some(':' | '：'))
    })
}

/// The clause of `text` around byte `at` of its lowercase form (same offsets for the scripts
/// read: lowercasing keeps the byte length of ASCII and CJK).
fn clause(text: &str, lower: &str, at: usize) -> String {
    let source = if text.len() == lower.len() { text } else { lower };
    let stops = |c: char| matches!(c, '。' | '；' | ';' | '\n') || c == '.';
    let start = source[..at].rfind(stops).map(|i| i + source[i..].chars().next().map_or(1, char::len_utf8)).unwrap_or(0);
    let end = source[at..].find(stops).map(|i| at + i).unwrap_or(source.len());
    let words = source[start..end].trim();
    let mut short: String = words.chars().take(80).collect();
    if short.len() < words.len() {
        short.push('…');
    }
    short
}

/// The relation a name and type suggest, and why.
fn guess(c: &Candidate) -> (Relation, String) {
    // An untyped field (named only by an example) may still be numeric: the name decides.
    let numeric = matches!(c.field_type, Some("integer" | "number") | None);
    let name = c.param.to_ascii_lowercase();
    let words = |w: &str| {
        name.starts_with(&format!("{w}_"))
            || name.ends_with(&format!("_{w}"))
            || (name.starts_with(w) && c.param[w.len()..].starts_with(|ch: char| ch.is_ascii_uppercase()))
    };
    if c.field_type == Some("boolean") {
        (Relation::Boolean, "a boolean field".into())
    } else if numeric && words("min") {
        (Relation::AtLeast, "the name says minimum (`at_least` soundness holds under an exact match too)".into())
    } else if numeric && words("max") {
        (Relation::AtMost, "the name says maximum (`at_most` soundness holds under an exact match too)".into())
    } else {
        (Relation::Equals, "named like the field".into())
    }
}

fn relation_name(r: Relation) -> &'static str {
    match r {
        Relation::Equals => "equals",
        Relation::EqualsIgnoreCase => "equals_ignore_case",
        Relation::Boolean => "boolean",
        Relation::AtLeast => "at_least",
        Relation::AtMost => "at_most",
        Relation::Contains => "contains",
        Relation::Time => "time",
        Relation::SinceInclusive => "since_inclusive",
        Relation::SinceExclusive => "since_exclusive",
        Relation::Mapped => "mapped",
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The `filters:` block for `filters`, cited to `doc` (file, section), preceded by a comment
/// saying how it was proposed. Stated filters are active, guessed ones commented out after
/// them; the whole block is commented out when `enabled` is false (no `pagination:` block to
/// walk with) or when no filter's rule is stated. Empty when there are no filters.
pub(crate) fn render(filters: &[Filter], doc: (&str, &str), source: &str, enabled: bool) -> String {
    if filters.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(out, "# PROPOSAL: query parameters named like response fields. A filter whose matching rule {source}");
    let _ = writeln!(out, "# states is active at `must`; the others are commented out with the relation their name and");
    let _ = writeln!(out, "# type suggest: confirm the rule against the API, then uncomment them.");
    let active = enabled && filters.iter().any(Filter::stated);
    if enabled && !active {
        let _ = writeln!(out, "# {source} states no filter's rule, so the whole block is commented out.");
    }
    let mut block = format!("filters:\n  doc: {{file: {}, section: {}}}\n  level: must\n  params:\n", q(doc.0), q(doc.1));
    // Guessed entries come last: the spec loader's YAML parser buffers at most 32 comments
    // while looking ahead inside a block, and a long run of them between two entries breaks it.
    let (stated, guessed): (Vec<&Filter>, Vec<&Filter>) = filters.iter().partition(|f| f.stated());
    for f in stated.into_iter().chain(guessed) {
        let mut entry = format!("- param: {}\n  field: {}\n  relation: {}\n", q(&f.param), q(&f.field), relation_name(f.relation));
        if !f.ops.is_empty() {
            let ops: Vec<&str> = f.ops.iter().map(|o| o.as_str()).collect();
            let _ = writeln!(entry, "  ops: [{}]", ops.join(", "));
        }
        let _ = writeln!(entry, "  doc: {{file: {}, section: {}}}", q(&f.doc.0), q(&f.doc.1));
        let pad = match &f.rule {
            Rule::Stated(words) => {
                let _ = writeln!(entry, "  why: {}", q(&format!("{source} states the rule: {words}")));
                "    "
            }
            Rule::Guessed(reason) => {
                let _ = writeln!(block, "    # rule not stated; `{}` is a guess: {reason}", relation_name(f.relation));
                "    # "
            }
        };
        for line in entry.lines() {
            let _ = writeln!(block, "{pad}{line}");
        }
    }
    for line in block.lines() {
        let c = if active { "" } else { "# " };
        let _ = writeln!(out, "{c}{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate<'a>(param: &'a str, field_type: Option<&'a str>, text: &'a str) -> Candidate<'a> {
        Candidate { param, field: param, field_type, text, doc: ("f.txt".into(), "s".into()) }
    }

    #[test]
    fn stated_rules_are_read_in_both_languages() {
        let rule = |text: &str| stated_rule(text).map(|(r, ops, _)| (r, ops.len()));
        assert_eq!(rule("镜像名称，匹配规则为精确匹配。"), Some((Relation::Equals, 0)));
        assert_eq!(rule("Name of the image; an exact match."), Some((Relation::Equals, 0)));
        assert_eq!(rule("镜像不小于"), Some((Relation::AtLeast, 0)));
        assert_eq!(rule("Returns images of at least this size"), Some((Relation::AtLeast, 0)));
        assert_eq!(rule("镜像不大于"), Some((Relation::AtMost, 0)));
        assert_eq!(rule("取值格式为“操作符:UTC时间”。其中操作符支持如下几种：gt：大于 gte：大于等于 lt：小于"), Some((Relation::Time, 3)));
        // A bound on the parameter's own value is not a matching rule.
        assert_eq!(rule("取值不小于1"), None);
        assert_eq!(rule("镜像运行需要的最小内存，单位为MB。"), None);
    }

    #[test]
    fn unstated_rules_are_guessed_from_name_and_type_and_not_stated() {
        let f = propose(&candidate("min_ram", Some("integer"), "镜像运行需要的最小内存，单位为MB。"));
        assert_eq!((f.relation, f.stated()), (Relation::AtLeast, false));
        assert_eq!(propose(&candidate("minDisk", Some("integer"), "")).relation, Relation::AtLeast);
        assert_eq!(propose(&candidate("size_max", Some("integer"), "")).relation, Relation::AtMost);
        assert_eq!(propose(&candidate("protected", Some("boolean"), "取值为true/false")).relation, Relation::Boolean);
        assert_eq!(propose(&candidate("minimal", Some("integer"), "")).relation, Relation::Equals);
        assert_eq!(propose(&candidate("size_min", None, "")).relation, Relation::AtLeast);
        assert_eq!(propose(&candidate("name_max", Some("string"), "")).relation, Relation::Equals);
        let has = |f: &str| ["size", "min_ram"].contains(&f);
        assert_eq!(
            (field_of("size_min", has), field_of("min_ram", has), field_of("max_size", has)),
            (Some("size".into()), Some("min_ram".into()), Some("size".into()))
        );
        assert_eq!(field_of("name", has), None);
        let f = propose(&candidate("name", Some("string"), "匹配规则为精确匹配"));
        assert_eq!(f.rule, Rule::Stated("匹配规则为精确匹配".into()));
    }

    #[test]
    fn guessed_filters_are_commented_out_and_a_block_without_stated_ones_entirely() {
        let name = propose(&candidate("name", Some("string"), "exact match"));
        let ram = propose(&candidate("min_ram", Some("integer"), ""));
        let text = render(&[name, ram.clone()], ("f.txt", "s"), "the page", true);
        assert!(text.contains("\nfilters:\n") && text.contains("\n    - param: \"name\"\n"), "{text}");
        assert!(text.contains("\n    # - param: \"min_ram\"\n    #   field: \"/min_ram\"\n    #   relation: at_least\n"), "{text}");
        let text = render(&[ram], ("f.txt", "s"), "the page", true);
        assert!(text.contains("\n# filters:\n") && !text.contains("\nfilters:"), "{text}");
    }
}
