//! Partitions: one of N disjoint shares of a plan, so that N CI jobs run a suite between them
//! (`--partition count:1/3`, `--partition hash:2/3`), with nextest's syntax and semantics.
//!
//! - `count:I/N` deals the selected cases out in plan order: case k goes to share k mod N.
//!   Shares differ by at most one case.
//! - `hash:I/N` puts a case in share hash(id) mod N: a case stays in its share when other
//!   cases are added or removed, so a partitioned job's history stays comparable.
//!
//! Both apply after the libtest filters (a filtered-out case takes no slot), are stable from run
//! to run, and the N shares are disjoint and together hold every selected case.

use std::fmt;
use std::str::FromStr;

/// How the cases are shared out, and which share this run takes (1-based, as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub kind: Kind,
    /// The share this run takes, `1..=total`.
    pub share: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    Hash,
}

impl Partition {
    /// Whether the case with this id, the `position`-th (0-based) of the selected cases,
    /// belongs to this share.
    pub(crate) fn takes(&self, position: usize, id: &str) -> bool {
        let slot = match self.kind {
            Kind::Count => position as u64 % self.total,
            Kind::Hash => stable_hash(id) % self.total,
        };
        slot == self.share - 1
    }
}

/// FNV-1a, 64 bits: the same on every platform and in every release, so a case keeps its share.
fn stable_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        let form = "expected `count:I/N` or `hash:I/N` with 1 <= I <= N, e.g. `hash:1/4`";
        let (kind, rest) = s.split_once(':').ok_or_else(|| format!("`{s}`: {form}"))?;
        let kind = match kind {
            "count" => Kind::Count,
            "hash" => Kind::Hash,
            other => return Err(format!("unknown partition kind `{other}`: {form}")),
        };
        let (share, total) = rest.split_once('/').ok_or_else(|| format!("`{s}`: {form}"))?;
        let number = |t: &str| t.trim().parse::<u64>().map_err(|_| format!("`{s}`: `{t}` is not a number; {form}"));
        let (share, total) = (number(share)?, number(total)?);
        if total == 0 || share == 0 || share > total {
            return Err(format!("`{s}`: {form}"));
        }
        Ok(Partition { kind, share, total })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Count => "count",
            Kind::Hash => "hash",
        };
        write!(f, "{kind}:{}/{}", self.share, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("specs/a.yaml::case-{i}")).collect()
    }

    fn shares(kind: &str, total: u64, ids: &[String]) -> Vec<Vec<String>> {
        (1..=total)
            .map(|share| {
                let p: Partition = format!("{kind}:{share}/{total}").parse().unwrap();
                ids.iter().enumerate().filter(|(k, id)| p.takes(*k, id)).map(|(_, id)| id.clone()).collect()
            })
            .collect()
    }

    #[test]
    fn shares_are_disjoint_and_cover_every_case() {
        let all = ids(101);
        for kind in ["count", "hash"] {
            for total in [1, 2, 3, 7] {
                let mut seen: Vec<String> = shares(kind, total, &all).into_iter().flatten().collect();
                seen.sort();
                let mut want = all.clone();
                want.sort();
                assert_eq!(seen, want, "{kind} with {total} shares");
            }
        }
    }

    #[test]
    fn count_deals_cases_round_robin() {
        let s = shares("count", 3, &ids(7));
        assert_eq!(s.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2, 2]);
        assert_eq!(s[1], ["specs/a.yaml::case-1", "specs/a.yaml::case-4"]);
    }

    #[test]
    fn a_hashed_case_keeps_its_share_when_others_come_and_go() {
        let before = shares("hash", 4, &ids(50));
        let after = shares("hash", 4, &ids(80));
        for (b, a) in before.iter().zip(&after) {
            assert!(b.iter().all(|id| a.contains(id)));
        }
        // Pinned, so that a change of hash function (which would reshuffle every CI matrix)
        // shows up here.
        assert_eq!(stable_hash("specs/a.yaml::case-0"), 0xe3c0_77b9_687d_e915);
    }

    #[test]
    fn malformed_partitions_are_refused_with_the_form() {
        for bad in ["", "count", "count:0/3", "count:4/3", "hash:1/0", "slice:1/2", "count:a/2", "count:1-2"] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.contains("count:I/N") || e.contains("unknown partition kind"), "{bad}: {e}");
        }
        assert_eq!("hash:2/5".parse::<Partition>().unwrap().to_string(), "hash:2/5");
    }
}
