#!/usr/bin/env bash
# Issue 16: filter names and interaction F1 at exact and cluster level, beside the random
# baseline, on a trained model of an existing simulation (numbers in BENCHMARKS.md).
# Chain per motif database (jaspar = bundled JASPAR2024 CORE vertebrates, simulation = the
# simulation's motifs.meme), --compare mode and --tf-test (pooled: TF and cluster pairs tested
# with their filters pooled; best-filter: the paper's mapping): satori-filter-motifs ->
# satori-interpret-raw -> satori-evaluate (--clusters cluster_interactions.tsv). Prints the top
# filter names and one RESULT line per setting.
#   bash benchmarks/bench_motif_names.sh MODEL_DIR SIM_DIR WORKDIR [THREADS]
set -euo pipefail
M=$1; S=$2; W=$3; T=${4:-1}
mkdir -p "$W"
D="--fasta $S/sequences.fa.gz --labels $S/labels.tsv --threads $T"
for db in jaspar simulation; do
  extra=""; [ "$db" = simulation ] && extra="--motif-db $S/motifs.meme"
  satori-filter-motifs --model "$M" $D $extra --outdir "$W/fm_$db" --log-level WARNING
  python3 - "$W/fm_$db/filter_motifs.tsv" "$db" "$S/pairs.tsv" <<'PY'
import collections, sys
import pandas as pd
t = pd.read_csv(sys.argv[1], sep="\t", keep_default_na=False)
a = t[t.tf != ""]
top = collections.Counter(a.tf).most_common(3)
share = top[0][1] / len(a) if len(a) else 0.0
# named after a simulated TF, or after a member of a cluster that holds one
truth = pd.read_csv(sys.argv[3], sep="\t")
simulated = set(truth.tf1) | set(truth.tf2)
sim = sum(tf in simulated or bool(simulated & set(str(c).split(","))) for tf, c in zip(a.tf, a.cluster_tfs))
print(f"NAMES db={sys.argv[2]} annotated {len(a)} of {len(t)}; named after a simulated TF or its cluster "
      f"{sim} ({sim / max(len(a), 1):.2f}); mean IC of the annotated {a.ic.astype(float).mean():.2f} bits; "
      f"top TFs {top} (top share {share:.2f}); top clusters {collections.Counter(a.cluster_name).most_common(3)}")
PY
  for cmp in present all; do
   for tft in pooled best-filter; do
    R="$W/raw_${db}_${cmp}_$tft"
    satori-interpret-raw --model "$M" $D --filter-motifs "$W/fm_$db/filter_motifs.tsv" --compare "$cmp" \
        --tf-test "$tft" --outdir "$R" --log-level WARNING
    satori-evaluate --interactions "$R/tf_interactions.tsv" --clusters "$R/cluster_interactions.tsv" \
        --truth "$S/pairs.tsv" --db-label "$db" --outdir "$W/ev_${db}_${cmp}_$tft" --log-level WARNING
    python3 - "$W/ev_${db}_${cmp}_$tft/evaluation.json" "$db" "$cmp" "$tft" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = lambda x: f"P {x['precision']:.3f} R {x['recall']:.3f} F1 {x['f1']:.3f}"
c = d.get("cluster", {})
print(f"RESULT db={sys.argv[2]} compare={sys.argv[3]} tf-test={sys.argv[4]} exact: n={d['n_predicted']} {f(d)} | "
      f"random {f(d['random_baseline'])}"
      + (f" || cluster: n={c['n_predicted']} {f(c)} | random {f(c['random_baseline'])}" if c else ""))
PY
   done
  done
done
