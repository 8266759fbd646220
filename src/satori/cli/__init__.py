"""Command-line tools: one module per step, each a dataclass of options plus ``main``."""
