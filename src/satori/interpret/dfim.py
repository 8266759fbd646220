"""Deep Feature Interaction Maps (DFIM) with DeepLIFT as the interaction map (``satori-dfim``).

For each sequence:

1. *hits*: a pooled position j holds a hit when some filter's max-pooled activation
   there exceeds its hit threshold (``interpret.hits``, the thresholds of
   ``satori-interpret-raw``, computed on the foreground). The hit's *window* is the
   k-mer of the strongest hitting filter at its best conv position inside pooled
   window j (conv position c -> bases c .. c+k-1).
2. *mutants*: for every hit (the source) one mutant in which the source window's bases
   are replaced by random bases drawn from the sequence's own base frequencies
   (background-frequency random bases; a dinucleotide shuffle of a 6-10 bp window
   often returns the window unchanged). The random generator is seeded by ``seed``
   and the sequence's content, so a sequence gets the same mutants in any batch.
3. *attribution*: DeepLIFT/SHAP (tangermeme ``deep_lift_shap``) of the target output
   (the label's logit; several labels: the sum of the logits of the sequence's true
   labels) for the sequence and all its mutants, in batches of ``dl_batch``
   sequence-reference pairs. References: ``n_shuffles`` seeded dinucleotide shuffles of
   the ORIGINAL sequence, shared by its mutants, so a change of attribution comes from
   the mutation and not from different references.
4. *map*: entry (i, j) = |Σ over the target window's bases of the attribution on the
   actual bases (mutant of source i) − the same sum (original)|, for hits i != j whose
   windows do not overlap (targets at least one pool width away and untouched by the
   mutation); 0 elsewhere. Shape (L', L'), >= 0.

The map goes through the same pair scoring as the other interpreters
(``interpret.interactions``): the score of a filter pair in a sequence is the largest
entry between positions holding the two filters (both directions), i.e. per sequence
and filter pair the maximum |Δ attribution|. Statistics, cutoff and tables are shared.

Cost: (hits + 1) x ``n_shuffles`` DeepLIFT forward+backward passes per sequence.
The convergence of DeepLIFT (Σ attribution = f(X) − mean f(references)) is checked on
the first batch; a relative delta above 1% is logged as a warning.
"""

import logging
import warnings
import zlib
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from satori.interpret.hits import capture_conv

log = logging.getLogger("satori")

METHOD = "dfim"
DEFAULT_SHUFFLES = 10
DEFAULT_DL_BATCH = 256
DELTA_WARN = 0.01


class TargetOutput(torch.nn.Module):
    """F(X) = Σ_k w_k logit_k as a (n, 1) output for DeepLIFT; ``w`` (n, n_labels) is an extra input."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (self.model(X) * w).sum(dim=1, keepdim=True)


def target_weights(labels: Optional[torch.Tensor], n: int, n_labels: int) -> torch.Tensor:
    """(n, n_labels): ones for one label; the sequence's 0/1 labels for several."""
    if n_labels == 1 or labels is None:
        return torch.ones(n, n_labels)
    return labels.detach().float().cpu()


def hit_windows(conv: torch.Tensor, thresholds: torch.Tensor, pool: int, length: int) -> List[List[Tuple[int, int]]]:
    """The hit windows of each sequence.

    conv: (b, F, L_conv) first-layer activations; thresholds: (F,); pool p; length L'.
    Returns, per sequence, a list of (pooled position j, conv start c) for every pooled
    position with a hit, c = best conv position of the strongest hitting filter in
    window j (bases c .. c+k-1).
    """
    b, n_f, _ = conv.shape
    conv = conv[:, :, :length * pool].float().cpu()
    windows = conv.view(b, n_f, length, pool)  # (b, F, L', p)
    pooled, arg = windows.max(dim=3)  # (b, F, L')
    thr = thresholds.float().cpu()[None, :, None]
    hits = pooled > thr
    strength = torch.where(hits, pooled, torch.full_like(pooled, -np.inf))
    best_val, best_f = strength.max(dim=1)  # (b, L')
    out = []
    for s in range(b):
        js = torch.nonzero(torch.isfinite(best_val[s])).flatten().tolist()
        out.append([(j, j * pool + int(arg[s, best_f[s, j], j])) for j in js])
    return out


def mutate(x: np.ndarray, start: int, width: int, seed: int) -> np.ndarray:
    """Copy of one-hot ``x`` (4, L) with bases start..start+width-1 replaced by random bases.

    Bases are drawn from the sequence's own base frequencies with a generator seeded by
    ``seed`` and the sequence's content and ``start`` (deterministic in any batch).
    """
    freq = x.sum(axis=1).astype(np.float64) + 1.0
    rng = np.random.default_rng([sequence_seed(x, seed), start])
    bases = rng.choice(4, size=width, p=freq / freq.sum())
    y = x.copy()
    y[:, start:start + width] = 0
    y[bases, np.arange(start, start + width)] = 1
    return y


def sequence_seed(x: np.ndarray, seed: int) -> int:
    """A seed from ``seed`` and the content of one-hot ``x`` (the same in any batch)."""
    return (seed * 1_000_003 + zlib.crc32(np.ascontiguousarray(x, dtype=np.uint8).tobytes())) % (2 ** 31 - 2 ** 16)


def references(X: torch.Tensor, n_shuffles: int, seed: int) -> torch.Tensor:
    """Seeded dinucleotide shuffles (b, r, 4, L) of X (b, 4, L); reference r of a sequence
    uses seed ``sequence_seed + r``, so a sequence gets the same references in any batch."""
    from tangermeme.ersatz import dinucleotide_shuffle

    x_u8 = X.numpy().astype(np.uint8)
    base = [sequence_seed(x, seed) for x in x_u8]
    return torch.cat([dinucleotide_shuffle(X, n=1, random_state=[s + r for s in base]) for r in range(n_shuffles)],
                     dim=1).float()


def deeplift(model: torch.nn.Module, X: torch.Tensor, refs: torch.Tensor, w: torch.Tensor,
             dl_batch: int, device) -> torch.Tensor:
    """DeepLIFT/SHAP attributions on the actual bases.

    X: (n, 4, L) float one-hot (cpu); refs: (n, r, 4, L) references; w: (n, n_labels).
    Returns (n, 4, L) float32 (cpu), zero off the actual bases.
    """
    from tangermeme.deep_lift_shap import deep_lift_shap

    # tangermeme restores the wrapper's training flag on exit, recursively: build the wrapper in
    # eval mode and restore the model's own flag, or dropout would be on afterwards
    was_training = model.training
    try:
        with warnings.catch_warnings(), torch.enable_grad():  # the map runs under no_grad (batching.predict)
            warnings.simplefilter("ignore", RuntimeWarning)  # our own check: convergence_delta
            return deep_lift_shap(TargetOutput(model).eval(), X, args=(w,), target=0, batch_size=dl_batch,
                                  references=refs, warning_threshold=float("inf"), device=device).float()
    finally:
        model.train(was_training)


def convergence_delta(model: torch.nn.Module, X: torch.Tensor, refs: torch.Tensor, w: torch.Tensor,
                      attributions: torch.Tensor, device) -> float:
    """Mean |Σ attribution − (F(X) − mean_r F(ref_r))| / mean |F(X) − mean_r F(ref_r)|."""
    target = TargetOutput(model).eval()
    n, r = refs.shape[:2]
    with torch.no_grad():
        fx = target(X.to(device), w.to(device))[:, 0].cpu()
        fr = target(refs.reshape(n * r, *refs.shape[2:]).float().to(device),
                    w.repeat_interleave(r, 0).to(device))[:, 0].view(n, r).mean(1).cpu()
    diff = fx - fr
    delta = (attributions.sum(dim=(1, 2)) - diff).abs()
    return float(delta.mean() / diff.abs().mean().clamp_min(1e-12))


class DfimMaps:
    """The DFIM map function (``interpret.pairs.MapFn``); call ``set_thresholds`` first.

    n_shuffles: DeepLIFT references per sequence; dl_batch: sequence-reference pairs per
    DeepLIFT pass; seed: references and mutations.
    """

    def __init__(self, n_shuffles: int = DEFAULT_SHUFFLES, dl_batch: int = DEFAULT_DL_BATCH, seed: int = 0):
        if n_shuffles < 1 or dl_batch < 1:
            raise ValueError("n_shuffles and dl_batch must be >= 1")
        self.n_shuffles, self.dl_batch, self.seed = n_shuffles, dl_batch, seed
        self.thresholds: Optional[torch.Tensor] = None
        self.delta: Optional[float] = None
        self.n_mutants = 0
        self.n_sequences = 0

    def set_thresholds(self, thresholds: torch.Tensor) -> None:
        self.thresholds = thresholds.detach().float().cpu()

    def summary(self) -> dict:
        return {"convergence_delta": self.delta, "n_mutants": self.n_mutants,
                "mean_hits_per_sequence": round(self.n_mutants / max(self.n_sequences, 1), 3)}

    def __call__(self, model: torch.nn.Module, X: torch.Tensor,
                 extra: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """First-layer activations and the DFIM map of a batch.

        X: torch.Tensor, shape=(b, 4, L), float one-hot on the model's device.
        extra: the batch's labels, float (b, n_labels) (the multi-label target).
        Returns ``(conv, maps)``: conv shape=(b, F, L - k + 1), maps shape=(b, L', L'), >= 0.
        """
        if self.thresholds is None:
            raise RuntimeError("DfimMaps: set_thresholds must be called before the map is computed")
        cfg = model.config
        pool, length, k = cfg.pool, cfg.pooled_length, cfg.filter_width
        b = len(X)
        with torch.no_grad(), capture_conv(model) as store:
            logits = model(X)
        conv = store["conv"]
        maps = torch.zeros(b, length, length, dtype=torch.float32)
        if b == 0:
            return conv, maps.to(X.device)
        wins = hit_windows(conv, self.thresholds, pool, length)
        Xc = X.detach().cpu()
        x_u8 = Xc.numpy().astype(np.uint8)
        refs = references(Xc, self.n_shuffles, self.seed)  # (b, r, 4, L)
        w = target_weights(extra, b, logits.shape[1])
        seqs, parent = [Xc], list(range(b))
        for s, hits in enumerate(wins):
            for _, c in hits:
                seqs.append(torch.from_numpy(mutate(x_u8[s], c, k, self.seed)[None]).float())
                parent.append(s)
        parent_t = torch.tensor(parent)
        allX = torch.cat(seqs)
        # in chunks of rows so the references of all mutants are never materialised at once
        chunk = max(1, 4 * self.dl_batch // self.n_shuffles)
        attr = torch.cat([deeplift(model, allX[r:r + chunk], refs[parent_t[r:r + chunk]], w[parent_t[r:r + chunk]],
                                   self.dl_batch, X.device) for r in range(0, len(allX), chunk)])  # (n, 4, L)
        per_base = attr.sum(dim=1)  # (n, L): attribution on the actual base
        win_sum = per_base.unfold(1, k, 1).sum(-1)  # (n, L - k + 1): window sum starting at conv position c
        if self.delta is None:
            self.delta = convergence_delta(model, Xc, refs, w, attr[:b], X.device)
            if self.delta > DELTA_WARN:
                log.warning("DeepLIFT convergence delta %.2g%% of the output differences on a sample (> 1%%): "
                            "the attributions may be unreliable for this model", 100 * self.delta)
            else:
                log.info("DeepLIFT convergence delta on a sample: %.2g%% of the output differences", 100 * self.delta)
        row = b
        for s, hits in enumerate(wins):
            if not hits:
                continue
            js = torch.tensor([j for j, _ in hits])
            cs = torch.tensor([c for _, c in hits])
            orig = win_sum[s, cs]  # (h,)
            mut = win_sum[row:row + len(hits)][:, cs]  # (h sources, h targets)
            delta = (mut - orig[None, :]).abs()
            apart = (cs[:, None] - cs[None, :]).abs() >= k  # windows do not overlap (and i != j)
            maps[s, js[:, None], js[None, :]] = torch.where(apart, delta, torch.zeros_like(delta))
            row += len(hits)
        self.n_mutants += row - b
        self.n_sequences += b
        return conv, maps.to(X.device)
