process SATORI_REPORT {
    tag "${meta.id}"
    label 'process_low'

    container "${params.satori_container}"

    // One configuration's outputs, staged as a run tree that satori-report reads by file name:
    // run/<step>/<the step's output folder>/... Each step's output folder is named after its own
    // configuration (e.g. filter_motifs/data-40_lambda0_jaspar/), so the database variants and
    // methods of one model sit side by side without clashing (implant/<model>_<db>_<method>/ holds
    // one method's implant.tsv and implant_curves.tsv). Absent steps are given as [].
    input:
    tuple val(meta), path(simulate, stageAs: 'run/simulate/*'), path(prepare_dhs, stageAs: 'run/prepare_dhs/*'), path(model, stageAs: 'run/train/*'), path(filter_motifs, stageAs: 'run/filter_motifs/*'), path(interpret_raw, stageAs: 'run/interpret_raw/*'), path(interpret_attr, stageAs: 'run/interpret_attr/*'), path(dfim, stageAs: 'run/dfim/*'), path(evaluate, stageAs: 'run/evaluate/*'), path(hippie, stageAs: 'run/hippie/*'), path(implant, stageAs: 'run/implant/*')

    output:
    tuple val(meta), path("${prefix}")                        , emit: report
    tuple val(meta), path("${prefix}/report.html")            , emit: html
    tuple val(meta), path("${prefix}/report_summary.json")    , emit: summary
    tuple val(meta), path("${prefix}/params.json")            , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-report --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    satori-report \\
        --run run \\
        --outdir ${prefix} \\
        --title "satori report: ${meta.id}" \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}/figures
    touch ${prefix}/report.html
    touch ${prefix}/report_summary.json
    touch ${prefix}/params.json
    """
}
