"""Interaction inference: foreground/background selection, filter hits, pair scoring,
statistics and output tables, shared by every interpreter (raw attention, attention
attribution, DFIM). An interpreter is a *map function* producing, per sequence, the
first-layer activations and an (L', L') interaction map; everything after that is
written once (``interpret.interactions.infer_interactions``)."""
