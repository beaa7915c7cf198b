//! Jensen–Shannon divergence between two empirical distributions given as counts.

/// JSD(P, Q) = ½KL(P‖M) + ½KL(Q‖M), M = ½(P+Q), logarithm base 2, from two count vectors
/// indexed by the same labels (the union of the supports is every index where either
/// count is non-zero). Both empty: 0; exactly one empty: 1. The result is in `[0, 1]`;
/// identical distributions give exactly 0.
pub fn jsd(p: &[u64], q: &[u64]) -> f64 {
    assert_eq!(
        p.len(),
        q.len(),
        "jsd: count vectors over different label sets"
    );
    let np: u64 = p.iter().sum();
    let nq: u64 = q.iter().sum();
    match (np, nq) {
        (0, 0) => return 0.0,
        (0, _) | (_, 0) => return 1.0,
        _ => {}
    }
    let (np, nq) = (np as f64, nq as f64);
    let mut sum = 0.0;
    for (&cp, &cq) in p.iter().zip(q) {
        if cp == 0 && cq == 0 {
            continue;
        }
        let pi = cp as f64 / np;
        let qi = cq as f64 / nq;
        let m = 0.5 * (pi + qi);
        if cp > 0 {
            sum += 0.5 * pi * (pi / m).log2();
        }
        if cq > 0 {
            sum += 0.5 * qi * (qi / m).log2();
        }
    }
    sum.clamp(0.0, 1.0)
}

/// Mean and maximum of the JSDs of paired rows (e.g. one row per hour).
pub fn jsd_mean_max<'a>(rows: impl Iterator<Item = (&'a [u64], &'a [u64])>) -> (f64, f64) {
    let mut n = 0usize;
    let mut total = 0.0;
    let mut max = 0.0f64;
    for (p, q) in rows {
        let d = jsd(p, q);
        total += d;
        max = max.max(d);
        n += 1;
    }
    if n == 0 {
        (0.0, 0.0)
    } else {
        (total / n as f64, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_bounded() {
        let p = [3, 0, 1, 7];
        let q = [0, 2, 2, 1];
        let a = jsd(&p, &q);
        let b = jsd(&q, &p);
        assert!((a - b).abs() < 1e-15);
        assert!(a > 0.0 && a < 1.0);
    }

    #[test]
    fn scale_invariant() {
        assert_eq!(jsd(&[1, 2, 0], &[2, 4, 0]), 0.0);
    }
}
