//! Prompt templates (text files) and their rendering within a size budget.
