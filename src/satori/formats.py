"""File names and column names of the formats between steps (README: File formats), in one place.

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
# written by satori-simulate after PAIRS_COLUMNS: each motif's cluster name in the motif
# pool's TomTom clustering (satori.motifs.clusters); readers treat them as optional.
PAIRS_CLUSTER_COLUMNS = ["cluster1", "cluster2"]
IMPLANTS_COLUMNS = ["id", "motif", "tf", "start", "end", "strand", "pair"]

# --- model directory ----------------------------------------------------------------
MODEL_PT = "model.pt"
CONFIG_JSON = "config.json"
METRICS_JSON = "metrics.json"
HISTORY_TSV = "history.tsv"
CHECKPOINT_PT = "checkpoint.pt"
# train_loss/valid_loss are the full objective Loss_c + lambda*Loss_e; *_entropy is Loss_e alone.
# entropy_lambda: the lambda of that epoch (--entropy-warmup ramps it); filter_ic: mean
# information content (bits) of the filters with >= 10 sites on the monitor sequences,
# n_filters_ic how many they are (NA when not monitored).
HISTORY_COLUMNS = ["epoch", "train_loss", "train_entropy", "valid_loss", "valid_auc", "seconds", "valid_entropy",
                   "entropy_lambda", "filter_ic", "n_filters_ic"]

# --- filter annotation --------------------------------------------------------------
FILTERS_MEME = "filters.meme"
FILTER_MOTIFS_TSV = "filter_motifs.tsv"
FILTER_MATCHES_TSV = "filter_matches.tsv"
# cluster_id/cluster_name/cluster_tfs: the best match's motif cluster in the database
# (satori.motifs.clusters: id C001.., a readable name, member TFs comma-joined).
FILTER_MOTIFS_COLUMNS = [
    "filter", "n_sites", "ic", "motif_id", "tf", "p", "E", "q", "orientation",
    "cluster_id", "cluster_name", "cluster_tfs",
]
FILTER_CLUSTER_COLUMNS = ["cluster_id", "cluster_name", "cluster_tfs"]
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
    "cluster_a", "cluster_b",
]
# cluster1/cluster2: motif-cluster names of tf1/tf2 (filter_motifs.tsv cluster_name of the
# best filter pair); cluster1_tfs/cluster2_tfs: their member TFs, comma-joined (what
# satori-evaluate credits at cluster level). Empty when filter_motifs.tsv has no clusters.
TF_INTERACTIONS_COLUMNS = [
    "tf1", "tf2", "q", "p", "n_filter_pairs", "n_significant", "median_distance", "method",
    "cluster1", "cluster2", "cluster1_tfs", "cluster2_tfs",
]
# cluster_interactions.tsv: tf_interactions.tsv aggregated to unordered motif-cluster pairs
# ("a FOX factor pairs with a GATA factor"): best q (and its p), TF pairs and filter pairs
# behind it, median distance; tf_pairs lists the TF pairs ("A+B", ';'-joined, best first).
CLUSTER_INTERACTIONS_TSV = "cluster_interactions.tsv"
CLUSTER_INTERACTIONS_COLUMNS = [
    "cluster1", "cluster2", "q", "p", "n_tf_pairs", "n_filter_pairs", "n_significant", "median_distance",
    "cluster1_tfs", "cluster2_tfs", "tf_pairs", "method",
]
# values of the interactions.tsv ``flag`` column (comma-joined; empty = a usable TF pair)
FLAG_UNANNOTATED = "unannotated"
FLAG_SAME_TF = "same_tf"
FLAG_SAME_FILTER = "same_filter"

# --- in-silico implantation: satori-implant ------------------------------------------
# implant.tsv: one row per TF pair implanted (tf1 before tf2, tf2 `best_gap` bases after
# tf1's end); attention_q: the pair's q in the interactions table (empty = not there);
# control: 1 = not significant there; label: the output read ("mean" = mean logit);
# cooperativity/ci_low/ci_high: f(AB)-f(A)-f(B)+f(0) on the logit at the best point, mean
# over backgrounds and bootstrap 95 % interval; p: max-statistic sign-flip p over the grid;
# q: BH over the pairs; marginal1/2: f(A)-f(0), f(B)-f(0). Sorted by q, then -cooperativity.
IMPLANT_TSV = "implant.tsv"
IMPLANT_COLUMNS = [
    "tf1", "tf2", "cluster1", "cluster2", "motif1", "motif2", "attention_q", "control", "label",
    "best_gap", "best_orientation", "cooperativity", "ci_low", "ci_high", "p", "q",
    "marginal1", "marginal2", "n_backgrounds",
]
# implant_curves.tsv: one row per pair x orientation x gap (mean and bootstrap interval).
IMPLANT_CURVES_TSV = "implant_curves.tsv"
IMPLANT_CURVES_COLUMNS = ["tf1", "tf2", "orientation", "gap", "cooperativity", "ci_low", "ci_high"]

# --- evaluation ---------------------------------------------------------------------
EVALUATION_JSON = "evaluation.json"

# --- real data: satori-prepare-dhs ---------------------------------------------------
# Outputs (besides SEQUENCES_FA, LABELS_TSV, PARAMS_JSON): the final regions with their
# origin (BED-like, 0-based half-open, one '#'-prefixed header line) and the summary.
REGIONS_BED = "regions.bed"
SUMMARY_JSON = "summary.json"
# origin: gene symbol (promoter mode), "peak" (genome mode), the label name (enhancer
# positives) or the annotation category (enhancer negatives); tss: "chrom:pos:strand" of
# the closest TSS in promoter mode, "." otherwise; n_peaks: input peaks merged into it.
REGIONS_COLUMNS = ["chrom", "start", "end", "id", "split", "origin", "tss", "n_peaks"]
# --peaks samplesheet (CSV; bed paths relative to the sheet).
SAMPLESHEET_COLUMNS = ["sample", "bed"]
# Enhancer-mode negative categories, in the order they are sampled (ties go to the first).
NEGATIVE_CATEGORIES = ("exon", "promoter", "utr", "intron", "downstream", "distal")

# --- real data: satori-hippie-lookup -------------------------------------------------
PPI_MATCHES_TSV = "ppi_matches.tsv"
PPI_SUMMARY_JSON = "ppi_summary.json"
# One row per predicted TF pair (q < --q-threshold) and gene pair of their members that
# the PPI database lists: tf1/tf2/q/p/method from tf_interactions.tsv, gene1/gene2 the
# matched symbols, score the best PPI confidence, n_records the database rows,
# sources/publications the evidence ('|'-joined, publications capped at 10).
PPI_MATCHES_COLUMNS = [
    "tf1", "tf2", "q", "p", "method", "gene1", "gene2", "score", "n_records", "sources", "publications",
]
# PSI-MITAB 2.5 columns (HIPPIE adds 'Presence In Other Species', 'Gene Name Interactor A/B').
MITAB_COLUMNS = [
    "ID Interactor A", "ID Interactor B", "Alt IDs Interactor A", "Alt IDs Interactor B",
    "Aliases Interactor A", "Aliases Interactor B", "Interaction Detection Methods",
    "Publication 1st Author", "Publication Identifiers", "Taxid Interactor A", "Taxid Interactor B",
    "Interaction Types", "Source Databases", "Interaction Identifier(s)", "Confidence Value",
]
HIPPIE_EXTRA_COLUMNS = ["Presence In Other Species", "Gene Name Interactor A", "Gene Name Interactor B"]
# Sidecar written next to a downloaded database in the cache: url, date, sha256, bytes.
DOWNLOAD_META_SUFFIX = ".satori.json"

# --- report -------------------------------------------------------------------------
REPORT_HTML = "report.html"
REPORT_SUMMARY_JSON = "report_summary.json"  # the numbers of one run, read by the index page
REPORT_FIGURES_DIR = "figures"
INDEX_HTML = "index.html"

# --- benchmark summary (satori-summarize) -------------------------------------------
# The manifest names one configuration a row: ``id``, the path of its ``evaluation.json``,
# optionally the path of its model's ``metrics.json``, and any descriptor columns
# (dataset, entropy_lambda, db, method, ...) that are copied into the summary.
RUNS_ID = "id"
RUNS_EVALUATION = "evaluation"
RUNS_METRICS = "metrics"
BENCHMARK_SUMMARY_TSV = "benchmark_summary.tsv"
# random_f1: F1 expected of as many random pairs (evaluation.json random_baseline);
# cluster_*: the cluster-level scores and their random baseline (empty when not evaluated).
BENCHMARK_METRIC_COLUMNS = ["auc", "precision", "recall", "f1", "tp", "fp", "fn", "random_f1",
                            "cluster_precision", "cluster_recall", "cluster_f1", "cluster_random_f1"]

# --- model selection: satori-search -------------------------------------------------
# --mode hyper: search.tsv (one row per trial x seed), best_config.json, best_model/ (a
# model directory); --mode lambda: lambda_selection.tsv, best_lambda.json, best_model/.
SEARCH_TSV = "search.tsv"
BEST_CONFIG_JSON = "best_config.json"
BEST_MODEL_DIR = "best_model"
LAMBDA_SELECTION_TSV = "lambda_selection.tsv"
BEST_LAMBDA_JSON = "best_lambda.json"
# search.tsv: these columns, then one column per searched option (satori-train option names).
SEARCH_COLUMNS = ["trial", "seed", "status", "selected", "valid_auc", "valid_loss", "test_auc", "test_auprc",
                  "best_epoch", "epochs_run", "message"]
# lambda_selection.tsv: one row per (lambda, seed); the interaction columns are filled for
# the best seed of each lambda by validation AUC (interpreted = 1), the model that is interpreted.
LAMBDA_COLUMNS = ["entropy_lambda", "seed", "status", "selected", "interpreted", "valid_auc", "test_auc",
                  "precision", "recall", "f1", "n_tp", "n_fp", "n_fn", "message"]

