"""SATORI 2.0: self-attention networks that detect transcription-factor cooperativity."""

__version__ = "0.1.0"
