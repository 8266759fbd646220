"""The JASPAR database bundled with pyjaspar (offline), as ``Motif`` objects."""

import warnings
from typing import List, Optional, Sequence, Union

import numpy as np

from satori.errors import InputError
from satori.motifs.io import Motif

DEFAULT_RELEASE = "JASPAR2024"
DEFAULT_COLLECTION = "CORE"
DEFAULT_TAX_GROUP = "vertebrates"


def releases() -> List[str]:
    """Names of the JASPAR releases pyjaspar ships (e.g. ``JASPAR2024``)."""
    from pyjaspar import jaspar_releases

    return sorted(jaspar_releases)


def load_jaspar(
    release: str = DEFAULT_RELEASE,
    collection: str = DEFAULT_COLLECTION,
    tax_group: Optional[Union[str, Sequence[str]]] = DEFAULT_TAX_GROUP,
) -> List[Motif]:
    """Fetch motifs from a bundled JASPAR release.

    Parameters
    ----------
    release: str
        Release name, one of ``releases()``. Default JASPAR2024.
    collection: str
        JASPAR collection (CORE, UNVALIDATED, ...). Default CORE.
    tax_group: str, list of str or None
        Taxonomic group(s) (vertebrates, plants, insects, ...); None or "all" for every group.

    Returns
    -------
    motifs: list of Motif
        One per matrix, ``id`` the matrix id (``MA0004.1``), ``name`` the TF name,
        ``pwm`` shape (width, 4), ``nsites`` the column count total.
    """
    known = releases()
    if release not in known:
        raise InputError(f"unknown JASPAR release '{release}' (available: {', '.join(known)})")
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    groups = None
    if tax_group is not None and tax_group != "all":
        groups = [tax_group] if isinstance(tax_group, str) else list(tax_group)
    with warnings.catch_warnings():
        # pyjaspar warns (several lines on stderr) when nothing matches; we raise InputError below.
        warnings.simplefilter("ignore")
        records = db.fetch_motifs(collection=collection, tax_group=groups)
    motifs = []
    for rec in records:
        counts = np.array([rec.counts[b] for b in "ACGT"], dtype=np.float64).T  # (width, 4)
        totals = counts.sum(axis=1, keepdims=True)
        pwm = (counts + 1e-9) / (totals + 4e-9)
        motifs.append(Motif(rec.matrix_id, rec.name, pwm, int(round(float(totals.mean())))))
    if not motifs:
        raise InputError(
            f"JASPAR {release} has no motifs for collection '{collection}' and tax group '{tax_group}'"
        )
    motifs.sort(key=lambda m: m.id)
    return motifs
