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
# top TomTom matches per filter, long format (one row per filter x match, rank 1 = best p)
FILTER_MATCHES_COLUMNS = [
    "filter", "rank", "motif_id", "tf", "p", "E", "q", "orientation", "offset", "overlap",
]

# --- interactions -------------------------------------------------------------------
INTERACTIONS_TSV = "interactions.tsv"
TF_INTERACTIONS_TSV = "tf_interactions.tsv"
# n_fg/n_bg: sequences where the pair is observed (both filters present, score >= cutoff);
# n_fg_present/n_bg_present: sequences where both filters are present at distinct positions.
INTERACTIONS_COLUMNS = [
    "filter_a", "filter_b", "motif_a", "tf_a", "motif_b", "tf_b",
    "n_fg", "n_bg", "n_fg_present", "n_bg_present",
    "median_fg", "median_bg", "distance", "p", "q", "flag", "method",
]
TF_INTERACTIONS_COLUMNS = [
    "tf1", "tf2", "q", "p", "n_filter_pairs", "n_significant", "median_distance", "method",
]
# values of the interactions.tsv ``flag`` column (comma-joined; empty = a usable TF pair)
FLAG_UNANNOTATED = "unannotated"
FLAG_SAME_TF = "same_tf"
FLAG_SAME_FILTER = "same_filter"

# --- evaluation ---------------------------------------------------------------------
EVALUATION_JSON = "evaluation.json"
