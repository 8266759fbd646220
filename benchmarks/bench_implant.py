"""Benchmark: satori-implant on the data-40 benchmark model (issue 18).

Runs a default ``satori-implant`` in this process (the pairs of --interactions that are
significant plus as many controls) and prints

1. AUC of the cooperativity score ranking the true pairs (--truth, pairs.tsv) above the
   other tested TF pairs (Mann-Whitney, ties half);
2. precision / recall (against every true pair) of the pairs significant in attention
   (q < 0.05 in --interactions) and of those significant in both attention and
   implantation (q < 0.05 and cooperativity > 0);
3. the share of the true pairs found (significant in both) whose best gap is within the
   simulated 8-15 bp;
4. the wall time of the run and its floor: the same number of forward passes of the same
   model, batch size and threads through satori.batching.predict over one fixed batch (no
   variant building), timed alone in this process; --floor-fraction < 1 times that
   fraction of the passes and scales it up linearly (stated in the output);
5. the peak memory of the process (resource.getrusage max RSS).

    python benchmarks/bench_implant.py --threads 1 \\
        --model /work/bench/m40/model --data /work/bench/data40 \\
        --filter-motifs /work/bench/m40/fm/filter_motifs.tsv \\
        --interactions /work/bench/m40/raw/tf_interactions.tsv --outdir /work/bench/i18
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from satori import formats  # noqa: E402
from satori.evaluate import evaluate, normalise_pair, read_predictions, read_truth  # noqa: E402


def auc(scores, labels) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def floor_seconds(model_dir, n_passes, batch_size, length, fraction):
    """Seconds of ``n_passes`` forward passes over one fixed batch (scaled from ``fraction``)."""
    import torch

    from satori import models
    from satori.batching import predict
    from satori.memory import release_free_memory

    model = models.load(model_dir)
    rng = np.random.default_rng(0)
    batch = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, size=(batch_size, length))].transpose(0, 2, 1).copy()
    batch = torch.from_numpy(batch)

    class Repeat:
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, sl):
            return batch[: sl.stop - sl.start]

    n = max(batch_size, int(round(n_passes * fraction)))
    out = np.empty((n, model.config.n_labels), dtype=np.float32)

    def keep(logits, sl):  # as the screen keeps its logits (satori.interpret.implant.screen.run_screen)
        out[sl] = logits.float().cpu().numpy()
        release_free_memory()

    predict(model, Repeat(batch_size), batch_size)  # warm-up
    t = time.perf_counter()
    predict(model, Repeat(n), batch_size, reduce=keep)
    return (time.perf_counter() - t) * n_passes / n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="/work/bench/m40/model")
    ap.add_argument("--data", default="/work/bench/data40", help="folder with sequences.fa.gz, labels.tsv, pairs.tsv")
    ap.add_argument("--filter-motifs", default="/work/bench/m40/fm/filter_motifs.tsv")
    ap.add_argument("--interactions", default="/work/bench/m40/raw/tf_interactions.tsv")
    ap.add_argument("--outdir", default="/work/bench/i18")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--floor-fraction", type=float, default=1.0)
    ap.add_argument("extra", nargs="*", help="more satori-implant options (after --)")
    args = ap.parse_args()

    from satori.cli import implant as cli_implant

    data = Path(args.data)
    out = Path(args.outdir)
    cmd = ["--model", args.model, "--fasta", str(data / formats.SEQUENCES_FA), "--labels", str(data / formats.LABELS_TSV),
           "--filter-motifs", args.filter_motifs, "--interactions", args.interactions, "--outdir", str(out),
           "--threads", str(args.threads), "--device", "cpu", *args.extra]
    print("satori-implant " + " ".join(cmd), flush=True)
    t = time.perf_counter()
    status = cli_implant.main(cmd)
    wall = time.perf_counter() - t
    if status:
        raise SystemExit(status)
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    summary, options = params["summary"], params["options"]

    table = pd.read_csv(out / formats.IMPLANT_TSV, sep="\t", keep_default_na=False)
    truth = read_truth(data / formats.PAIRS_TSV)
    keys = [normalise_pair(a, b) for a, b in zip(table.tf1, table.tf2)]
    is_true = np.array([k in truth for k in keys])
    coop = pd.to_numeric(table.cooperativity, errors="coerce").fillna(-np.inf).to_numpy()
    q = pd.to_numeric(table.q, errors="coerce").fillna(1.0).to_numpy()
    print(f"\npairs tested: {len(table)} ({int(table.control.sum())} controls), true among them: {int(is_true.sum())} "
          f"of {len(truth)}; forward passes: {summary['n_forward_passes']}")
    print(f"(1) AUC of cooperativity, true vs other tested pairs: {auc(coop, is_true):.3f}")

    attention = read_predictions(args.interactions)
    att = evaluate(attention, truth, 0.05)
    att_sig = {p for p, qq in zip(attention.pair, attention.q) if qq < 0.05}
    implant_sig = {k for k, qq, c in zip(keys, q, coop) if qq < 0.05 and c > 0}
    both = pd.DataFrame({"pair": pd.Series(sorted(att_sig | set(keys)), dtype=object)})
    both["q"] = [0.0 if (p in att_sig and p in implant_sig) else 1.0 for p in both.pair]
    bo = evaluate(both, truth, 0.05)
    print(f"(2) attention alone: precision {att['precision']:.3f} recall {att['recall']:.3f} "
          f"(TP {att['n_tp']}, FP {att['n_fp']}); attention and implantation: precision {bo['precision']:.3f} "
          f"recall {bo['recall']:.3f} (TP {bo['n_tp']}, FP {bo['n_fp']}); recall kept "
          f"{(bo['recall'] / att['recall'] if att['recall'] else float('nan')):.2f} of attention's")
    found = table[[k in truth and k in implant_sig and k in att_sig for k in keys]]
    in_range = ((found.best_gap >= 8) & (found.best_gap <= 15)).mean() if len(found) else float("nan")
    print(f"(3) true pairs found: {len(found)}; best gap within 8-15 bp: {in_range:.2f} "
          f"(best gaps: {sorted(found.best_gap.tolist())})")

    floor, n_timed = floor_seconds(args.model, summary["n_forward_passes"], options["batch_size"],
                                   int(json.loads((Path(args.model) / formats.CONFIG_JSON).read_text())["length"]),
                                   args.floor_fraction)
    note = "" if n_timed >= summary["n_forward_passes"] else f" (timed {n_timed} passes, scaled)"
    print(f"(4) wall {wall:.1f} s (screen {summary['seconds_screen']:.1f} s, statistics {summary['seconds_stats']:.1f} s); "
          f"floor {floor:.1f} s{note}; wall / floor {wall / floor:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"(5) peak RSS {peak:.2f} GiB")


if __name__ == "__main__":
    main()
