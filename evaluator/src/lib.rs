//! The frozen evaluator: every diagnostic of both tasks, the Score, validity checks and attribution records.
