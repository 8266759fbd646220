"""The paper's simulated datasets as presets, and the resolved simulation settings.

A preset fills every setting the user does not give on the command line. Data-40/60/80
follow the SATORI 2.0 paper (Table 1): 20/25/30 TFs with 40/60/80 interacting pairs,
3 pairs per positive, partners 8–15 bp apart, 60 000 sequences of 300 bp. ``long-1500``
is the paper's pre-loaded-filter dataset: 1500 bp, 40 motifs from distinct motif clusters,
80 pairs, 3–5 pairs per positive with the partners 8–80 bp apart (our reading of "a window
of 8–80 bp").
"""

import dataclasses
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from satori.errors import InputError

#: Default similarity threshold for motifs "from distinct clusters" (long-1500); see
#: ``satori.simulate.motifs``. JASPAR2024 CORE vertebrates keeps 57–72 representatives
#: at 0.6 depending on the random order; same-family pairs (FOXA1/FOXA2, GATA1/GATA2,
#: KLF4/SP1, SOX2/SOX10, ELK1/ETV1) score 0.79–1.0.
CLUSTER_MAX_SIMILARITY = 0.6


@dataclass(frozen=True)
class SimulationConfig:
    """Every setting of one simulation (preset values after command-line overrides).

    Widths and gaps are in bases. ``gap`` = bases between the end of the first partner
    and the start of the second; ``neg_spacing`` = minimum bases between two motif
    instances of a negative. ``decoy_fraction`` of the negatives are *decoys*: laid out as
    a positive (``pairs_min..pairs_max`` pairs, partners ``gap_min..gap_max`` apart) but
    with pairs of TFs that do not interact, drawn from a rewiring of the pair set that gives
    every TF as many partners (``dataset.decoy_pairs``), so that each TF is as frequent as in
    the positives and only which TFs are paired separates the classes (0 = the paper's
    negatives, lone motifs only).
    """

    n_seqs: int = 60_000
    length: int = 300
    n_tfs: int = 20
    n_pairs: int = 40
    gap_min: int = 8
    gap_max: int = 15
    pairs_min: int = 3
    pairs_max: int = 3
    neg_motifs_min: int = 1
    neg_motifs_max: int = 3
    neg_spacing: int = 40
    # share of the negatives laid out as positives but with non-partner TF pairs (decoys)
    decoy_fraction: float = 0.0
    max_similarity: Optional[float] = None
    # draw every motif from a different TomTom motif cluster of the pool (satori.motifs.clusters)
    distinct_clusters: bool = False
    background: Tuple[float, float, float, float] = (0.295, 0.205, 0.205, 0.295)
    split_fractions: Tuple[float, float, float] = (0.8, 0.1, 0.1)

    def validate(self) -> "SimulationConfig":
        """Check settings that need no motif; raise InputError naming the flag."""
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise InputError(msg)

        need(self.n_seqs >= 2, f"--n-seqs must be at least 2 (got {self.n_seqs})")
        need(self.length >= 1, f"--length must be positive (got {self.length})")
        need(self.n_tfs >= 2, f"--n-tfs must be at least 2 (got {self.n_tfs})")
        need(self.n_pairs >= 1, f"--n-pairs must be positive (got {self.n_pairs})")
        need(0 <= self.gap_min <= self.gap_max,
             f"--gap-min/--gap-max must satisfy 0 <= min <= max (got {self.gap_min}, {self.gap_max})")
        need(1 <= self.pairs_min <= self.pairs_max,
             f"--pairs-min/--pairs-max must satisfy 1 <= min <= max (got {self.pairs_min}, {self.pairs_max})")
        need(self.pairs_max <= self.n_pairs,
             f"--pairs-max {self.pairs_max} exceeds --n-pairs {self.n_pairs} (pairs of a positive are distinct)")
        need(0 <= self.neg_motifs_min <= self.neg_motifs_max,
             f"--neg-motifs-min/--neg-motifs-max must satisfy 0 <= min <= max "
             f"(got {self.neg_motifs_min}, {self.neg_motifs_max})")
        need(self.neg_motifs_max <= self.n_tfs,
             f"--neg-motifs-max {self.neg_motifs_max} exceeds --n-tfs {self.n_tfs} (motifs of a negative are distinct)")
        need(self.neg_spacing >= 0, f"--neg-spacing must be non-negative (got {self.neg_spacing})")
        need(0.0 <= self.decoy_fraction <= 1.0, f"--decoys must lie in [0, 1] (got {self.decoy_fraction})")
        if self.max_similarity is not None:
            need(-1.0 <= self.max_similarity <= 1.0,
                 f"--max-similarity must lie in [-1, 1] (got {self.max_similarity})")
        return self


PRESETS: Dict[str, SimulationConfig] = {
    "data-40": SimulationConfig(n_tfs=20, n_pairs=40),
    "data-60": SimulationConfig(n_tfs=25, n_pairs=60),
    "data-80": SimulationConfig(n_tfs=30, n_pairs=80),
    "long-1500": SimulationConfig(
        length=1500, n_tfs=40, n_pairs=80, gap_min=8, gap_max=80, pairs_min=3, pairs_max=5,
        max_similarity=CLUSTER_MAX_SIMILARITY,
    ),
}


def resolve(preset: str, **overrides) -> SimulationConfig:
    """The preset's settings with every non-None override applied, validated.

    Raises InputError for an unknown preset name.
    """
    if preset not in PRESETS:
        raise InputError(f"--preset '{preset}': unknown preset (choose one of {', '.join(PRESETS)})")
    known = {f.name for f in dataclasses.fields(SimulationConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown simulation settings: {sorted(unknown)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(PRESETS[preset], **given).validate()
