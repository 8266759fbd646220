process SATORI_HIPPIE_LOOKUP {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(tf_interactions), path(ppi), path(name_map)

    output:
    tuple val(meta), path("${prefix}/ppi_matches.tsv") , emit: matches
    tuple val(meta), path("${prefix}/ppi_summary.json"), emit: summary
    tuple val(meta), path("${prefix}/params.json")     , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-hippie-lookup --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def name_map_arg = name_map ? "--name-map ${name_map}" : ''
    """
    satori-hippie-lookup \\
        --interactions ${tf_interactions} \\
        --ppi ${ppi} \\
        ${name_map_arg} \\
        --outdir ${prefix} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/ppi_matches.tsv
    touch ${prefix}/ppi_summary.json
    touch ${prefix}/params.json
    """
}
