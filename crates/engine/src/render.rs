//! Plain-text rendering of verdicts, shared by the terminal, JUnit, annotations and the
//! Markdown report.

use std::fmt::Write;

use crate::check::group::{distinct_actuals, exchanges, group, pattern};
use crate::verdict::{Class, ExchangeRecord, Finding, Verdict};

/// The gist of a verdict on one line.
pub(crate) fn first_line(v: &Verdict) -> String {
    match (&v.reason, v.findings.first()) {
        (Some(r), _) => r.clone(),
        (None, Some(f)) => finding_line(f),
        (None, None) => v.outcome.as_str().to_string(),
    }
}

/// Where a finding is: its pointer, or for a group the pointer with indices generalised.
pub(crate) fn place(f: &Finding) -> String {
    if f.instances.is_empty() {
        f.pointer.clone()
    } else {
        pattern(&f.pointer)
    }
}

/// What an error's reason comes down to, for telling errors of one cause apart from others:
/// the reason without the context a case wraps it in ("could not list the catalogue: ") and
/// with each request's URL left out, so that every case of a target that is down, or every
/// refused connection, has one root. `None` for a verdict that is not an error.
pub(crate) fn root_reason(v: &Verdict) -> Option<String> {
    if v.class() != Class::Error {
        return None;
    }
    let reason = v.reason.as_deref()?;
    let reason = reason.strip_prefix("could not list the catalogue: ").unwrap_or(reason);
    let url = |w: &str| w.starts_with("http://") || w.starts_with("https://");
    let words: Vec<&str> = reason
        .split(' ')
        .map(|w| {
            if !url(w) {
                w
            } else if w.ends_with(':') {
                "…:"
            } else {
                "…"
            }
        })
        .collect();
    Some(words.join(" "))
}

pub(crate) fn finding_line(f: &Finding) -> String {
    let at = place(f);
    let at = if at.is_empty() { String::new() } else { format!(" at {at}") };
    let n = if f.instances.is_empty() { String::new() } else { format!(" ({})", count(f)) };
    format!("[{}]{at}{n} {}", f.check, f.message)
}

/// `45 of 300 items` / `3 places`.
pub(crate) fn count(f: &Finding) -> String {
    match f.of {
        Some(of) => format!("{} of {of} items", f.count()),
        None => format!("{} places", f.count()),
    }
}

/// Pointers shown per group before "… and N more".
pub(crate) const SHOWN_PLACES: usize = 3;

/// For a group: the first few pointers, the requests they were seen on and the distinct
/// actual values when few. `None` for a single finding.
pub(crate) fn spread(f: &Finding, v: &Verdict) -> Option<String> {
    if f.instances.is_empty() {
        return None;
    }
    let places = f.places();
    let mut s: Vec<String> = places.iter().take(SHOWN_PLACES).map(|i| i.pointer.clone()).collect();
    if places.len() > SHOWN_PLACES {
        s.push(format!("… and {} more", places.len() - SHOWN_PLACES));
    }
    let mut out = s.join(", ");
    let seen = exchanges(f);
    if seen.len() > 1 {
        let _ = write!(out, "; on {} of {} requests", seen.len(), v.exchanges.len());
    }
    if let Some(vals) = distinct_actuals(f, 4).filter(|v| v.len() > 1) {
        let vals: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
        let _ = write!(out, "; actual values: {}", vals.join(", "));
    }
    Some(out)
}

/// A JSON value as text of at most `max` characters (the whole value is in results.json).
pub(crate) fn short(v: &serde_json::Value, max: usize) -> String {
    let text = v.to_string();
    if text.chars().count() <= max {
        text
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// Characters of an expected or actual value shown in reports.
pub(crate) const SHOWN_VALUE: usize = 160;

/// `GET url -> status` for a recorded request.
pub(crate) fn request_line(ex: &ExchangeRecord) -> String {
    let st = ex.status.map(|c| c.to_string()).unwrap_or_else(|| ex.error.clone().unwrap_or_else(|| "no response".into()));
    match &ex.identity {
        Some(who) => format!("{} {} -> {st} (as {who})", ex.method, ex.url),
        None => format!("{} {} -> {st}", ex.method, ex.url),
    }
}

/// A verdict as a person reads it: what broke, where the rule is, and the requests that prove it.
pub(crate) fn verdict_text(v: &Verdict) -> String {
    verdict_text_with(v, None)
}

/// [`verdict_text`], with the reproduction command when there is one.
pub(crate) fn verdict_text_with(v: &Verdict, reproduce: Option<&str>) -> String {
    let mut s = String::new();
    let label = match v.class() {
        Class::Fail | Class::Warn => format!("FAIL ({})", v.level.as_str()),
        Class::Waived => "FAIL (waived)".to_string(),
        Class::Error => "ERROR (could not check)".to_string(),
        Class::Skip => "SKIP".to_string(),
        Class::Pass => "PASS".to_string(),
    };
    let _ = writeln!(s, "{label}: {}", v.id);
    let _ = writeln!(s, "  spec: {}   doc: {}", v.location, v.doc);
    if let Some(r) = &v.reason {
        let _ = writeln!(s, "  reason: {r}");
    }
    let findings = group(v.findings.clone());
    for f in &findings {
        let _ = writeln!(s, "  - {}", finding_line(f));
        let _ = writeln!(s, "      expected: {}", short(&f.expected, SHOWN_VALUE));
        let _ = writeln!(s, "      actual:   {}{}", short(&f.actual, SHOWN_VALUE), if f.instances.is_empty() { "" } else { " (first)" });
        if let Some(sp) = spread(f, v) {
            let _ = writeln!(s, "      where:    {sp}");
        }
        if let Some(ex) = f.exchange.and_then(|i| v.exchanges.get(i)) {
            let _ = writeln!(s, "      request:  {}", request_line(ex));
        }
    }
    // Requests that prove nothing in particular: the last few, unless the reason already names them.
    if findings.iter().all(|f| f.exchange.is_none()) {
        for ex in v.exchanges.iter().rev().take(3).rev().filter(|ex| !v.reason.as_deref().unwrap_or("").contains(&ex.url)) {
            let _ = writeln!(s, "  request: {}", request_line(ex));
        }
    }
    if let Some(r) = reproduce {
        let _ = writeln!(s, "  reproduce: {r}");
    }
    let _ = writeln!(s, "  requests spent: {}", v.requests);
    s
}
