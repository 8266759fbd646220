#!/usr/bin/env nextflow
/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    satori
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    SATORI 2.0: self-attention networks that detect transcription-factor cooperativity.
    One process per bin/satori-<step> tool; see README.md.
----------------------------------------------------------------------------------------
*/

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    IMPORT FUNCTIONS / MODULES / SUBWORKFLOWS / WORKFLOWS
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

include { SATORI                  } from './workflows/satori'
include { PIPELINE_INITIALISATION } from './subworkflows/local/utils_satori_pipeline'
include { PIPELINE_COMPLETION     } from './subworkflows/local/utils_satori_pipeline'

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    RUN MAIN WORKFLOW
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

workflow {

    main:

    //
    // SUBWORKFLOW: version, help, parameter summary and validation, samplesheet
    //
    PIPELINE_INITIALISATION(
        params.version,
        params.validate_params,
        params.monochrome_logs,
        args,
        params.outdir,
        params.input,
        params.genome,
        params.gtf,
        params.tss,
        params.dhs_mode,
        params.help,
        params.help_full,
        params.show_hidden
    )

    //
    // WORKFLOW: the analysis: the real-data path with --input, the simulated benchmark without
    //
    SATORI(
        PIPELINE_INITIALISATION.out.samplesheet,
        params.input ? true : false,
        params.genome,
        params.gtf,
        params.tss,
        params.dhs_mode,
        params.motif_db,
        params.ppi,
        params.ppi_name_map,
        params.datasets,
        params.entropy_lambdas,
        params.db_modes,
        params.methods,
        params.skip_multiqc,
        params.multiqc_config,
        params.multiqc_logo,
        params.outdir
    )

    //
    // SUBWORKFLOW: completion message
    //
    PIPELINE_COMPLETION(
        params.monochrome_logs,
        params.outdir
    )
}

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    THE END
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/
