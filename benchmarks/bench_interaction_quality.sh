#!/usr/bin/env bash
# End-to-end interaction quality (issue 4; numbers in BENCHMARKS.md):
# simulate data-40 -> train basic model (lambda 0 and 0.01) -> filter-motifs (jaspar | simulation)
# -> interpret-raw (--compare present | all) -> evaluate. Prints one RESULT line per setting.
#   bash benchmarks/bench_interaction_quality.sh [WORKDIR] [N_SEQS] [EPOCHS] [THREADS]
set -euo pipefail
W=${1:-bench-quality}; N=${2:-20000}; E=${3:-10}; T=${4:-1}
mkdir -p "$W" && cd "$W"
satori-simulate --outdir sim --preset data-40 --n-seqs "$N" --seed 11
D="--fasta sim/sequences.fa.gz --labels sim/labels.tsv --threads $T"
for lam in 0 0.01; do
  [ -f "model_l$lam/model.pt" ] || satori-train $D --outdir "model_l$lam" --entropy-lambda "$lam" --max-epochs "$E" --seed 1
  for db in jaspar simulation; do
    extra=""; [ "$db" = simulation ] && extra="--motif-db sim/motifs.meme"
    satori-filter-motifs --model "model_l$lam" $D $extra --outdir "fm_${lam}_$db"
    for cmp in present all; do
      satori-interpret-raw --model "model_l$lam" $D --filter-motifs "fm_${lam}_$db/filter_motifs.tsv" \
          --compare "$cmp" --outdir "raw_${lam}_${db}_$cmp"
      satori-evaluate --interactions "raw_${lam}_${db}_$cmp/tf_interactions.tsv" --truth sim/pairs.tsv \
          --db-label "$db" --outdir "ev_${lam}_${db}_$cmp"
      python3 -c "import json; d=json.load(open('ev_${lam}_${db}_$cmp/evaluation.json')); print('RESULT lambda=$lam db=$db compare=$cmp', {k: d[k] for k in ('n_predicted', 'precision', 'recall', 'f1')})"
    done
  done
done
