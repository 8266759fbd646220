process SATORI_EVALUATE {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(tf_interactions), path(cluster_interactions), path(truth)

    output:
    tuple val(meta), path("${prefix}/evaluation.json"), emit: evaluation
    tuple val("${task.process}"), val('satori'), eval('satori-evaluate --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def db_label_arg = meta.db ? "--db-label ${meta.db}" : ''
    """
    satori-evaluate \\
        --interactions ${tf_interactions} \\
        --clusters ${cluster_interactions} \\
        --truth ${truth} \\
        --outdir ${prefix} \\
        ${db_label_arg} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/evaluation.json
    touch ${prefix}/params.json
    """
}
