//! Where a page's links lead: the static report's files, or the dashboard's routes.

/// How pages link to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// The files [`crate::write_report`] writes: `report.<ext>` with the round pages in
    /// `rounds/round-NNNN.<ext>` beside it (`ext` is `html` or `md`).
    Static {
        /// `html` or `md`.
        ext: &'static str,
    },
    /// The dashboard's routes (`/runs/<run>`, `/runs/<run>/rounds/<round>`, …).
    Server,
}

impl Links {
    /// From the run page to a round's page.
    pub fn round_from_run(self, run: i64, round: u32) -> String {
        match self {
            Links::Static { ext } => format!("rounds/{}", round_file(round, ext)),
            Links::Server => format!("/runs/{run}/rounds/{round}"),
        }
    }

    /// From a round page to another round's page.
    pub fn round_from_round(self, run: i64, round: u32) -> String {
        match self {
            Links::Static { ext } => round_file(round, ext),
            Links::Server => format!("/runs/{run}/rounds/{round}"),
        }
    }

    /// From a round page (or the comparison page) back to the run page.
    pub fn run_from_page(self, run: i64) -> String {
        match self {
            Links::Static { ext } => format!("../report.{ext}"),
            Links::Server => format!("/runs/{run}"),
        }
    }

    /// The list of runs (the dashboard only).
    pub fn runs(self) -> Option<String> {
        match self {
            Links::Static { .. } => None,
            Links::Server => Some("/".into()),
        }
    }

    /// From the run page to its comparison table.
    pub fn comparison_from_run(self, run: i64) -> String {
        match self {
            Links::Static { .. } => "#comparison".into(),
            Links::Server => format!("/runs/{run}/comparison"),
        }
    }
}

/// `round-0007.html`.
pub fn round_file(round: u32, ext: &str) -> String {
    format!("round-{round:04}.{ext}")
}
