process SATORI_FILTER_MOTIFS {
    tag "${meta.id}"
    label 'process_low'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(model), path(fasta), path(labels), path(motif_db)

    output:
    tuple val(meta), path("${prefix}/filter_motifs.tsv")  , emit: filter_motifs
    tuple val(meta), path("${prefix}/filters.meme")       , emit: filters
    tuple val(meta), path("${prefix}/filter_matches.tsv") , emit: matches
    tuple val(meta), path("${prefix}/params.json")        , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-filter-motifs --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def motif_db_arg = motif_db ? "--motif-db ${motif_db}" : ''
    """
    satori-filter-motifs \\
        --model ${model} \\
        --fasta ${fasta} \\
        --labels ${labels} \\
        --outdir ${prefix} \\
        ${motif_db_arg} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/filter_motifs.tsv
    touch ${prefix}/filters.meme
    touch ${prefix}/filter_matches.tsv
    touch ${prefix}/params.json
    """
}
