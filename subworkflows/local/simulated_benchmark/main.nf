//
// The simulated benchmark of the paper: simulate → train → filter-motifs → interpret → evaluate,
// one task per dataset × entropy λ × motif database × interpretation method, then one table.
//
// Configurations travel as meta maps; the keys, set here and read by the modules and the summary:
//   id              unique name of the configuration at that step (e.g. data-40_lambda0.01_jaspar_raw)
//   preset          simulation preset (SATORI_SIMULATE --preset)
//   dataset         dataset name (the preset here; a real dataset name on the real-data path)
//   entropy_lambda  weight of the attention-entropy loss (SATORI_TRAIN --entropy-lambda)
//   model_id        id of the trained model a configuration uses
//   db              motif database: 'jaspar' (bundled JASPAR) or 'simulation' (the simulation's motifs.meme)
//   method          interpretation method: 'raw' (attention), 'attr' (attention attribution), 'dfim' (DFIM)
//

include { SATORI_SIMULATE      } from '../../../modules/local/satori/simulate'
include { SATORI_TRAIN         } from '../../../modules/local/satori/train'
include { SATORI_FILTER_MOTIFS } from '../../../modules/local/satori/filter_motifs'
include { SATORI_INTERPRET_RAW } from '../../../modules/local/satori/interpret_raw'
include { SATORI_INTERPRET_ATTR } from '../../../modules/local/satori/interpret_attr'
include { SATORI_DFIM           } from '../../../modules/local/satori/dfim'
include { SATORI_IMPLANT       } from '../../../modules/local/satori/implant'
include { SATORI_EVALUATE      } from '../../../modules/local/satori/evaluate'
include { SATORI_SUMMARIZE     } from '../../../modules/local/satori/summarize'

workflow SIMULATED_BENCHMARK {

    take:
    datasets        // list of strings: simulation presets, e.g. ['data-40', 'data-60']
    entropy_lambdas // list of strings: entropy-loss weights, e.g. ['0', '0.01']
    db_modes        // list of strings: any of 'jaspar', 'simulation'
    methods         // list of strings: any of 'raw', 'attr', 'dfim' (raw always runs: the reports read it)

    main:

    //
    // MODULE: one simulated dataset per preset (no custom motif database: [] = JASPAR)
    //
    SATORI_SIMULATE(
        channel.fromList(datasets).map { preset ->
            [[id: preset, preset: preset, dataset: preset], []]
        }
    )

    // What each dataset provides downstream, keyed by dataset name: [ dataset, fasta, labels, motifs, pairs ]
    def ch_simulation = SATORI_SIMULATE.out.dataset
        .join(SATORI_SIMULATE.out.motifs)
        .join(SATORI_SIMULATE.out.pairs)
        .map { meta, fasta, labels, motifs, pairs -> [meta.dataset, fasta, labels, motifs, pairs] }

    //
    // MODULE: one model per dataset × entropy λ
    //
    def ch_train_input = SATORI_SIMULATE.out.dataset
        .combine(channel.fromList(entropy_lambdas))
        .map { meta, fasta, labels, entropy_lambda ->
            def model_meta = [
                id            : "${meta.dataset}_lambda${entropy_lambda}".toString(),
                dataset       : meta.dataset,
                entropy_lambda: entropy_lambda
            ]
            [model_meta, fasta, labels]
        }
    SATORI_TRAIN(ch_train_input)

    // One configuration per model × motif database: [ meta, model, fasta, labels, motif_db, pairs ]
    // (motif_db [] = the bundled JASPAR; 'simulation' passes the simulation's own motifs.meme)
    def ch_config = SATORI_TRAIN.out.model
        .map { meta, model -> [meta.dataset, meta, model] }
        .combine(ch_simulation, by: 0)
        .combine(channel.fromList(db_modes))
        .map { _dataset, meta, model, fasta, labels, motifs, pairs, db ->
            def config_meta = meta + [id: "${meta.id}_${db}".toString(), model_id: meta.id, db: db]
            [config_meta, model, fasta, labels, db == 'simulation' ? motifs : [], pairs]
        }

    //
    // MODULE: filters → PWMs → TomTom against the configuration's motif database
    //
    SATORI_FILTER_MOTIFS(
        ch_config.map { meta, model, fasta, labels, motif_db, _pairs -> [meta, model, fasta, labels, motif_db] }
    )

    // [ meta, model, fasta, labels, filter_motifs.tsv ]: the input of every interpretation method
    def ch_interpret_input = ch_config
        .map { meta, model, fasta, labels, _motif_db, _pairs -> [meta, model, fasta, labels] }
        .join(SATORI_FILTER_MOTIFS.out.filter_motifs)

    //
    // MODULE: interactions from raw attention, attention attribution and DFIM (the last two
    // only where --methods names them)
    //
    SATORI_INTERPRET_RAW(ch_interpret_input)
    SATORI_INTERPRET_ATTR(ch_interpret_input.filter { _row -> 'attr' in methods })
    SATORI_DFIM(ch_interpret_input.filter { _row -> 'dfim' in methods })

    //
    // MODULE: implant every method's TF pairs (significant ones and as many controls) into
    // background sequences at every gap and orientation: the model's own check of each pair
    //
    def ch_filter_motifs_dir = SATORI_FILTER_MOTIFS.out.filter_motifs.map { meta, tsv -> [meta, tsv.parent] }
    def ch_implant_input = SATORI_INTERPRET_RAW.out.tf_interactions
        .map { meta, tsv -> [meta, 'raw', tsv] }
        .mix(SATORI_INTERPRET_ATTR.out.tf_interactions.map { meta, tsv -> [meta, 'attr', tsv] })
        .mix(SATORI_DFIM.out.tf_interactions.map { meta, tsv -> [meta, 'dfim', tsv] })
        .combine(ch_config.map { meta, model, fasta, labels, motif_db, _pairs -> [meta, model, fasta, labels, motif_db] }, by: 0)
        .combine(ch_filter_motifs_dir, by: 0)
        .map { meta, method, tsv, model, fasta, labels, motif_db, filter_motifs_dir ->
            [meta + [id: "${meta.id}_${method}".toString(), method: method], model, fasta, labels, filter_motifs_dir, tsv, motif_db]
        }
    SATORI_IMPLANT(ch_implant_input)

    //
    // MODULE: evaluate every method's TF pairs against the simulation's truth
    //
    def ch_truth = ch_config.map { meta, _model, _fasta, _labels, _motif_db, pairs -> [meta, pairs] }
    def ch_evaluate_input = SATORI_INTERPRET_RAW.out.tf_interactions.join(SATORI_INTERPRET_RAW.out.cluster_interactions)
        .map { meta, tf_tsv, cluster_tsv -> [meta, 'raw', tf_tsv, cluster_tsv] }
        .mix(SATORI_INTERPRET_ATTR.out.tf_interactions.join(SATORI_INTERPRET_ATTR.out.cluster_interactions)
            .map { meta, tf_tsv, cluster_tsv -> [meta, 'attr', tf_tsv, cluster_tsv] })
        .mix(SATORI_DFIM.out.tf_interactions.join(SATORI_DFIM.out.cluster_interactions)
            .map { meta, tf_tsv, cluster_tsv -> [meta, 'dfim', tf_tsv, cluster_tsv] })
        .combine(ch_truth, by: 0)
        .map { meta, method, tf_tsv, cluster_tsv, pairs ->
            [meta + [id: "${meta.id}_${method}".toString(), method: method], tf_tsv, cluster_tsv, pairs]
        }
    SATORI_EVALUATE(ch_evaluate_input)

    //
    // MODULE: one table of AUC and precision/recall/F1 per configuration
    //
    // Each evaluation is staged as evaluations/<its folder>/evaluation.json and each model as
    // models/<its folder>/, so the manifest can name them by path (satori-summarize --manifest).
    def ch_runs = SATORI_EVALUATE.out.evaluation
        .map { meta, evaluation -> [meta.model_id, meta, evaluation.parent] }
        .combine(SATORI_TRAIN.out.model.map { meta, model -> [meta.id, model] }, by: 0)
        .map { _model_id, meta, evaluation_dir, model_dir -> [meta, evaluation_dir, model_dir] }

    def manifest_header = ['id', 'dataset', 'entropy_lambda', 'db', 'method', 'evaluation', 'metrics'].join('\t')
    def ch_manifest = ch_runs
        .map { meta, evaluation_dir, model_dir ->
            [
                meta.id,
                meta.dataset,
                meta.entropy_lambda,
                meta.db,
                meta.method,
                "evaluations/${evaluation_dir.name}/evaluation.json",
                "models/${model_dir.name}/metrics.json"
            ].join('\t')
        }
        .collectFile(name: 'runs.tsv', seed: "${manifest_header}\n", newLine: true, sort: true)

    def ch_evaluation_dirs = ch_runs.map { _meta, evaluation_dir, _model_dir -> evaluation_dir }.collect().map { dirs -> [dirs] }
    def ch_model_dirs = SATORI_TRAIN.out.model.map { _meta, model -> model }.collect().map { dirs -> [dirs] }

    SATORI_SUMMARIZE(
        ch_manifest
            .map { manifest -> [[id: 'summary'], manifest] }
            .combine(ch_evaluation_dirs)
            .combine(ch_model_dirs)
    )

    //
    // What each model's report reads, as step output folders (each named after its configuration,
    // so the database variants and methods of one model do not clash; [] for the steps this path
    // lacks): [ meta, simulate, prepare_dhs, model, filter_motifs, interpret_raw, interpret_attr, dfim,
    // evaluate, hippie, implant ]
    //
    def ch_simulate_dir = SATORI_SIMULATE.out.params_json.map { meta, params_json -> [meta.dataset, params_json.parent] }
    def ch_filter_dirs = SATORI_FILTER_MOTIFS.out.filter_motifs
        .map { meta, tsv -> [meta.model_id, tsv.parent] }
        .groupTuple()
    def ch_interpret_dirs = SATORI_INTERPRET_RAW.out.tf_interactions
        // the benchmark's reports read raw attention only ([] in the interpret_attr and dfim
        // slots); attr and dfim reach them through their evaluations
        .map { meta, tsv -> [meta.model_id, tsv.parent] }
        .groupTuple()
    def ch_evaluate_dirs = SATORI_EVALUATE.out.evaluation
        .map { meta, evaluation -> [meta.model_id, evaluation.parent] }
        .groupTuple()
    // every method's implantation of the model (<model>_<db>_<method>/implant.tsv, implant_curves.tsv:
    // one folder per database and method, so they do not clash under run/implant/); raw always
    // runs, so every model has at least one
    def ch_implant_dirs = SATORI_IMPLANT.out.implant
        .map { meta, tsv -> [meta.model_id, tsv.parent] }
        .groupTuple()
    def ch_report_input = SATORI_TRAIN.out.model
        .map { meta, model -> [meta.id, meta, model] }
        .join(ch_filter_dirs)
        .join(ch_interpret_dirs)
        .join(ch_evaluate_dirs)
        .join(ch_implant_dirs)
        .map { _model_id, meta, model, filter_dirs, interpret_dirs, evaluate_dirs, implant_dirs ->
            [meta.dataset, meta, model, filter_dirs, interpret_dirs, evaluate_dirs, implant_dirs]
        }
        .combine(ch_simulate_dir, by: 0)
        .map { _dataset, meta, model, filter_dirs, interpret_dirs, evaluate_dirs, implant_dirs, simulate_dir ->
            [meta, simulate_dir, [], model, filter_dirs, interpret_dirs, [], [], evaluate_dirs, [], implant_dirs]
        }

    emit:
    report_input    = ch_report_input                          // channel: [ meta, simulate, [], model, filter_motifs, interpret_raw, [], [], evaluate, [], implant ]
    summary         = SATORI_SUMMARIZE.out.summary             // channel: [ meta, benchmark_summary.tsv ]
    evaluations     = SATORI_EVALUATE.out.evaluation           // channel: [ meta, evaluation.json ]
    models          = SATORI_TRAIN.out.model                   // channel: [ meta, model directory ]
    filter_motifs   = SATORI_FILTER_MOTIFS.out.filter_motifs   // channel: [ meta, filter_motifs.tsv ]
    tf_interactions = SATORI_INTERPRET_RAW.out.tf_interactions // channel: [ meta, tf_interactions.tsv ]
    implant         = SATORI_IMPLANT.out.implant               // channel: [ meta, implant.tsv ] (one per configuration x method)
}
