#!/bin/bash
# One shard of a synthetic population per Slurm array task (see docs/sharding.md).
# Submit: JOB=$(sbatch --parsable docs/slurm-generate.sh)
# Merge:  sbatch --dependency=afterok:$JOB --wrap 'cat out/plans-*.xml.gz > plans.xml.gz'
#SBATCH --job-name=mobevolve-generate
#SBATCH --array=0-15
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=logs/generate-%a.log
set -euo pipefail

# Must match --array: shards 0..N-1.
N=16
I=${SLURM_ARRAY_TASK_ID}

mkdir -p out
orchestrator generate \
  --benchmark santiago-2012 --bench out/bench \
  --persons people.csv \
  --format matsim --mode car --seed 7 \
  --threads "${SLURM_CPUS_PER_TASK}" \
  --shard "${I}/${N}" \
  --out "out/plans-$(printf '%05d' "${I}").xml.gz"
