"""Simulated datasets with implanted interacting TF motif pairs (the SATORI 2.0 paper's).

- ``presets``: the paper's datasets (data-40/60/80, long-1500) and ``SimulationConfig``.
- ``motifs``: choosing TFs with distinct names (optionally from distinct clusters) and the pair set.
- ``sample``: vectorised background and PWM-instance sampling (score >= half the maximum).
- ``dataset``: layout of implants, assembly of the sequences, labels, splits and files.
"""

from satori.simulate.dataset import SimulatedData, simulate, write_dataset
from satori.simulate.presets import PRESETS, SimulationConfig, resolve

__all__ = ["PRESETS", "SimulatedData", "SimulationConfig", "resolve", "simulate", "write_dataset"]
