process MULTIQC {
    tag "${meta.id}"
    label 'process_single'

    // MultiQC's own image (the one the nf-core module uses), not the satori image
    container "${workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ? 'https://community-cr-prod.seqera.io/docker/registry/v2/blobs/sha256/c8/c8e346f4f6080eadf1253505e6ff09ef004454fc18e8d672006fd7b222cc412e/data' : 'community.wave.seqera.io/library/multiqc:1.35--c17fb751507e9dfc'}"

    input:
    tuple val(meta), path(multiqc_files, stageAs: '?/*'), path(multiqc_config, stageAs: '?/*'), path(multiqc_logo)

    output:
    tuple val(meta), path("*.html") , emit: report
    tuple val(meta), path("*_data") , emit: data
    tuple val(meta), path("*_plots"), emit: plots, optional: true
    // Not on the `versions` topic: this step's input waits for that topic to close (the collated
    // versions), so emitting into the topic would keep it open forever (as in the nf-core module)
    tuple val("${task.process}"), val('multiqc'), eval('multiqc --version | sed "s/.* //g"'), emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ? "--filename ${task.ext.prefix}.html" : ''
    def config = multiqc_config ? "--config ${multiqc_config}" : ''
    def logo = multiqc_logo ? "--cl-config 'custom_logo: \"${multiqc_logo}\"'" : ''
    """
    multiqc \\
        --force \\
        ${args} \\
        ${config} \\
        ${prefix} \\
        ${logo} \\
        .
    """

    stub:
    """
    mkdir multiqc_data
    touch multiqc_data/.stub
    mkdir multiqc_plots
    touch multiqc_plots/.stub
    touch multiqc_report.html
    """
}
