//! How fast each target answered: one line per target on stderr once the run is over, with the
//! percentiles of its answers' times and its slowest endpoint (method and path, the query left
//! out). Requests that got no answer are counted apart.

use std::collections::BTreeMap;

use crate::events::{Event, Subscriber};

#[derive(Default)]
pub(crate) struct Latency {
    /// Per target, per endpoint (`GET /v2/images`): the milliseconds of each answer.
    answered: BTreeMap<String, BTreeMap<String, Vec<u64>>>,
    /// Per target: requests that got no answer (refused, timed out, dropped).
    unanswered: BTreeMap<String, usize>,
}

/// The `q`-quantile (0..=1) of sorted `ms`, nearest rank.
fn quantile(ms: &[u64], q: f64) -> u64 {
    let rank = ((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
    ms[rank - 1]
}

/// `GET http://h:1/v2/images?limit=5` → `GET /v2/images`. Sliced, not parsed: it runs once per
/// exchange, and the URL is one the run built.
fn endpoint(method: &str, url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    format!("{method} {path}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::ExchangeRecord;

    fn answer(url: &str, ms: u64, status: Option<u16>) -> ExchangeRecord {
        ExchangeRecord { method: "GET".into(), url: url.into(), status, elapsed_ms: ms, error: None, shared: false }
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
    fn quantiles_by_nearest_rank() {
        assert_eq!([0.0, 0.5, 0.95, 1.0].map(|q| quantile(&[10, 20, 30, 40], q)), [10, 20, 40, 40]);
    }
}
