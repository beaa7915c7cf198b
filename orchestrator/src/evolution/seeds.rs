//! Which seeds a run rolls its generators out with.
//!
//! - **Evolution seeds** are public (`seed, seed+1, …`): the parent's attribution record,
//!   the candidate's verification and the agents' previews use them, on the evolution part
//!   of the validation people. An agent may compute anything it likes with them.
//! - **Decision and confirmation seeds** are drawn for each round from the run's secret
//!   stream (a key stored in the run's database, out of every agent's reach) and revealed
//!   only in the round's record once the verdict is in, so no agent can tune a change to
//!   the draws that judge it. They never coincide with an evolution seed, and they differ
//!   from round to round.
//!
//! A run is reproducible from its seed and its secret (`--decision-secret` sets it).

use sha2::{Digest, Sha256};

/// The public evolution seeds: `first..first + count`.
pub fn evolution_seeds(first: u64, count: u32) -> Vec<u64> {
    (0..u64::from(count)).map(|i| first + i).collect()
}

/// The secret streams a round draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStream {
    /// The seeds that screen a candidate.
    Decision,
    /// Fresh seeds that confirm a candidate that passed screening.
    Confirmation,
    /// The resamples of the paired bootstrap.
    Bootstrap,
}

impl SecretStream {
    fn tag(self) -> &'static str {
        match self {
            SecretStream::Decision => "decision",
            SecretStream::Confirmation => "confirmation",
            SecretStream::Bootstrap => "bootstrap",
        }
    }
}

/// `count` seeds of `stream` for `round`, none of them in `public`: the first 8 bytes of
/// SHA-256(secret ‖ stream ‖ round ‖ i), big-endian, for i = 0, 1, …, skipping public ones
/// and repeats.
pub fn secret_seeds(
    secret: &str,
    stream: SecretStream,
    round: u32,
    count: u32,
    public: &[u64],
) -> Vec<u64> {
    let mut seeds = Vec::with_capacity(count as usize);
    let mut i: u64 = 0;
    while seeds.len() < count as usize {
        let seed = secret_u64(secret, stream, round, i);
        if !public.contains(&seed) && !seeds.contains(&seed) {
            seeds.push(seed);
        }
        i += 1;
    }
    seeds
}

/// One draw of a secret stream.
pub fn secret_u64(secret: &str, stream: SecretStream, round: u32, index: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(secret.as_bytes());
    hasher.update(b"/");
    hasher.update(stream.tag().as_bytes());
    hasher.update(round.to_be_bytes());
    hasher.update(index.to_be_bytes());
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

/// A new secret: 32 bytes from the operating system's generator, as hex.
pub fn new_secret() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| anyhow::anyhow!("reading /dev/urandom for the run's decision secret: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_seeds_differ_by_round_and_stream_and_avoid_public_seeds() {
        let public = evolution_seeds(7, 5);
        let r1 = secret_seeds("k", SecretStream::Decision, 1, 8, &public);
        let r2 = secret_seeds("k", SecretStream::Decision, 2, 8, &public);
        let c1 = secret_seeds("k", SecretStream::Confirmation, 1, 8, &public);
        assert_eq!(r1.len(), 8);
        assert!(r1.iter().all(|s| !r2.contains(s) && !c1.contains(s)));
        assert!(r1.iter().chain(&r2).chain(&c1).all(|s| !public.contains(s)));
        // Reproducible from the secret, different under another secret.
        assert_eq!(r1, secret_seeds("k", SecretStream::Decision, 1, 8, &public));
        assert_ne!(r1, secret_seeds("k2", SecretStream::Decision, 1, 8, &public));
    }

    #[test]
    fn a_public_seed_drawn_by_the_stream_is_skipped() {
        let first = secret_u64("k", SecretStream::Decision, 3, 0);
        let seeds = secret_seeds("k", SecretStream::Decision, 3, 2, &[first]);
        assert!(!seeds.contains(&first));
        assert_eq!(seeds[0], secret_u64("k", SecretStream::Decision, 3, 1));
    }

    #[test]
    fn a_new_secret_is_64_hex_digits_and_fresh() {
        let a = new_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_secret().unwrap());
    }
}
