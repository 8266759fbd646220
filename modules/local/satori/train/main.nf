process SATORI_TRAIN {
    tag "${meta.id}"
    label 'process_medium'
    label 'process_gpu'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(fasta), path(labels)

    output:
    tuple val(meta), path("${prefix}")              , emit: model
    tuple val(meta), path("${prefix}/metrics.json") , emit: metrics
    tuple val(meta), path("${prefix}/history.tsv")  , emit: history
    tuple val("${task.process}"), val('satori'), eval('satori-train --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def entropy_arg = meta.entropy_lambda != null ? "--entropy-lambda ${meta.entropy_lambda}" : ''
    """
    satori-train \\
        --fasta ${fasta} \\
        --labels ${labels} \\
        --outdir ${prefix} \\
        ${entropy_arg} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/model.pt
    touch ${prefix}/checkpoint.pt
    touch ${prefix}/config.json
    touch ${prefix}/history.tsv
    touch ${prefix}/metrics.json
    touch ${prefix}/params.json
    """
}
