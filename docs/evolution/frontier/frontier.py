#!/usr/bin/env python3
"""How far can a per-person generator go on the validation split? (docs/evolution/frontier.md)

Reference points for the Score of BENCHMARKS.md, measured on a prepared benchmark's validation people,
each scored by `orchestrator evaluate` (the product's evaluator):

  ATUS-2014 (activity task)
  1. A per-slot classifier (scikit-learn gradient boosting, one per hour, trained on the train
     split's features) gives each validation person a predicted activity distribution per hour:
     - `sampler accuracy`: the slot accuracy expected when each slot is drawn from it,
     - `per-slot mode`: the diary of each hour's most likely activity, scored.
  2. `random donor`: each person copies a random training diary of their segment (three seeds):
     what divergence terms (Distribution + Behavior) a sample of real diaries scores.
  3. `--predictions FILE`: a generator's output, scored as is and after a within-segment
     permutation that maximises the classifier's expected slot matches (a population-level
     assignment, which no per-person generator can make): every Distribution and Behavior term
     is unchanged by construction.

  Santiago-2012 (activity-location task), `--santiago BENCH_DIR`: the same classifier on the
  activity label only (sampler accuracy and per-slot mode accuracy). With `--draws FILE...`
  (several rollouts of one generator on the validation split, different seeds): each person's
  most central of the first M draws (the one agreeing most, slot by slot on activity and zone,
  with all the draws), scored for M = 1, 2, 4, 8: how far a per-person pull towards the
  typical day trades divergence for individual accuracy.

Needs pandas, numpy, scipy, scikit-learn. Reads the train and val splits only (never test).

  python3 docs/evolution/frontier/frontier.py --bench out/bench --orchestrator target/release/orchestrator \\
      [--predictions atus-val.csv]
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.ensemble import HistGradientBoostingClassifier

ACTIVITIES = ["Home", "Work", "School", "Others", "Travel"]
HOURS = [f"h{h:02d}" for h in range(24)]
NOT_FEATURES = {"person_id", "household_id", "wt", "Factor", "state"}
# Numeric features (the rest are categories).
NUMERIC = {"age", "edad", "work_hrs_week", "weekly_earn", "hh_size", "num_children",
           "NumPer", "NumVeh", "NumBicAdulto", "NumBicNino", "IngresoHogar", "ingreso"}


def read_split(bench: Path, split: str):
    persons = pd.read_csv(bench / split / "persons.csv", dtype=str)
    diaries = pd.read_csv(bench / split / "diaries.csv", dtype=str).set_index("person_id")
    return persons, diaries.loc[persons.person_id]


def encode(train: pd.DataFrame, val: pd.DataFrame):
    """Feature matrices for train and val, and which columns are categorical."""
    both = pd.concat([train, val])
    columns = [c for c in train.columns if c not in NOT_FEATURES]
    matrix = pd.DataFrame(index=both.index)
    categorical = []
    for c in columns:
        if c in NUMERIC:
            matrix[c] = pd.to_numeric(both[c], errors="coerce")
        else:
            matrix[c] = both[c].fillna("NA").astype("category").cat.codes
        categorical.append(c not in NUMERIC)
    values = matrix.values
    return values[: len(train)], values[len(train):], categorical


def hourly_probabilities(train, train_diaries, val):
    """(val people, 24, 5): each hour's predicted activity distribution."""
    x_train, x_val, categorical = encode(train, val)
    probabilities = np.zeros((len(val), 24, len(ACTIVITIES)))
    for h, hour in enumerate(HOURS):
        y = train_diaries[hour].map(ACTIVITIES.index).values
        model = HistGradientBoostingClassifier(
            categorical_features=categorical, max_iter=100, learning_rate=0.08,
            early_stopping=False, random_state=0,
        ).fit(x_train, y)
        probabilities[:, h, model.classes_] = model.predict_proba(x_val)
    return probabilities


def evaluate(orchestrator, bench_root, benchmark, table: pd.DataFrame):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        table.to_csv(f, index=False)
    out = subprocess.check_output([
        orchestrator, "evaluate", "--bench", str(bench_root), "--benchmark", benchmark,
        "--split", "val", "--predictions", f.name, "--json",
    ])
    Path(f.name).unlink()
    return json.loads(out)


def line(name, report):
    accuracy = 1 - next(d["value"] for d in report["diagnostics"]
                        if d["name"] in ("slot_accuracy_error", "activity_accuracy_error"))
    print(f"  {name:34s} Score {report['score']:.4f}  Individual {report['individual']:.4f}  "
          f"Distribution {report['distribution']:.4f}  Behavior {report['behavior']:.4f}  "
          f"slot accuracy {accuracy:.4f}", flush=True)


def diaries_table(ids, activities):
    table = pd.DataFrame(activities, columns=HOURS)
    table.insert(0, "person_id", ids)
    return table


def classifier(bench: Path):
    """Train and val people, train diaries, and the classifier's (val, 24, 5) predictions;
    prints the sampler's expected and the per-slot mode's slot accuracy."""
    train, train_diaries = read_split(bench, "train")
    val, val_diaries = read_split(bench, "val")
    print(f"{bench.name}: {len(train)} train, {len(val)} validation people")
    p = hourly_probabilities(train, train_diaries, val)
    real = val_diaries[HOURS].apply(lambda col: col.map(ACTIVITIES.index)).values
    sampler = np.take_along_axis(p, real[:, :, None], 2).mean()
    mode = (p.argmax(2) == real).mean()
    print(f"  classifier (activity): sampler accuracy {sampler:.4f}, "
          f"per-slot mode accuracy {mode:.4f}")
    return train, train_diaries, val, p


def atus(args):
    train, train_diaries, val, p = classifier(args.bench / "atus-2014")
    names = np.array(ACTIVITIES)
    line("per-slot mode diary", evaluate(args.orchestrator, args.bench, "atus-2014",
                                         diaries_table(val.person_id.values, names[p.argmax(2)])))
    segment_train = (train.group + train.day_type).values
    segment_val = (val.group + val.day_type).values
    donors_diaries = train_diaries[HOURS].values
    for seed in range(3):
        rng = np.random.default_rng(seed)
        rows = [donors_diaries[rng.choice(np.flatnonzero(segment_train == s))] for s in segment_val]
        line(f"random donor (seed {seed})", evaluate(args.orchestrator, args.bench, "atus-2014",
                                                     diaries_table(val.person_id.values, rows)))
    if args.predictions:
        generated = pd.read_csv(args.predictions, dtype=str).set_index("person_id")
        generated = generated.loc[val.person_id][HOURS].values
        line("generator", evaluate(args.orchestrator, args.bench, "atus-2014",
                                   diaries_table(val.person_id.values, generated)))
        one_hot = np.stack([(generated == a) for a in ACTIVITIES], axis=2).astype(float)
        permuted = generated.copy()
        for s in np.unique(segment_val):
            people = np.flatnonzero(segment_val == s)
            fit = np.einsum("ihk,jhk->ij", p[people], one_hot[people])
            rows, cols = linear_sum_assignment(-fit)
            permuted[people[rows]] = generated[people[cols]]
        line("generator, permuted in segments", evaluate(
            args.orchestrator, args.bench, "atus-2014", diaries_table(val.person_id.values, permuted)))


def santiago(args):
    bench = args.santiago
    _, _, val, _ = classifier(bench)
    if not args.draws:
        return
    draws = [pd.read_csv(f, dtype=str).set_index("person_id").loc[val.person_id] for f in args.draws]
    zones = [f"l{h:02d}" for h in range(24)]
    joint = np.stack([d[HOURS].values.astype(object) + "@" + d[zones].values.astype(object)
                      for d in draws])
    for m in (1, 2, 4, 8):
        if m > len(draws):
            break
        agreement = np.stack([(joint[i][None] == joint).sum(axis=(0, 2)) for i in range(m)])
        central = agreement.argmax(0)
        table = draws[0].copy()
        for i in range(m):
            table.loc[central == i] = draws[i].loc[central == i].values
        line(f"most central of {m} draws", evaluate(args.orchestrator, bench.parent,
                                                     "santiago-2012", table.reset_index()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, required=True,
                        help="prepared benchmarks folder (holding atus-2014/)")
    parser.add_argument("--orchestrator", default="orchestrator")
    parser.add_argument("--predictions", type=Path,
                        help="a generator's ATUS validation diaries to permute")
    parser.add_argument("--santiago", type=Path,
                        help="prepared santiago-2012 folder, for its activity classifier")
    parser.add_argument("--draws", type=Path, nargs="*",
                        help="several seeds' rollouts of a generator on santiago-2012 val")
    args = parser.parse_args()
    atus(args)
    if args.santiago:
        santiago(args)


if __name__ == "__main__":
    main()
