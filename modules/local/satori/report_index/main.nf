process SATORI_REPORT_INDEX {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), path(reports, arity: '1..*', stageAs: 'reports/*')

    output:
    tuple val(meta), path("${prefix}/index.html")            , emit: html
    tuple val(meta), path("${prefix}/index_summary.tsv")     , emit: summary
    tuple val(meta), path("${prefix}/figures")               , emit: figures, optional: true
    tuple val(meta), path("${prefix}/satori_summary_mqc.tsv"), emit: mqc_table
    tuple val(meta), path("${prefix}/satori_*_mqc.png")      , emit: mqc_plots, optional: true
    tuple val(meta), path("${prefix}/params.json")           , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-report --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    // The page links to each report relative to itself: the report folders are linked into the
    // output folder (<prefix>/<configuration>/), where they are also published, next to index.html.
    // A staged input's name is its stage alias, folder included ('reports/<configuration>'), so
    // the configuration is the alias's last component (and not .baseName: ids like lambda0.01 hold dots).
    def configurations = reports.collect { report -> report.name.tokenize('/')[-1] }
    def targets = configurations.collect { configuration -> "../reports/${configuration}" }.join(' ')
    def linked = configurations.collect { configuration -> "${prefix}/${configuration}" }.join(' ')
    """
    mkdir -p ${prefix}
    ln -s ${targets} ${prefix}/

    satori-report \\
        --index ${linked} \\
        --outdir ${prefix} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}/figures
    touch ${prefix}/index.html
    touch ${prefix}/index_summary.tsv
    touch ${prefix}/satori_summary_mqc.tsv
    touch ${prefix}/satori_auc_mqc.png
    touch ${prefix}/params.json
    """
}
