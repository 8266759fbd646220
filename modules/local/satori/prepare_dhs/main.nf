process SATORI_PREPARE_DHS {
    tag "${meta.id}"
    label 'process_single'

    container "${params.satori_container}"

    input:
    tuple val(meta), val(samples), path(peaks, arity: '1..*', stageAs: 'peaks/*/*'), path(genome), path(gtf), path(tss)

    output:
    tuple val(meta), path("${prefix}/sequences.fa.gz"), path("${prefix}/labels.tsv"), emit: dataset
    tuple val(meta), path("${prefix}/regions.bed")                                   , emit: regions
    tuple val(meta), path("${prefix}/summary.json")                                  , emit: summary
    tuple val(meta), path("${prefix}/params.json")                                   , emit: params_json
    tuple val("${task.process}"), val('satori'), eval('satori-prepare-dhs --version | sed "s/.* //"'), emit: versions_satori, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def mode = meta.mode ?: 'promoter'
    // Peak files are staged as peaks/<n>/<file name> (no clash between samples whose files share
    // a name); the samplesheet written here names them relative to itself, as satori-prepare-dhs
    // reads it. Enhancer mode takes one BED of positives, labelled with the sample's name.
    def sheet_rows = (0..<samples.size()).collect { i -> "${samples[i]},${peaks[i]}" }.join(' ')
    def peaks_arg = mode == 'enhancer' ? "--peaks ${peaks[0]} --label-name ${samples[0]}" : '--peaks samplesheet.csv'
    def gtf_arg = gtf ? "--gtf ${gtf}" : ''
    def tss_arg = tss ? "--tss ${tss}" : ''
    """
    printf '%s\\n' sample,bed ${sheet_rows} > samplesheet.csv

    satori-prepare-dhs \\
        --mode ${mode} \\
        ${peaks_arg} \\
        --genome ${genome} \\
        ${gtf_arg} \\
        ${tss_arg} \\
        --outdir ${prefix} \\
        --threads ${task.cpus} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    echo "" | gzip > ${prefix}/sequences.fa.gz
    touch ${prefix}/labels.tsv
    touch ${prefix}/regions.bed
    touch ${prefix}/summary.json
    touch ${prefix}/params.json
    """
}
