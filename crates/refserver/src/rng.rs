//! Deterministic pseudo-random numbers (SplitMix64): the whole catalogue derives from one seed.
//!
//! The generator is `rand_xoshiro`'s SplitMix64, seeded with the seed itself as its state
//! (`seed_from_u64`), which is the textbook sequence. The tests pin its first outputs: a seed
//! names the same catalogue forever, so a release that changed them could not be taken.

use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::SplitMix64;

/// The increment SplitMix64 adds to its state before each output (2^64 / φ).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A SplitMix64 generator with the draws the catalogue needs.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    inner: SplitMix64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng { inner: SplitMix64::seed_from_u64(seed) }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`); the multiply-shift bias is far below anything observable here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Picks an index according to integer weights.
    pub(crate) fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len() - 1
    }

    /// A random version-4 UUID as a `u128`.
    pub(crate) fn uuid(&mut self) -> u128 {
        let raw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        as_uuid_v4(raw)
    }
}

/// The SplitMix64 finaliser; also used as a cheap stateless hash of ids. It is the one output
/// of a generator whose state is one step short of `z`.
pub(crate) fn mix(z: u64) -> u64 {
    SplitMix64::seed_from_u64(z.wrapping_sub(GOLDEN_GAMMA)).next_u64()
}

/// Sets the version (4) and variant (RFC 4122) bits so the id looks like every other uuid4.
pub(crate) fn as_uuid_v4(raw: u128) -> u128 {
    uuid::Builder::from_random_bytes(raw.to_be_bytes()).into_uuid().as_u128()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue, the goldens and the case counts in the docs follow from these numbers:
    /// they must never change.
    #[test]
    fn sequences_and_hashes_stay_what_they_have_always_been() {
        let mut r = Rng::new(0);
        assert_eq!([r.next_u64(), r.next_u64(), r.next_u64()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]);
        let mut r = Rng::new(20_261_122);
        assert_eq!((r.below(1000), r.below(7), r.chance(50), r.weighted(&[3, 1, 6])), (35, 0, false, 2));
        assert_eq!(Rng::new(3).uuid(), 0x1d0b_14e4_db01_4fed_b346_6f8a_7b81_a989);
        assert_eq!([mix(0), mix(1), mix(u64::MAX)], [0, 0x5692_161D_100B_05E5, 0xB4D0_55FC_F2CB_BD7B]);
    }

    #[test]
    fn same_seed_same_sequence() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, (0..5).scan(Rng::new(8), |r, _| Some(r.next_u64())).collect::<Vec<_>>());
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(1);
        assert!((0..10_000).all(|_| r.below(7) < 7));
    }

    #[test]
    fn uuid_has_version_and_variant() {
        let id = Rng::new(3).uuid();
        assert_eq!((id >> 76) & 0xF, 4);
        assert_eq!((id >> 62) & 0x3, 2);
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut r = Rng::new(9);
        assert!((0..1000).all(|_| r.weighted(&[0, 5, 0]) == 1));
    }
}
