//! The interpretable generator evolved by the loop: participation, retrieval, adaptation, refinement.
