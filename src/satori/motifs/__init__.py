"""Motifs: MEME/JASPAR I/O, the bundled JASPAR database, filter PWMs, TomTom."""
