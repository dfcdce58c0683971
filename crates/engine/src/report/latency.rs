//! How fast each target answered: one line per target on stderr once the run is over, with the
//! percentiles of its answers' times and its slowest endpoint (method and path, the query left
//! out). Requests that got no answer are counted apart. The reports show the same figures per
//! target and endpoint, with a histogram of the times (`per_endpoint`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::events::{Event, Subscriber};

#[derive(Default)]
pub(crate) struct Latency {
    /// Per target, per endpoint (`GET /v2/images`): the milliseconds of each answer.
    answered: BTreeMap<String, BTreeMap<String, Vec<u64>>>,
    /// Per target: requests that got no answer (refused, timed out, dropped).
    unanswered: BTreeMap<String, usize>,
}

/// The `q`-quantile (0..=1) of sorted `ms`, nearest rank.
pub(crate) fn quantile(ms: &[u64], q: f64) -> u64 {
    let rank = ((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
    ms[rank - 1]
}

/// `GET http://h:1/v2/images?limit=5` → `GET /v2/images`. Sliced, not parsed: it runs once per
/// exchange, and the URL is one the run built.
pub(crate) fn endpoint(method: &str, url: &str) -> String {
    format!("{method} {}", path(url))
}

/// `http://h:1/v2/images?limit=5` → `/v2/images`.
pub(crate) fn path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

impl Latency {
    fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (target, endpoints) in &self.answered {
            // Each endpoint's times sorted once, for its p95 and for the target's percentiles.
            let sorted: Vec<(&String, Vec<u64>)> = endpoints
                .iter()
                .map(|(name, ms)| {
                    let mut ms = ms.clone();
                    ms.sort_unstable();
                    (name, ms)
                })
                .collect();
            let mut all: Vec<u64> = sorted.iter().flat_map(|(_, ms)| ms.iter().copied()).collect();
            all.sort_unstable();
            let mut line = format!(
                "latency on `{target}`: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms over {} answers",
                quantile(&all, 0.5),
                quantile(&all, 0.95),
                quantile(&all, 0.99),
                all.last().copied().unwrap_or(0),
                all.len()
            );
            if sorted.len() > 1 {
                if let Some((name, p95)) = sorted.iter().map(|(name, ms)| (name, quantile(ms, 0.95))).max_by_key(|(_, p95)| *p95) {
                    line.push_str(&format!("; slowest {name} (p95 {p95} ms)"));
                }
            }
            if let Some(n) = self.unanswered.get(target) {
                line.push_str(&format!("; {n} requests unanswered"));
            }
            lines.push(line);
        }
        lines
    }
}

impl Subscriber for Latency {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            // Another request's answer: its time was counted there.
            Event::Exchange { exchange, .. } if exchange.shared => {}
            Event::Exchange { target, exchange, .. } if exchange.status.is_some() => {
                // Once per exchange: the target's name is copied only the first time.
                if !self.answered.contains_key(*target) {
                    self.answered.insert(target.to_string(), BTreeMap::new());
                }
                let endpoints = self.answered.get_mut(*target).expect("inserted above");
                endpoints.entry(endpoint(&exchange.method, &exchange.url)).or_default().push(exchange.elapsed_ms);
            }
            Event::Exchange { target, .. } => *self.unanswered.entry(target.to_string()).or_default() += 1,
            Event::RunFinished { .. } => {
                for line in self.lines() {
                    eprintln!("specgate: {line}");
                }
            }
            _ => {}
        }
    }
}

/// A spec's `latency:` bounds, as the run records them (in `results.json`, `run.latency`) so
/// that `specgate report` judges them again from the recorded requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The spec (its path, as verdicts name it).
    pub spec: String,
    /// Where the block is declared: `file:line`.
    pub location: String,
    #[serde(flatten)]
    pub bounds: crate::spec::model::Latency,
}

impl Budget {
    /// The bounds the specs state.
    pub fn of(specs: &[std::sync::Arc<crate::spec::Spec>]) -> Vec<Budget> {
        specs
            .iter()
            .filter_map(|s| {
                let l = s.file.latency.as_ref()?;
                Some(Budget { spec: s.path.clone(), location: format!("{}:{}", s.path, l.referenced.line()), bounds: l.value.clone() })
            })
            .collect()
    }
}

/// The bounds broken, as root causes: per budget, target and bound, the answers over it and
/// the cases that saw them. Judged on every answered request of the spec's cases on the target.
pub(crate) fn breaches(budgets: &[Budget], verdicts: &[crate::verdict::Verdict]) -> Vec<super::roots::RootCause> {
    use crate::verdict::{CheckId, Class};
    let mut out = Vec::new();
    for b in budgets {
        let mut targets: Vec<&str> = Vec::new();
        for v in verdicts.iter().filter(|v| v.spec == b.spec) {
            if !targets.contains(&v.target.as_str()) {
                targets.push(&v.target);
            }
        }
        for target in targets {
            let mine: Vec<&crate::verdict::Verdict> = verdicts.iter().filter(|v| v.spec == b.spec && v.target == target).collect();
            let answers = || mine.iter().flat_map(|v| v.exchanges.iter().filter(|e| e.status.is_some()));
            let mut ms: Vec<u64> = answers().map(|e| e.elapsed_ms).collect();
            if ms.is_empty() {
                continue;
            }
            ms.sort_unstable();
            // The endpoint most of the spec's requests went to.
            let mut endpoints: Vec<(String, usize)> = Vec::new();
            for e in answers() {
                let name = super::roots::endpoint(&e.method, &e.url);
                match endpoints.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, n)) => *n += 1,
                    None => endpoints.push((name, 1)),
                }
            }
            let endpoint = endpoints.iter().max_by_key(|(_, n)| *n).map(|(e, _)| e.clone());
            for (name, q, bound) in b.bounds.bounds() {
                let seen = quantile(&ms, q);
                if seen <= bound {
                    continue;
                }
                let over = ms.iter().filter(|&&t| t > bound).count();
                let cases = mine
                    .iter()
                    .filter(|v| v.exchanges.iter().any(|e| e.status.is_some() && e.elapsed_ms > bound))
                    .map(|v| super::roots::CaseOn { id: format!("{}::{}", v.spec, v.case), target: v.target.clone() })
                    .collect();
                let class = if b.bounds.level() == crate::spec::model::Level::Must { Class::Fail } else { Class::Warn };
                out.push(super::roots::RootCause {
                    class,
                    targets: vec![target.to_string()],
                    check: CheckId::Latency,
                    pointer: String::new(),
                    expected: serde_json::json!({ format!("{name}_ms"): bound }),
                    endpoint: endpoint.clone(),
                    headline: format!("{name} is {seen} ms, over the {bound} ms the spec allows"),
                    places: over,
                    of: Some(ms.len()),
                    cases,
                    location: b.location.clone(),
                });
            }
        }
    }
    out
}

/// Upper bounds (ms) of the histogram's buckets; the last bucket holds the rest. Steps of
/// 1-2-5, so that a 3 ms local answer and a 3 s remote one both land in a bar of their own.
pub(crate) const BUCKETS: [u64; 12] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/// The answer times of one endpoint of one target, as the reports show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndpointTimes {
    pub target: String,
    /// `GET /v2/images` (ids in the path folded, see `roots::endpoint`).
    pub endpoint: String,
    /// Requests sent, answered or not.
    pub requests: usize,
    /// Requests that got no answer (refused, timed out, dropped).
    pub unanswered: usize,
    /// Attempts that were sent again (a 429, a 502–504, no answer), over all its requests.
    #[serde(default)]
    pub retries: usize,
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
    pub max: u64,
    /// Answers per bucket of [`BUCKETS`] (and one more for the slower ones).
    pub histogram: Vec<usize>,
}

/// Per target and endpoint, in order of first request (each target's together): the percentiles of the answers' times,
/// requests and the unanswered ones, and the histogram. From the requests the verdicts record.
pub(crate) fn per_endpoint(verdicts: &[crate::verdict::Verdict]) -> Vec<EndpointTimes> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut times: std::collections::HashMap<(String, String), (Vec<u64>, usize, usize)> = std::collections::HashMap::new();
    for v in verdicts {
        for e in &v.exchanges {
            let key = (v.target.clone(), super::roots::endpoint(&e.method, &e.url));
            let entry = times.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (Vec::new(), 0, 0)
            });
            entry.2 += e.retried.len();
            match e.status {
                Some(_) => entry.0.push(e.elapsed_ms),
                None => entry.1 += 1,
            }
        }
    }
    // Each target's endpoints together, targets in order of their first request.
    let targets: Vec<String> = order.iter().fold(Vec::new(), |mut seen, (t, _)| {
        if !seen.contains(t) {
            seen.push(t.clone());
        }
        seen
    });
    order.sort_by_key(|(t, _)| targets.iter().position(|x| x == t));
    order
        .into_iter()
        .map(|key| {
            let (mut ms, unanswered, retries) = times.remove(&key).unwrap_or_default();
            ms.sort_unstable();
            let mut histogram = vec![0; BUCKETS.len() + 1];
            for &t in &ms {
                histogram[BUCKETS.iter().position(|&b| t < b).unwrap_or(BUCKETS.len())] += 1;
            }
            let at = |q| if ms.is_empty() { 0 } else { quantile(&ms, q) };
            EndpointTimes {
                requests: ms.len() + unanswered,
                unanswered,
                retries,
                p50: at(0.5),
                p95: at(0.95),
                p99: at(0.99),
                max: ms.last().copied().unwrap_or(0),
                histogram,
                target: key.0,
                endpoint: key.1,
            }
        })
        .collect()
}

/// A bucket's label: `< 1 ms`, `20–50 ms`, `≥ 5000 ms`.
pub(crate) fn bucket_label(i: usize) -> String {
    match i {
        0 => format!("< {} ms", BUCKETS[0]),
        i if i < BUCKETS.len() => format!("{}–{} ms", BUCKETS[i - 1], BUCKETS[i]),
        _ => format!("≥ {} ms", BUCKETS[BUCKETS.len() - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Class, ExchangeRecord};

    fn answer(url: &str, ms: u64, status: Option<u16>) -> ExchangeRecord {
        ExchangeRecord { status, elapsed_ms: ms, ..ExchangeRecord::get(url) }
    }

    #[test]
    fn one_line_per_target_with_its_percentiles_and_slowest_endpoint() {
        let mut l = Latency::default();
        for ms in 1..=100 {
            let ex = answer("http://h/v2/images?limit=5", ms, Some(200));
            l.on(&Event::Exchange { index: 0, id: "a", target: "t", exchange: &ex }, 0);
        }
        let slow = answer("http://h/v2/cloudimages", 900, Some(200));
        l.on(&Event::Exchange { index: 0, id: "a", target: "t", exchange: &slow }, 0);
        let refused = answer("http://h/v2/cloudimages", 3, None);
        l.on(&Event::Exchange { index: 0, id: "a", target: "t", exchange: &refused }, 0);
        assert_eq!(
            l.lines(),
            ["latency on `t`: p50 51 ms, p95 96 ms, p99 100 ms, max 900 ms over 101 answers; slowest GET /v2/cloudimages (p95 900 ms); 1 requests unanswered"]
        );
    }

    #[test]
    fn an_endpoint_is_its_method_and_path() {
        assert_eq!(endpoint("GET", "http://127.0.0.1:8/v2.1/p/images/detail?limit=5#x"), "GET /v2.1/p/images/detail");
        assert_eq!(endpoint("GET", "https://h"), "GET /");
    }

    #[test]
    fn per_endpoint_times_with_percentiles_unanswered_requests_and_a_histogram() {
        let mut v = crate::verdict::sample(crate::verdict::Outcome::Pass, crate::spec::model::Level::Must);
        v.exchanges = (1..=100).map(|ms| answer("http://h/v2/images?limit=5", ms, Some(200))).collect();
        v.exchanges.push(answer("http://h/v2/images/6f1c2a3b-0000-4000-8000-00000000abcd", 7000, Some(200)));
        v.exchanges.push(answer("http://h/v2/images", 3, None));
        let t = per_endpoint(&[v]);
        let shown: Vec<(&str, usize, usize, [u64; 4])> =
            t.iter().map(|e| (e.endpoint.as_str(), e.requests, e.unanswered, [e.p50, e.p95, e.p99, e.max])).collect();
        assert_eq!(shown, [("GET /v2/images", 101, 1, [50, 95, 99, 100]), ("GET /v2/images/{id}", 1, 0, [7000; 4])]);
        assert_eq!(t[0].histogram, [0, 1, 3, 5, 10, 30, 50, 1, 0, 0, 0, 0, 0], "1 | 2-4 | 5-9 | … | 100");
        assert_eq!(t[1].histogram.last(), Some(&1));
        assert_eq!([0, 5, 12].map(bucket_label), ["< 1 ms", "20–50 ms", "≥ 5000 ms"]);
    }

    #[test]
    fn a_broken_bound_is_a_root_cause_should_unless_the_spec_says_must() {
        use crate::spec::model::{Latency, Level};
        let mut v = crate::verdict::sample(crate::verdict::Outcome::Pass, Level::Must);
        v.exchanges = (1..=100).map(|ms| answer("http://h/v2/images?limit=5", ms * 10, Some(200))).collect();
        let mut bounds = Latency { level: None, doc: None, why: None, p50_ms: Some(600), p95_ms: Some(900), p99_ms: None, max_ms: None };
        let budget = |bounds: &Latency| vec![Budget { spec: "s".into(), location: "s:9".into(), bounds: bounds.clone() }];
        let roots = breaches(&budget(&bounds), &[v.clone()]);
        assert_eq!(roots.len(), 1, "p50 500 ms keeps its bound: {roots:#?}");
        let r = &roots[0];
        assert_eq!(
            (r.class, r.headline.as_str(), r.extent()),
            (Class::Warn, "p95 is 950 ms, over the 900 ms the spec allows", "10/100 answers, seen by 1 case".into())
        );
        assert_eq!((r.endpoint.as_deref(), r.location.as_str()), (Some("GET /v2/images"), "s:9"));
        bounds.level = Some(Level::Must);
        assert_eq!(breaches(&budget(&bounds), &[v])[0].class, Class::Fail);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        assert_eq!([0.0, 0.5, 0.95, 1.0].map(|q| quantile(&[10, 20, 30, 40], q)), [10, 20, 40, 40]);
    }
}
