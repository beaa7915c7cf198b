//! Every tunable constant of the generator, in one place.
//!
//! Contract (the evolution agent parses and edits this file with regexes): each tunable is
//! one line `pub const UPPER_SNAKE: <f64|usize> = <literal>;`, preceded by doc lines saying
//! what it controls, then `/// Range: <lo>..=<hi>` and `/// Targets: <diagnostic>, …`.
//! Nothing else in the crate holds a behavioural number.

// ---------------------------------------------------------------- 1. participation

/// Width in years of the age bands whose participation rate (share of people leaving home
/// at least once) is estimated within each segment.
/// Range: 5..=40
/// Targets: first_nonhome_hour_jsd, night_nonhome_count_jsd, slot_accuracy_error
pub const PARTICIPATION_AGE_BAND_YEARS: usize = 10;

/// Pseudo-count pulling an age band's participation rate towards its segment's rate
/// (larger = trust the segment more, useful for thin bands).
/// Range: 0.0..=200.0
/// Targets: first_nonhome_hour_jsd, worst_segment_activity_jsd
pub const PARTICIPATION_SHRINKAGE: f64 = 20.0;

// ---------------------------------------------------------------- 2. retrieval

/// How many of the most similar training routines a person chooses among.
/// Range: 1..=100
/// Targets: slot_accuracy_error, weighted_f1_error, pair_jsd, joint_accuracy_error
pub const NEIGHBOURS_K: usize = 10;

/// Location task: retrieval looks among routines of people from the same home zone (and
/// segment) when there are at least this many; a thinner home zone adds the routines of
/// its nearest home zones (nearest first) until it has this many.
/// Range: 1..=2000
/// Targets: joint_accuracy_error, work_location_jsd, others_location_jsd, nonhome_distance_jsd
pub const RETRIEVAL_MIN_POOL: usize = 50;

/// Sharpness of the choice among the k neighbours: weight = exp(temperature × (similarity −
/// best similarity)). 0 = uniform among the k; large = always the most similar.
/// Range: 0.0..=20.0
/// Targets: slot_accuracy_error, weighted_f1_error, hourly_activity_jsd_mean
pub const SIMILARITY_TEMPERATURE: f64 = 4.0;

/// Preference for routines that agree with the other neighbours (consensus = mean share of
/// the k neighbours doing the routine's activity at each hour, in 0..1): weight × exp(this
/// × consensus). Picks central routines of similar people: raises accuracy, lowers diversity.
/// Range: 0.0..=30.0
/// Targets: slot_accuracy_error, weighted_f1_error, joint_accuracy_error, worst_segment_joint_accuracy_error
pub const CONSENSUS_WEIGHT: f64 = 3.0;

/// Location task: preference for routines that agree with the other neighbours on activity
/// AND zone together (zone consensus = mean share of the k neighbours at the routine's
/// activity and zone at each hour, in 0..1): weight × exp(this × zone consensus). Picks
/// routines whose places are typical of similar people.
/// Range: 0.0..=30.0
/// Targets: joint_accuracy_error, joint_weighted_f1_error, worst_segment_joint_accuracy_error, work_location_jsd
pub const ZONE_CONSENSUS_WEIGHT: f64 = 3.0;

/// Location task: the zone consensus weight on school days (students on weekdays), in
/// place of [`ZONE_CONSENSUS_WEIGHT`]. Students of a home zone largely share their schools
/// (catchments) and school hours, so a routine whose places and times agree with similar
/// students is the likelier one.
/// Range: 0.0..=30.0
/// Targets: joint_accuracy_error, joint_weighted_f1_error, activity_accuracy_error
pub const SCHOOL_DAY_ZONE_CONSENSUS_WEIGHT: f64 = 15.0;

/// Similarity penalty for an age difference of `AGE_SCALE_YEARS` or more (linear below).
/// Range: 0.0..=5.0
/// Targets: student_school_count_jsd, slot_accuracy_error
pub const SIMILARITY_WEIGHT_AGE: f64 = 1.0;

/// Age difference (years) at which the age penalty saturates.
/// Range: 5.0..=60.0
/// Targets: student_school_count_jsd, slot_accuracy_error
pub const AGE_SCALE_YEARS: f64 = 20.0;

/// Similarity penalty for a different sex.
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, employed_others_count_jsd
pub const SIMILARITY_WEIGHT_SEX: f64 = 0.5;

/// Similarity penalty for a different work profile (labour status, full/part time,
/// occupation, student level).
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, employed_travel_count_jsd, employed_changed_pair_jsd
pub const SIMILARITY_WEIGHT_WORK: f64 = 3.0;

/// Similarity penalty for a difference of `WORK_HOURS_SCALE` or more usual weekly work hours.
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, hourly_activity_jsd_mean, employed_others_count_jsd
pub const SIMILARITY_WEIGHT_WORK_HOURS: f64 = 1.0;

/// Weekly work-hour difference at which the work-hours penalty saturates.
/// Range: 5.0..=60.0
/// Targets: slot_accuracy_error
pub const WORK_HOURS_SCALE: f64 = 20.0;

/// Similarity penalty for a different diary day (day of week, holiday, season).
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, worst_segment_activity_jsd
pub const SIMILARITY_WEIGHT_DAY: f64 = 0.5;

/// Similarity penalty for a different household situation (children in the household).
/// Range: 0.0..=5.0
/// Targets: nonwork_others_count_jsd, slot_accuracy_error
pub const SIMILARITY_WEIGHT_HOUSEHOLD: f64 = 0.3;

/// Similarity penalty for a different income band.
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, nonhome_distance_jsd
pub const SIMILARITY_WEIGHT_INCOME: f64 = 0.3;

/// Similarity penalty for a different industry of the main job: industries set when work
/// happens (retail and hospitality work weekends and evenings, health care and protective
/// services nights). Neutral for people without a job on both sides.
/// Range: 0.0..=5.0
/// Targets: night_work_count_jsd, first_nonhome_hour_jsd, employed_travel_count_jsd
pub const SIMILARITY_WEIGHT_INDUSTRY: f64 = 1.0;

/// Similarity penalty for a different occupation of the main job (shift work, field work,
/// office hours); with industry, a partly matching job counts half as different.
/// Range: 0.0..=5.0
/// Targets: night_work_count_jsd, first_nonhome_hour_jsd, employed_travel_count_jsd
pub const SIMILARITY_WEIGHT_OCCUPATION: f64 = 1.0;

/// Similarity penalty for a different class of worker of the main job: the self-employed
/// set their own hours and often work at home, on the road or at weekends; government
/// employees keep office hours. Neutral for people without a job on both sides.
/// Range: 0.0..=5.0
/// Targets: slot_accuracy_error, weighted_f1_error, employed_travel_count_jsd
pub const SIMILARITY_WEIGHT_CLASS: f64 = 1.0;

/// Similarity penalty for a different home zone (location task): routines of neighbours
/// keep their real destinations.
/// Range: 0.0..=5.0
/// Targets: joint_accuracy_error, work_location_jsd, nonhome_distance_jsd
pub const SIMILARITY_WEIGHT_HOME_ZONE: f64 = 3.0;

/// Similarity penalty when a feature is known for only one of the two people (neutral:
/// half a mismatch; unknown for both counts as a match).
/// Range: 0.0..=1.0
/// Targets: slot_accuracy_error
pub const UNKNOWN_FEATURE_MISMATCH: f64 = 0.5;

// ---------------------------------------------------------------- 3. adaptation

/// Location task: the most hours the away part of the day moves toward the typical start of
/// the main Work/School block among the person's neighbours (the median of their start
/// hours). 0 = keep the routine's own start.
/// Range: 0..=3
/// Targets: activity_accuracy_error, worst_segment_joint_accuracy_error, joint_accuracy_error
pub const TYPICAL_START_MAX_SHIFT: usize = 1;

// ---------------------------------------------------------------- 4. refinement

// Refinement's rules (see `refinement`) have no tunable numbers.
