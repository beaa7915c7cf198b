//! What the terminal shows while a run is driven: a bar over the rounds, the current
//! phase as its message, and one line per finished round (fed by the run's events,
//! `event_feed.rs`). Hidden when stderr is not a
//! terminal (indicatif draws nothing then); the round lines always print.

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(rounds: u32) -> Progress {
        let bar = ProgressBar::new(rounds as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} round {pos}/{len} [{elapsed_precise}] {wide_bar} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress { bar }
    }

    pub fn round(&self, round: u32) {
        self.bar.set_position(round.saturating_sub(1) as u64);
    }

    /// The phase in progress (its stored name), and which attempt.
    pub fn phase(&self, round: u32, phase: &str, attempt: u32) {
        let again = if attempt > 1 {
            format!(" (attempt {attempt})")
        } else {
            String::new()
        };
        self.bar
            .set_message(format!("round {round}: {phase}{again}"));
    }

    /// A line that stays on screen above the bar.
    pub fn line(&self, text: &str) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
        tracing::info!("{text}");
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
