process SATORI_SIMULATE {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(motif_db)

    output:
    tuple val(meta), path("${prefix}/sequences.fa.gz"), path("${prefix}/labels.tsv"), emit: dataset
    tuple val(meta), path("${prefix}/pairs.tsv")                                     , emit: pairs
    tuple val(meta), path("${prefix}/motifs.meme")                                   , emit: motifs
    tuple val(meta), path("${prefix}/implants.tsv")                                  , emit: implants
    tuple val(meta), path("${prefix}/params.json")                                   , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-simulate --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def preset_arg = meta.preset ? "--preset ${meta.preset}" : ''
    def motif_db_arg = motif_db ? "--motif-db ${motif_db}" : ''
    """
    satori-simulate \\
        --outdir ${prefix} \\
        ${preset_arg} \\
        ${motif_db_arg} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    echo "" | gzip > ${prefix}/sequences.fa.gz
    touch ${prefix}/labels.tsv
    touch ${prefix}/pairs.tsv
    touch ${prefix}/motifs.meme
    touch ${prefix}/implants.tsv
    touch ${prefix}/params.json
    """
}
