process SATORI_DFIM {
    tag "${meta.id}"
    label 'process_medium'
    label 'process_gpu'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(model), path(fasta), path(labels), path(filter_motifs)

    output:
    tuple val(meta), path("${prefix}/interactions.tsv")         , emit: interactions
    tuple val(meta), path("${prefix}/tf_interactions.tsv")      , emit: tf_interactions
    tuple val(meta), path("${prefix}/cluster_interactions.tsv") , emit: cluster_interactions
    tuple val(meta), path("${prefix}/params.json")              , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-dfim --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def background_arg = meta.background ? "--background ${meta.background}" : ''
    """
    satori-dfim \\
        --model ${model} \\
        --fasta ${fasta} \\
        --labels ${labels} \\
        --filter-motifs ${filter_motifs} \\
        --outdir ${prefix} \\
        ${background_arg} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/interactions.tsv
    touch ${prefix}/tf_interactions.tsv
    touch ${prefix}/cluster_interactions.tsv
    touch ${prefix}/params.json
    """
}
