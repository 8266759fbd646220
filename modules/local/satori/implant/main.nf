process SATORI_IMPLANT {
    tag "${meta.id}"
    label 'process_medium'
    label 'process_gpu'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(model), path(fasta), path(labels), path(filter_motifs, stageAs: 'filter_motifs/*'), path(tf_interactions), path(motif_db)

    output:
    tuple val(meta), path("${prefix}/implant.tsv")        , emit: implant
    tuple val(meta), path("${prefix}/implant_curves.tsv") , emit: curves
    tuple val(meta), path("${prefix}/params.json")        , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-implant --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    // filter_motifs is satori-filter-motifs' output folder: its params.json names the
    // JASPAR selection the filters were named with; a custom database comes as motif_db
    def motif_db_arg = motif_db ? "--motif-db ${motif_db}" : ''
    """
    satori-implant \\
        --model ${model} \\
        --fasta ${fasta} \\
        --labels ${labels} \\
        --filter-motifs ${filter_motifs}/filter_motifs.tsv \\
        --interactions ${tf_interactions} \\
        --outdir ${prefix} \\
        ${motif_db_arg} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/implant.tsv
    touch ${prefix}/implant_curves.tsv
    touch ${prefix}/params.json
    """
}
