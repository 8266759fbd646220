"""The keys of the JSON results one step writes and later steps read, in one place.

``metrics.json`` (satori-train), ``evaluation.json`` (satori-evaluate) and
``ppi_summary.json`` (satori-hippie-lookup) are written with these names and read by
satori-report, satori-summarize and the interpreters with the same names: a reader
looks a value up by its one key, never by trying several.
"""


class Metrics:
    """``metrics.json`` of a model directory (satori-train)."""

    #: per label: {label: test AUC-ROC} / {label: test AUPRC} (None where a label has one class)
    AUC_ROC = "auc_roc"
    AUPRC = "auprc"
    #: mean over the labels of the two above (None when no label could be scored)
    MEAN_AUC_ROC = "mean_auc_roc"
    MEAN_AUPRC = "mean_auprc"
    #: True when labels.tsv had no split column and train drew the 80/10/10 split itself
    SPLIT_GENERATED = "split_generated"
    #: the seed of that split (``data.dataset.assign_splits``), None when labels.tsv had one
    SPLIT_SEED = "split_seed"
    #: --length of the run: every sequence was centre-cropped/padded to it (None: not given)
    FIT_LENGTH = "fit_length"

    KEYS = (AUC_ROC, AUPRC, MEAN_AUC_ROC, MEAN_AUPRC, SPLIT_GENERATED, SPLIT_SEED, FIT_LENGTH)


class Evaluation:
    """``evaluation.json`` (satori-evaluate)."""

    PRECISION = "precision"
    RECALL = "recall"
    F1 = "f1"
    Q_THRESHOLD = "q_threshold"
    AVERAGE_PRECISION = "average_precision"
    #: counts of true/false positive and false negative TF pairs
    N_TP = "n_tp"
    N_FP = "n_fp"
    N_FN = "n_fn"
    #: the pairs themselves: lists of [tf1, tf2]
    TP = "tp"
    FP = "fp"
    FN = "fn"
    #: one row per distinct q of the table: {q, n_predicted, tp, precision, recall, f1}
    PR_CURVE = "pr_curve"
    CURVE_Q = "q"
    CURVE_PRECISION = "precision"
    CURVE_RECALL = "recall"
    #: --db-label (free text naming the motif database), the methods of the table's
    #: ``method`` column, and the --interactions path
    DB_LABEL = "db_label"
    METHODS = "methods"
    INTERACTIONS = "interactions"
    #: expected precision/recall/F1 of as many random TF pairs (a dict with the three keys above)
    RANDOM_BASELINE = "random_baseline"
    #: cluster-level scores (same keys, with their own RANDOM_BASELINE); only when the
    #: table had motif-cluster columns, so not in KEYS
    CLUSTER = "cluster"

    KEYS = (RANDOM_BASELINE, PRECISION, RECALL, F1, Q_THRESHOLD, AVERAGE_PRECISION, N_TP, N_FP, N_FN, TP, FP, FN, PR_CURVE,
            DB_LABEL, METHODS, INTERACTIONS)


class PPISummary:
    """``ppi_summary.json`` (satori-hippie-lookup)."""

    PAIRS_TESTED = "pairs_tested"
    PAIRS_MATCHED = "pairs_matched"
    #: the chance model: a dict holding EXPECTED_FRACTION (matched share of all TF pairs)
    CHANCE = "chance"
    EXPECTED_FRACTION = "expected_fraction"

    KEYS = (PAIRS_TESTED, PAIRS_MATCHED, CHANCE)


def missing_keys(doc: dict, keys) -> list:
    """The ``keys`` that ``doc`` lacks (a writer's self-check, and the tests')."""
    return [k for k in keys if k not in doc]
