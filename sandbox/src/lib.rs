//! Candidate worktrees (git2), scope checks, and limited, isolated builds and rollouts of untrusted generator code.
