//
// The real-data path: peaks of several samples, a genome and an annotation → a multi-label
// dataset (satori-prepare-dhs) → one model per entropy λ (satori-train) → filter motifs against
// JASPAR or --motif_db (satori-filter-motifs) → interactions against a dinucleotide-shuffled
// background from raw attention (satori-interpret-raw) and, where --methods names them, attention
// attribution (satori-interpret-attr) and DFIM (satori-dfim) → each method's TF pairs tested by
// implantation (satori-implant, as in the benchmark) and known protein–protein interactions among
// them (satori-hippie-lookup, when --ppi is given).
//
// Meta keys, as in the simulated benchmark (subworkflows/local/simulated_benchmark):
//   id              unique name of the configuration at that step (e.g. dhs-promoter_lambda0.01_jaspar_raw)
//   dataset         dataset name: 'dhs-<mode>' (what satori-report calls a prepare-dhs run)
//   mode            satori-prepare-dhs --mode: promoter, genome or enhancer
//   entropy_lambda  weight of the attention-entropy loss (SATORI_TRAIN --entropy-lambda)
//   model_id        id of the trained model a configuration uses
//   db              motif database: 'jaspar' (bundled JASPAR) or 'motif_db' (the --motif_db file)
//   background      satori-interpret-raw --background: 'shuffle' (multi-label data has no negatives)
//   method          interpretation method: 'raw' (attention), 'attr' (attention attribution), 'dfim' (DFIM)
//

include { SATORI_PREPARE_DHS   } from '../../../modules/local/satori/prepare_dhs'
include { SATORI_TRAIN         } from '../../../modules/local/satori/train'
include { SATORI_FILTER_MOTIFS } from '../../../modules/local/satori/filter_motifs'
include { SATORI_INTERPRET_RAW  } from '../../../modules/local/satori/interpret_raw'
include { SATORI_INTERPRET_ATTR } from '../../../modules/local/satori/interpret_attr'
include { SATORI_DFIM           } from '../../../modules/local/satori/dfim'
include { SATORI_IMPLANT        } from '../../../modules/local/satori/implant'
include { SATORI_HIPPIE_LOOKUP  } from '../../../modules/local/satori/hippie_lookup'

workflow REAL_DATA {

    take:
    ch_samplesheet  // channel: [ meta(id: sample), bed ], one per row of --input, in sheet order
    genome          //  string: genome FASTA (plain or bgzip)
    gtf             //  string: GTF/GFF3 annotation, or null
    tss             //  string: TSS BED, or null (promoter mode needs gtf or tss)
    mode            //  string: promoter, genome or enhancer
    entropy_lambdas //    list: entropy-loss weights, e.g. ['0', '0.01']
    motif_db        //  string: MEME file the filters are matched against, or null (bundled JASPAR)
    ppi             //  string: PSI-MITAB file (HIPPIE, BioGRID, ...), or null (no lookup)
    ppi_name_map    //  string: TSV motif/TF name → gene symbol(s), or null
    methods         //    list: any of 'raw', 'attr', 'dfim' (raw always runs: the reports read it), as in the benchmark

    main:

    // (not `dataset`: a local named like an emit takes the emit's assignment, leaving the output unbound)
    def dataset_name = "dhs-${mode}".toString()
    def db = motif_db ? 'motif_db' : 'jaspar'

    //
    // MODULE: one multi-label dataset from every sample's peaks (label columns in sheet order)
    //
    def ch_prepare_input = ch_samplesheet
        .toList()
        .map { rows ->
            [
                [id: dataset_name, dataset: dataset_name, mode: mode],
                rows.collect { row -> row[0].id },
                rows.collect { row -> row[1] },
                file(genome, checkIfExists: true),
                gtf ? file(gtf, checkIfExists: true) : [],
                tss ? file(tss, checkIfExists: true) : []
            ]
        }
    SATORI_PREPARE_DHS(ch_prepare_input)

    //
    // MODULE: one model per entropy λ
    //
    def ch_train_input = SATORI_PREPARE_DHS.out.dataset
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

    // One configuration per model: [ meta, model, fasta, labels, motif_db ]
    def ch_config = SATORI_TRAIN.out.model
        .combine(SATORI_PREPARE_DHS.out.dataset.map { _meta, fasta, labels -> [fasta, labels] })
        .map { meta, model, fasta, labels ->
            def config_meta = meta + [id: "${meta.id}_${db}".toString(), model_id: meta.id, db: db, background: 'shuffle']
            [config_meta, model, fasta, labels, motif_db ? file(motif_db, checkIfExists: true) : []]
        }

    //
    // MODULE: filters → PWMs → TomTom against the motif database
    //
    SATORI_FILTER_MOTIFS(ch_config)

    //
    // MODULE: interactions from raw attention, attention attribution and DFIM (the last two only
    // where --methods names them; background: shuffled foreground)
    //
    def ch_interpret_input = ch_config
        .map { meta, model, fasta, labels, _motif_db -> [meta, model, fasta, labels] }
        .join(SATORI_FILTER_MOTIFS.out.filter_motifs)
    SATORI_INTERPRET_RAW(ch_interpret_input)
    SATORI_INTERPRET_ATTR(ch_interpret_input.filter { _row -> 'attr' in methods })
    SATORI_DFIM(ch_interpret_input.filter { _row -> 'dfim' in methods })

    // Every method's TF pairs, one configuration per method: meta.id <configuration>_<method>
    def ch_tf_interactions = SATORI_INTERPRET_RAW.out.tf_interactions
        .map { meta, tf_interactions -> [meta, 'raw', tf_interactions] }
        .mix(SATORI_INTERPRET_ATTR.out.tf_interactions.map { meta, tsv -> [meta, 'attr', tsv] })
        .mix(SATORI_DFIM.out.tf_interactions.map { meta, tsv -> [meta, 'dfim', tsv] })
        .map { meta, method, tf_interactions ->
            [meta + [id: "${meta.id}_${method}".toString(), method: method], tf_interactions]
        }

    //
    // MODULE: implant every method's TF pairs (significant ones and as many controls) into
    // background sequences at every gap and orientation, as in the benchmark: the methods that
    // run (--methods) are the ones whose pairs are implanted. One motif database per model here,
    // so the model's inputs and filter folder are found by model id.
    //
    def ch_config_by_model = ch_config.map { meta, model, fasta, labels, motif_db_file -> [meta.model_id, model, fasta, labels, motif_db_file] }
    def ch_filter_motifs_dir = SATORI_FILTER_MOTIFS.out.filter_motifs.map { meta, tsv -> [meta.model_id, tsv.parent] }
    def ch_implant_input = ch_tf_interactions
        .map { meta, tsv -> [meta.model_id, meta, tsv] }
        .combine(ch_config_by_model, by: 0)
        .combine(ch_filter_motifs_dir, by: 0)
        .map { _model_id, meta, tsv, model, fasta, labels, motif_db_file, filter_motifs_dir ->
            [meta, model, fasta, labels, filter_motifs_dir, tsv, motif_db_file]
        }
    SATORI_IMPLANT(ch_implant_input)

    //
    // MODULE: known protein–protein interactions among each method's predicted TF pairs
    //
    // Per model, the lookup folders its report reads ([] when there is no lookup)
    def ch_hippie_dirs = SATORI_TRAIN.out.model.map { meta, _model -> [meta.id, []] }
    if (ppi) {
        SATORI_HIPPIE_LOOKUP(
            ch_tf_interactions.map { meta, tf_interactions ->
                [meta, tf_interactions, file(ppi, checkIfExists: true), ppi_name_map ? file(ppi_name_map, checkIfExists: true) : []]
            }
        )
        ch_hippie_dirs = SATORI_HIPPIE_LOOKUP.out.summary
            .map { meta, summary -> [meta.model_id, summary.parent] }
            .groupTuple()
    }
    else {
        log.warn("[satori] No --ppi given: the real-data path ends before satori-hippie-lookup (known protein-protein interactions among the predicted pairs). Give a PSI-MITAB file such as HIPPIE's current release with --ppi.")
    }

    //
    // What each model's report reads, as step output folders ([] for the steps this path lacks or
    // --methods leaves out): [ meta, simulate, prepare_dhs, model, filter_motifs, interpret_raw,
    // interpret_attr, dfim, evaluate, hippie, implant ]. The interpreter folders are grouped per model and
    // method in one pass, so a method that does not run gives [] instead of dropping the model; the
    // implant folders (<configuration>_<method>/, one per method) per model, raw's always among them.
    //
    def ch_prepare_dir = SATORI_PREPARE_DHS.out.params_json.map { _meta, params_json -> params_json.parent }
    def ch_filter_dirs = SATORI_FILTER_MOTIFS.out.filter_motifs
        .map { meta, tsv -> [meta.model_id, tsv.parent] }
        .groupTuple()
    def ch_interpret_dirs = ch_tf_interactions
        .map { meta, tsv -> [meta.model_id, [meta.method, tsv.parent]] }
        .groupTuple()
        .map { model_id, method_dirs ->
            def by_method = ['raw', 'attr', 'dfim'].collect { method ->
                method_dirs.findAll { entry -> entry[0] == method }.collect { entry -> entry[1] }
            }
            [model_id] + by_method
        }
    def ch_implant_dirs = SATORI_IMPLANT.out.implant
        .map { meta, tsv -> [meta.model_id, tsv.parent] }
        .groupTuple()
    def ch_report_input = SATORI_TRAIN.out.model
        .map { meta, model -> [meta.id, meta, model] }
        .join(ch_filter_dirs)
        .join(ch_interpret_dirs)
        .join(ch_hippie_dirs)
        .join(ch_implant_dirs)
        .combine(ch_prepare_dir)
        .map { _model_id, meta, model, filter_dirs, raw_dirs, attr_dirs, dfim_dirs, hippie_dirs, implant_dirs, prepare_dir ->
            [meta, [], prepare_dir, model, filter_dirs, raw_dirs, attr_dirs, dfim_dirs, [], hippie_dirs, implant_dirs]
        }

    emit:
    report_input    = ch_report_input                          // channel: [ meta, [], prepare_dhs, model, filter_motifs, interpret_raw, interpret_attr, dfim, [], hippie, implant ]
    dataset         = SATORI_PREPARE_DHS.out.dataset           // channel: [ meta, sequences.fa.gz, labels.tsv ]
    models          = SATORI_TRAIN.out.model                   // channel: [ meta, model directory ]
    filter_motifs   = SATORI_FILTER_MOTIFS.out.filter_motifs   // channel: [ meta, filter_motifs.tsv ]
    tf_interactions = ch_tf_interactions                       // channel: [ meta (id <configuration>_<method>, method), tf_interactions.tsv ], every method
    implant         = SATORI_IMPLANT.out.implant               // channel: [ meta (id <configuration>_<method>, method), implant.tsv ], every method
}
