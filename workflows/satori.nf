/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    IMPORT MODULES / SUBWORKFLOWS / FUNCTIONS
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

include { SIMULATED_BENCHMARK    } from '../subworkflows/local/simulated_benchmark'
include { REAL_DATA              } from '../subworkflows/local/real_data'
include { SATORI_REPORT          } from '../modules/local/satori/report'
include { SATORI_REPORT_INDEX    } from '../modules/local/satori/report_index'
include { MULTIQC                } from '../modules/local/multiqc'
include { paramsSummaryMap       } from 'plugin/nf-schema'
include { paramsSummaryMultiqc   } from '../subworkflows/local/utils_satori_pipeline'
include { splitList              } from '../subworkflows/local/utils_satori_pipeline'
include { workflowVersionToYAML  } from '../subworkflows/local/utils_satori_pipeline'

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    RUN MAIN WORKFLOW
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

workflow SATORI {

    take:
    ch_samplesheet  // channel: [ meta, bed ] rows of --input (the real-data path); empty without --input
    real_data       // boolean: run the real-data path (--input given) instead of the simulated benchmark
    genome          //  string: real data: genome FASTA
    gtf             //  string: real data: GTF/GFF3 annotation, or null
    tss             //  string: real data: TSS BED, or null
    dhs_mode        //  string: real data: satori-prepare-dhs --mode (promoter, genome, enhancer)
    motif_db        //  string: real data: MEME file the filters are matched against, or null (JASPAR)
    ppi             //  string: real data: PSI-MITAB file for satori-hippie-lookup, or null
    ppi_name_map    //  string: real data: motif/TF name → gene symbol TSV, or null
    datasets        //  string: benchmark: comma-separated simulation presets, e.g. 'data-40,data-60'
    entropy_lambdas //  string: both paths: comma-separated entropy-loss weights, e.g. '0,0.01'
    db_modes        //  string: benchmark: comma-separated motif databases: 'jaspar', 'simulation'
    methods         //  string: both paths: comma-separated interpretation methods: 'raw', 'attr', 'dfim'
    skip_multiqc    // boolean: no MultiQC report
    multiqc_config  //  string: MultiQC config file, or null (assets/multiqc_config.yml)
    multiqc_logo    //  string: logo for the MultiQC report, or null
    outdir          //  string: where results are published

    main:

    def ch_report_input = channel.empty()
    def ch_summary = channel.empty()

    if (real_data) {
        //
        // SUBWORKFLOW: the real-data path, peaks → dataset → models (entropy λ) → motifs →
        // interactions → known protein–protein interactions. The simulated benchmark does not run.
        //
        REAL_DATA(
            ch_samplesheet,
            genome,
            gtf,
            tss,
            dhs_mode,
            splitList(entropy_lambdas),
            motif_db,
            ppi,
            ppi_name_map,
            splitList(methods)
        )
        ch_report_input = REAL_DATA.out.report_input
    }
    else {
        //
        // SUBWORKFLOW: the simulated benchmark, datasets × entropy λ × motif database × method
        //
        SIMULATED_BENCHMARK(
            splitList(datasets),
            splitList(entropy_lambdas),
            splitList(db_modes),
            splitList(methods)
        )
        ch_report_input = SIMULATED_BENCHMARK.out.report_input
        ch_summary = SIMULATED_BENCHMARK.out.summary
    }

    //
    // MODULE: one report per configuration (a trained model with its motifs, interactions,
    // evaluations or known interactions): report/<configuration>/report.html
    //
    SATORI_REPORT(ch_report_input)

    //
    // MODULE: the page comparing the configurations, report/index.html, and the MultiQC custom
    // content (summary table, AUC and precision/recall/F1 plots)
    //
    SATORI_REPORT_INDEX(
        SATORI_REPORT.out.report
            .map { _meta, report -> report }
            .collect()
            .map { reports -> [[id: 'report'], reports] }
    )

    //
    // Collate and save software versions (every satori module emits its version on the `versions` topic)
    //
    def ch_collated_versions = channel.topic('versions')
        .distinct()
        .map { process_name, tool, version ->
            [process_name.toString().tokenize(':')[-1], "  ${tool}: ${version}".toString()]
        }
        .groupTuple(by: 0)
        .map { process_name, tool_versions ->
            "${process_name}:\n${tool_versions.unique().sort().join('\n')}".toString()
        }
        .mix(channel.of(workflowVersionToYAML()))
        .collectFile(
            storeDir: "${outdir}/pipeline_info",
            name: 'satori_software_mqc_versions.yml',
            sort: true,
            newLine: true
        )

    //
    // MODULE: MultiQC closes the run: parameter summary, software versions, and satori's summary
    // table and key plots as custom content. It caches on -resume like every other step: the
    // summary leaves out what changes from run to run (paramsSummaryMultiqc), collectFile
    // gives the same file for the same content, and the files are sorted by name (mix gives
    // them in the order they arrive; sorted, the staged folders 1/, 2/, ... hold the same file
    // on every run).
    //
    def ch_multiqc_report = channel.empty()
    if (!skip_multiqc) {
        def ch_summary_params = paramsSummaryMap(workflow, parameters_schema: "nextflow_schema.json")
        def ch_workflow_summary = channel.value(paramsSummaryMultiqc(ch_summary_params))
        def ch_multiqc_files = channel.empty()
            .mix(ch_workflow_summary.collectFile(name: 'workflow_summary_mqc.yaml'))
            .mix(ch_collated_versions)
            .mix(SATORI_REPORT_INDEX.out.mqc_table.map { _meta, table -> table })
            .mix(SATORI_REPORT_INDEX.out.mqc_plots.map { _meta, plots -> plots })

        MULTIQC(
            ch_multiqc_files.flatten().toSortedList { a, b -> a.name <=> b.name }.map { files ->
                [
                    [id: 'satori'],
                    files,
                    multiqc_config
                        ? file(multiqc_config, checkIfExists: true)
                        : file("${projectDir}/assets/multiqc_config.yml", checkIfExists: true),
                    multiqc_logo ? file(multiqc_logo, checkIfExists: true) : []
                ]
            }
        )
        ch_multiqc_report = MULTIQC.out.report.map { _meta, report -> report }
    }

    emit:
    summary        = ch_summary                          // channel: [ meta, benchmark_summary.tsv ] (benchmark only)
    report_index   = SATORI_REPORT_INDEX.out.html        // channel: [ meta, index.html ]
    multiqc_report = ch_multiqc_report                   // channel: multiqc_report.html
    versions       = ch_collated_versions                // channel: satori_software_mqc_versions.yml
}

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    THE END
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/
