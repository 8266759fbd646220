"""Sequences and labels: FASTA, one-hot encoding, ``labels.tsv``."""
