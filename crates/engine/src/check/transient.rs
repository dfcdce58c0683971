//! Errors that come and go: a request answered 5xx, then answered otherwise when retried. The
//! retry kept the run going, but the server failed a request a client without retries would
//! have seen fail, so it is reported (a `should` when it is all the case found), not hidden.

use serde_json::json;

use crate::http::Exchange;
use crate::verdict::{CheckId, Conclusion, Finding};

/// Requests shown by name in a finding; the rest are counted.
const SHOWN: usize = 5;

/// One finding for the exchanges that were answered 5xx and then, on a retry, not: how many,
/// which, and what each got.
pub(crate) fn came_and_went(exchanges: &[Exchange]) -> Option<Finding> {
    let transient: Vec<(usize, &Exchange)> = exchanges
        .iter()
        .enumerate()
        .filter(|(_, ex)| ex.error.is_none() && ex.status.is_some_and(|s| s < 500) && ex.retried.iter().any(|s| (500..600).contains(s)))
        .collect();
    let (first, ex) = *transient.first()?;
    let shown: Vec<serde_json::Value> = transient
        .iter()
        .take(SHOWN)
        .map(|(_, ex)| json!({"request": format!("{} {}", ex.method, ex.url), "retried": ex.retried, "answer": ex.status}))
        .collect();
    let got = ex.retried.iter().map(u16::to_string).collect::<Vec<_>>().join(", then ");
    let finding = Finding::new(
        CheckId::Transient,
        "",
        json!("every request answered without a 5xx"),
        json!({"requests": shown, "count": transient.len()}),
        format!(
            "{} request(s) answered 5xx and then, retried, {}: {} {} got {got}, then {}",
            transient.len(),
            ex.status.unwrap_or_default(),
            ex.method,
            ex.url,
            ex.status.unwrap_or_default()
        ),
    );
    Some(finding.on(first))
}

/// The case's conclusion with the transient errors it met, and whether they are all it
/// found (the case then fails at `should`, whatever its own level).
pub(crate) fn joined(conclusion: Conclusion, transient: Option<Finding>) -> (Conclusion, bool) {
    let Some(t) = transient else { return (conclusion, false) };
    match conclusion {
        Conclusion::Pass => (Conclusion::Fail(vec![t]), true),
        Conclusion::Fail(mut f) => {
            f.push(t);
            (Conclusion::Fail(f), false)
        }
        Conclusion::Error(r, mut f) => {
            f.push(t);
            (Conclusion::Error(r, f), false)
        }
        skip @ Conclusion::Skip(_) => (skip, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retried: &[u16]) -> Exchange {
        let mut ex = Exchange::new("GET", format!("http://h/v2/images?s={status}"));
        ex.status = Some(status);
        ex.retried = retried.to_vec();
        ex
    }

    #[test]
    fn a_5xx_retried_away_is_a_finding_a_429_or_a_lasting_5xx_is_not() {
        assert!(came_and_went(&[answer(200, &[]), answer(200, &[429]), answer(503, &[503, 503])]).is_none());
        let f = came_and_went(&[answer(200, &[]), answer(200, &[503]), answer(404, &[502, 503])]).unwrap();
        assert_eq!(f.check, CheckId::Transient);
        assert_eq!(f.exchange, Some(1));
        assert_eq!(f.actual["count"], json!(2));
        assert!(
            f.message.starts_with("2 request(s) answered 5xx and then, retried, 200: GET http://h/v2/images?s=200 got 503, then 200"),
            "{}",
            f.message
        );
    }

    #[test]
    fn alone_it_makes_a_passing_case_fail_at_should_beside_others_it_joins_them() {
        let f = || came_and_went(&[answer(200, &[503])]);
        assert!(matches!(joined(Conclusion::Pass, f()), (Conclusion::Fail(v), true) if v.len() == 1));
        let other = Finding::new(CheckId::Schema, "", json!(1), json!(2), "x");
        assert!(matches!(joined(Conclusion::Fail(vec![other]), f()), (Conclusion::Fail(v), false) if v.len() == 2));
        assert!(matches!(joined(Conclusion::Skip("s".into()), f()), (Conclusion::Skip(_), false)));
        assert!(matches!(joined(Conclusion::Pass, None), (Conclusion::Pass, false)));
    }
}
