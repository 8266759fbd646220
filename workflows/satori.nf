/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    IMPORT MODULES / SUBWORKFLOWS / FUNCTIONS
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

include { SIMULATED_BENCHMARK   } from '../subworkflows/local/simulated_benchmark'
// TODO(issue 9): include { REAL_DATA } from '../subworkflows/local/real_data'
//                (samplesheet → SATORI_PREPARE_DHS → SATORI_TRAIN (multi-label) → SATORI_FILTER_MOTIFS
//                 → interpret → SATORI_HIPPIE_LOOKUP)
// TODO(issue 12): include { SATORI_REPORT } from '../modules/local/satori/report'
//                 include { MULTIQC       } from '../modules/local/multiqc'
include { splitList             } from '../subworkflows/local/utils_satori_pipeline'
include { workflowVersionToYAML } from '../subworkflows/local/utils_satori_pipeline'

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    RUN MAIN WORKFLOW
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

workflow SATORI {

    take:
    ch_samplesheet  // channel: [ meta, bed ] from --input (the real-data path, issue 9); empty without --input
    datasets        //  string: comma-separated simulation presets, e.g. 'data-40,data-60'
    entropy_lambdas //  string: comma-separated entropy-loss weights, e.g. '0,0.01'
    db_modes        //  string: comma-separated motif databases: 'jaspar', 'simulation'
    outdir          //  string: where results are published

    main:

    //
    // SUBWORKFLOW: the simulated benchmark, datasets × entropy λ × motif database × method
    //
    SIMULATED_BENCHMARK(
        splitList(datasets),
        splitList(entropy_lambdas),
        splitList(db_modes)
    )

    // TODO(issue 9): REAL_DATA(ch_samplesheet, ...) when --input is given (and then probably
    //                skip the benchmark); PIPELINE_INITIALISATION stops on --input until then.

    //
    // Collate and save software versions (every module emits its version on the `versions` topic)
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
            name: 'satori_software_versions.yml',
            sort: true,
            newLine: true
        )

    // TODO(issue 12): SATORI_REPORT per configuration (report/<configuration>/), the report index
    //                 (report/index.html), and MULTIQC (--skip_multiqc) fed with ch_collated_versions,
    //                 the parameter summary and SIMULATED_BENCHMARK.out.summary as *_mqc custom content.

    emit:
    summary  = SIMULATED_BENCHMARK.out.summary // channel: [ meta, benchmark_summary.tsv ]
    versions = ch_collated_versions            // channel: satori_software_versions.yml
}

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    THE END
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/
