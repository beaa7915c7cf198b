//! The frozen evaluator: every diagnostic of both tasks, the Score, validity checks and
//! attribution records.
//!
//! The metric definitions are those of `shared/BENCHMARKS.md` ("Metrics"), which refine
//! Appendix C of the MobEvolve paper. Entry points:
//!
//! - [`evaluate`]: real vs generated diaries of one split → [`Evaluation`] (every
//!   diagnostic by name, the three group scores, the Score, side metrics).
//! - [`check_validity`]: is a generated diaries table a well-formed answer for a split?
//! - [`attribution`]: where the Score comes from, as an [`AttributionRecord`] with a
//!   compact text form for the evolving agent.
//! - [`inventory_timing`]: times the full inventory (for `orchestrator bench`).

mod attribution;
mod classification;
mod divergence;
mod evaluation;
mod inventory_timing;
mod tallies;
mod validity;

pub use attribution::{
    activity_string, attribution, diary_string, AttributionOptions, AttributionRecord,
    HourlyShareError, RepresentativePerson, SegmentScore, ZoneConfusion, ZonePairCount,
};
pub use classification::{weighted_f1, ClassTallies};
pub use divergence::{jsd, jsd_mean_max};
pub use evaluation::{
    confusion_scores, diagnostic_inventory, evaluate, evaluate_weighted, task_name, Diagnostic, DiagnosticGroup,
    Evaluation, SideMetrics, ACTIVITY_BEHAVIOR, ACTIVITY_DISTRIBUTION, ACTIVITY_INDIVIDUAL,
    EVALUATOR_VERSION, INVALID_RATE_WEIGHT, LOCATION_BEHAVIOR, LOCATION_DISTRIBUTION,
    LOCATION_INDIVIDUAL, MIN_SEGMENT_RECORDS,
};
pub use inventory_timing::{inventory_timing, synthetic_split, InventoryTiming};
pub use tallies::{
    distance_bin, first_nonhome_hour, last_return_home_hour, max_others_run, ACTIVITY_NIGHT,
    DISTANCE_BIN_EDGES_KM, LOCATION_NIGHT,
};
pub use validity::{check_validity, ValidityReport, Violation, ViolationKind};
