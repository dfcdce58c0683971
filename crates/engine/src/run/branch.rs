//! Branches of one case: its independent walks and probes sent at once, each through a session
//! forked from the case's, at most `Context::branches` in flight. Only the pages of one walk
//! follow one another. The branches' exchanges are put back in the order the case listed the
//! branches, and the exchange indices in what each returns are moved to match, so that
//! exchanges, findings and reports read as if the branches had run one after another, in
//! whatever order their answers came.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

use super::session::{Chain, Session};
use crate::verdict::Shift;

/// Run `branch` on each of `items` at once, each with a session of its own; returns what each
/// returned, in the order of `items`. The case's chain of dependent requests grows by the
/// longest chain of the branches (as they were given places among `Context::branches`).
pub(crate) async fn branches<'a, I, T, F, Fut>(session: &mut Session<'a>, items: impl IntoIterator<Item = I>, branch: F) -> Vec<T>
where
    F: Fn(Session<'a>, I) -> Fut,
    Fut: Future<Output = (Session<'a>, T)>,
    T: Shift,
{
    let places = session.ctx.branches.max(1);
    let started: Vec<_> = items.into_iter().enumerate().map(|(n, item)| (n, branch(session.fork(), item))).collect();
    let mut done: Vec<(usize, (Session<'a>, T))> =
        stream::iter(started).map(|(n, run)| async move { (n, run.await) }).buffer_unordered(places).collect().await;
    done.sort_by_key(|(n, _)| *n);
    session.waited(longest(done.iter().map(|(_, (s, _))| s.chain()), places));
    done.into_iter()
        .map(|(_, (fork, mut out))| {
            let offset = session.absorb(fork);
            out.shift(offset);
            out
        })
        .collect()
}

/// The longest chain of branches whose chains are `chains`, given `places` to run in, each
/// branch taking the place that frees first (in the order given).
fn longest(chains: impl Iterator<Item = Chain>, places: usize) -> Chain {
    let mut ends: Vec<Chain> = Vec::new();
    for chain in chains {
        if ends.len() < places {
            ends.push(chain);
        } else if let Some(first) = ends.iter_mut().min() {
            *first = first.then(chain);
        }
    }
    ends.into_iter().max().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn chain(requests: usize) -> Chain {
        Chain { requests, elapsed: Duration::from_millis(100 * requests as u64) }
    }

    #[test]
    fn branches_with_a_place_each_cost_their_longest_chain() {
        assert_eq!(longest([chain(3), chain(60), chain(2)].into_iter(), 8), chain(60));
        assert_eq!(longest(std::iter::empty(), 8), Chain::default());
    }

    #[test]
    fn branches_beyond_the_places_wait_for_the_first_place_free() {
        // Two places: 3 and 5 start; 4 follows 3 (free first), 2 follows 5 (free at 5 < 7).
        assert_eq!(longest([chain(3), chain(5), chain(4), chain(2)].into_iter(), 2), chain(7));
        // One place: everything one after another.
        assert_eq!(longest([chain(3), chain(5), chain(4)].into_iter(), 1), chain(12));
    }
}
