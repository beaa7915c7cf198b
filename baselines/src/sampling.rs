//! Seeded randomness: one reproducible stream per person, and draws from count vectors.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random stream of one person: a function of the run seed and the person id only,
/// so a person's diary never depends on the order or set of other targets.
pub(crate) fn person_rng(seed: u64, person_id: &str) -> ChaCha8Rng {
    // FNV-1a over the id, then a splitmix64 finaliser to mix it with the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in person_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(splitmix64(seed ^ splitmix64(hash)))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Draws an index with probability proportional to `weights`; `None` when they sum to 0.
pub(crate) fn draw(rng: &mut ChaCha8Rng, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.gen::<f64>() * total;
    let mut last = None;
    for (i, &w) in weights.iter().enumerate() {
        if w <= 0.0 {
            continue;
        }
        if target < w {
            return Some(i);
        }
        target -= w;
        last = Some(i);
    }
    // Rounding left a sliver past the end: the last positive weight takes it.
    last
}

/// Index of the largest weight, the lowest index on ties; `None` when all are 0.
pub(crate) fn argmax(weights: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 && best.is_none_or(|b| w > weights[b]) {
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_never_picks_a_zero_weight_and_follows_the_weights() {
        let mut rng = person_rng(7, "p");
        let weights = [0.0, 1.0, 0.0, 3.0];
        let mut counts = [0usize; 4];
        for _ in 0..4000 {
            counts[draw(&mut rng, &weights).unwrap()] += 1;
        }
        assert_eq!(counts[0] + counts[2], 0);
        let share = counts[3] as f64 / 4000.0;
        assert!((share - 0.75).abs() < 0.03, "share of index 3 was {share}");
        assert_eq!(draw(&mut rng, &[0.0, 0.0]), None);
    }

    #[test]
    fn argmax_takes_the_first_of_equal_maxima() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), Some(1));
        assert_eq!(argmax(&[0.0, 0.0]), None);
    }

    #[test]
    fn person_streams_depend_on_seed_and_id() {
        let a: u64 = person_rng(1, "x").gen();
        assert_eq!(a, person_rng(1, "x").gen::<u64>());
        assert_ne!(a, person_rng(2, "x").gen::<u64>());
        assert_ne!(a, person_rng(1, "y").gen::<u64>());
    }
}
