process SATORI_SUMMARIZE {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(manifest), path(evaluations, stageAs: 'evaluations/*'), path(models, stageAs: 'models/*')

    output:
    tuple val(meta), path("${prefix}/benchmark_summary.tsv") , emit: summary
    tuple val(meta), path("${prefix}/params.json")           , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-summarize --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    satori-summarize \\
        --manifest ${manifest} \\
        --outdir ${prefix} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/benchmark_summary.tsv
    touch ${prefix}/params.json
    """
}
