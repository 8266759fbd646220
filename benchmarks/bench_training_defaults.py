#!/usr/bin/env python3
"""Issue 17: which architecture settings learn from the first epochs (numbers in BENCHMARKS.md).

Trains each variant with the same seeds on one dataset through ``satori.train.fit`` (the
loop satori-train runs) and prints, per variant and seed, the validation AUC and the
validation attention entropy per epoch and the test AUC of the kept (lowest validation
loss) epoch. Variants are '+'-joined ``ModelConfig`` switches:

    paper     the paper's basic model (flatten readout, no batch norm, no position bias)
    mean      --readout mean
    bn        --batchnorm
    bn+mean   both
    rel       --relative-positions on (a learned attention bias per head and offset);
              mean+rel at --lr 3e-3 is satori-train's default architecture
    res       --residual-attention on
    cnn       the issue's plain CNN reference (Conv1d F x 13, ReLU, global max pool,
              Linear 32, ReLU, Linear 1; Adam 1e-3, batch 128)

The dead-model setting of the issue (3 000 data-40 sequences, seed 3; 32 filters, 64
linear units; 6 epochs):
    satori-simulate --preset data-40 --n-seqs 3000 --seed 3 --outdir dead3k
    python benchmarks/bench_training_defaults.py dead3k --variants paper,mean,bn,bn+mean,cnn \
        --seeds 1,2,3,4,5 --epochs 6 --n-filters 32 --linear-units 64
Full size (data-40, 20 000 sequences, seed 11; defaults; 10 epochs):
    python benchmarks/bench_training_defaults.py data40 --variants paper,bn+mean --seeds 1 --epochs 10
"""

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from satori.data.dataset import load_dataset  # noqa: E402
from satori.models import ModelConfig, build  # noqa: E402
from satori.train import TrainSettings, evaluate, fit  # noqa: E402


class PlainCNN(nn.Module):
    """The issue's ten-line reference CNN (returns dummy uniform attention for the loop)."""

    def __init__(self, n_filters: int):
        super().__init__()
        self.conv = nn.Conv1d(4, n_filters, 13)
        self.head = nn.Sequential(nn.Linear(n_filters, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x, return_attention=False):
        logits = self.head(torch.relu(self.conv(x)).amax(dim=-1))
        return (logits, torch.full((len(x), 1, 2, 2), 0.5)) if return_attention else logits


def make_model(variant: str, length: int, n_filters: int, linear_units: int):
    if variant == "cnn":
        return PlainCNN(n_filters)
    parts = set(variant.split("+")) - {"paper"}
    unknown = parts - {"mean", "bn", "rel", "res"}
    if unknown:
        raise SystemExit(f"unknown variant part(s) {sorted(unknown)}")
    return build(ModelConfig(length=length, n_filters=n_filters, linear_units=linear_units,
                             batchnorm="bn" in parts, readout="mean" if "mean" in parts else "flatten",
                             relative_positions="rel" in parts, residual_attention="res" in parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="directory with sequences.fa.gz and labels.tsv")
    ap.add_argument("--variants", default="paper,bn+mean,cnn")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--n-filters", type=int, default=200)
    ap.add_argument("--linear-units", type=int, default=512)
    ap.add_argument("--entropy-lambda", type=float, default=0.0)
    ap.add_argument("--entropy-warmup", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3, help=f"Adam learning rate (satori-train's default is {TrainSettings.lr:g})")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset(Path(args.data) / "sequences.fa.gz", Path(args.data) / "labels.tsv")
    X_test, y_test = data.subset("test")
    device = torch.device("cpu")
    for variant in args.variants.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            torch.manual_seed(seed)
            model = make_model(variant, data.length, args.n_filters, args.linear_units)
            settings = TrainSettings(max_epochs=args.epochs, patience=0, seed=seed, lr=args.lr,
                                     entropy_lambda=args.entropy_lambda, entropy_warmup=args.entropy_warmup)
            start = time.perf_counter()
            result = fit(model, data, settings, device, progress=False)
            per_epoch = (time.perf_counter() - start) / args.epochs
            test_auc = evaluate(model, X_test, y_test, 256, device)["metrics"]["mean_auc_roc"]
            valid = " ".join(f"{r['valid_auc']:.3f}" for r in result.history)
            entropy = " ".join(f"{r['valid_entropy']:.1f}" for r in result.history)
            print(f"{variant:10s} seed {seed} lr {args.lr:g} lambda {args.entropy_lambda:g} warmup {args.entropy_warmup}: "
                  f"valid AUC [{valid}] entropy [{entropy}] kept epoch {result.best_epoch} "
                  f"test AUC {test_auc:.3f} {per_epoch:.1f} s/epoch", flush=True)


if __name__ == "__main__":
    main()
