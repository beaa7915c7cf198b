//! Linear scales and tick positions.

/// Linear map of a value range onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub from: (f64, f64),
    pub to: (f64, f64),
}

impl Scale {
    /// The pixel position of `v`.
    pub fn at(self, v: f64) -> f64 {
        let (a, b) = self.from;
        let (p, q) = self.to;
        if b == a {
            return (p + q) / 2.0;
        }
        p + (v - a) / (b - a) * (q - p)
    }
}

/// A 1, 2, 2.5 or 5 × 10^k step near `raw`, and the decimals its multiples need.
pub(crate) fn nice_step(raw: f64) -> (f64, usize) {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let (mantissa, extra) = match raw / base {
        m if m <= 1.0 => (1.0, 0),
        m if m <= 2.0 => (2.0, 0),
        m if m <= 2.5 => (2.5, 1),
        m if m <= 5.0 => (5.0, 0),
        _ => (10.0, 0),
    };
    let step = mantissa * base;
    let decimals = (-step.log10().floor()).max(0.0) as usize + extra;
    (step, decimals.min(8))
}

/// Ticks at multiples of a nice step inside `range`, about `count` of them, with labels.
pub(crate) fn nice_ticks(range: (f64, f64), count: usize) -> Vec<(f64, String)> {
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let (step, decimals) = nice_step((hi - lo) / count.max(1) as f64);
    let mut ticks = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 {
        let v = k * step;
        ticks.push((v, format_tick(v, decimals)));
        k += 1.0;
    }
    ticks
}

/// Integer ticks from `lo` to `hi` with a step of 1, 2, 5, 10, … giving at most `max` ticks.
pub(crate) fn integer_ticks(lo: i64, hi: i64, max: usize) -> Vec<(f64, String)> {
    let span = (hi - lo).max(1) as u64;
    let step = [
        1u64, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000,
    ]
    .into_iter()
    .find(|s| span / s < max as u64)
    .unwrap_or_else(|| span.div_ceil(max as u64).max(1)) as i64;
    let first = lo.div_euclid(step) * step;
    let mut ticks = Vec::new();
    let mut v = if first < lo { first + step } else { first };
    while v <= hi {
        ticks.push((v as f64, v.to_string()));
        v += step;
    }
    ticks
}

fn format_tick(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    // Avoid "-0.00".
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        return text.trim_start_matches('-').to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_and_ticks() {
        assert_eq!(nice_step(0.013), (0.02, 2));
        assert_eq!(nice_step(0.24), (0.25, 2));
        assert_eq!(nice_step(4.0), (5.0, 0));
        assert_eq!(nice_step(0.1), (0.1, 1));
        assert_eq!(format_tick(-0.0001, 2), "0.00");
        let t = nice_ticks((0.831, 0.909), 4);
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["0.84", "0.86", "0.88", "0.90"]);
        let r: Vec<String> = integer_ticks(0, 50, 11).into_iter().map(|t| t.1).collect();
        assert_eq!(
            r,
            ["0", "5", "10", "15", "20", "25", "30", "35", "40", "45", "50"]
        );
        assert_eq!(integer_ticks(0, 8, 11).len(), 9);
        assert_eq!(integer_ticks(0, 23, 9).len(), 5); // 0, 5, …, 20
    }
}
