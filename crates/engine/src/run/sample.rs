//! Deterministic sampling of values from a catalogue: the same seed picks the same values.

use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::SplitMix64;

/// SplitMix64 (the reference server's generator too): tiny, good enough to shuffle candidate
/// values reproducibly.
pub(crate) struct Rng(SplitMix64);

impl Rng {
    /// A generator for one purpose (`salt`, e.g. a parameter name) under the run's seed.
    pub(crate) fn new(seed: u64, salt: &str) -> Rng {
        // FNV-1a, so the salt's contribution is stable across platforms and releases.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in salt.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(SplitMix64::seed_from_u64(seed ^ h))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Up to `n` of `items`, chosen without replacement, in a seed-determined order.
    pub(crate) fn choose<T: Clone>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in (1..idx.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        idx.into_iter().take(n).map(|i| items[i].clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_choice_other_seed_other_choice() {
        let items: Vec<u32> = (0..50).collect();
        let a = Rng::new(7, "name").choose(&items, 5);
        assert_eq!(a, Rng::new(7, "name").choose(&items, 5));
        assert_ne!(a, Rng::new(8, "name").choose(&items, 5));
        assert_ne!(a, Rng::new(7, "status").choose(&items, 5));
        let mut sorted = a.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
    }

    /// The sequence of the hand-written generator this one replaced: the samples of a seed
    /// stay what they were.
    #[test]
    fn the_sequence_is_splitmix64s() {
        let mut rng = Rng::new(1, "");
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut state: u64 = 1 ^ 0xcbf2_9ce4_8422_2325;
        let by_hand: Vec<u64> = (0..3)
            .map(|_| {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^ (z >> 31)
            })
            .collect();
        assert_eq!(first, by_hand);
    }

    #[test]
    fn choosing_more_than_available_returns_all() {
        assert_eq!(Rng::new(1, "x").choose(&[1, 2], 5).len(), 2);
    }
}
