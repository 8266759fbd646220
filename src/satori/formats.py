"""File names and column names of the formats between steps (DESIGN.md), in one place.

Every reader and writer imports its names from here, so a column is renamed once.
"""

# --- simulation / dataset -------------------------------------------------------------
SEQUENCES_FA = "sequences.fa.gz"
LABELS_TSV = "labels.tsv"
PAIRS_TSV = "pairs.tsv"
MOTIFS_MEME = "motifs.meme"
IMPLANTS_TSV = "implants.tsv"
PARAMS_JSON = "params.json"

LABELS_ID = "id"
LABELS_SPLIT = "split"
SPLITS = ("train", "valid", "test")

PAIRS_COLUMNS = ["tf1", "tf2", "motif1", "motif2"]
IMPLANTS_COLUMNS = ["id", "motif", "tf", "start", "end", "strand", "pair"]

# --- model directory ----------------------------------------------------------------
MODEL_PT = "model.pt"
CONFIG_JSON = "config.json"
METRICS_JSON = "metrics.json"
HISTORY_TSV = "history.tsv"
CHECKPOINT_PT = "checkpoint.pt"
HISTORY_COLUMNS = ["epoch", "train_loss", "train_entropy", "valid_loss", "valid_auc", "seconds"]

# --- filter annotation --------------------------------------------------------------
FILTERS_MEME = "filters.meme"
FILTER_MOTIFS_TSV = "filter_motifs.tsv"
FILTER_MATCHES_TSV = "filter_matches.tsv"
FILTER_MOTIFS_COLUMNS = [
    "filter", "n_sites", "ic", "motif_id", "tf", "p", "E", "q", "orientation",
]

# --- interactions -------------------------------------------------------------------
INTERACTIONS_TSV = "interactions.tsv"
TF_INTERACTIONS_TSV = "tf_interactions.tsv"
INTERACTIONS_COLUMNS = [
    "filter_a", "filter_b", "motif_a", "tf_a", "motif_b", "tf_b",
    "n_fg", "n_bg", "median_fg", "median_bg", "distance", "p", "q", "flag", "method",
]
TF_INTERACTIONS_COLUMNS = [
    "tf1", "tf2", "q", "p", "n_filter_pairs", "median_distance", "method",
]

# --- evaluation ---------------------------------------------------------------------
EVALUATION_JSON = "evaluation.json"

# --- benchmark summary (satori-summarize) -------------------------------------------
# The manifest names one configuration a row: ``id``, the path of its ``evaluation.json``,
# optionally the path of its model's ``metrics.json``, and any descriptor columns
# (dataset, entropy_lambda, db, method, ...) that are copied into the summary.
RUNS_ID = "id"
RUNS_EVALUATION = "evaluation"
RUNS_METRICS = "metrics"
BENCHMARK_SUMMARY_TSV = "benchmark_summary.tsv"
BENCHMARK_METRIC_COLUMNS = ["auc", "precision", "recall", "f1", "tp", "fp", "fn"]
