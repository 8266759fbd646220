//
// Start and end of a satori run: version, help, parameter summary and validation (nf-schema),
// the samplesheet of the real-data path, the MultiQC run summary, and the completion message.
// Written after the nf-core template's utils subworkflows, kept local (no remote modules).
//

include { paramsHelp         } from 'plugin/nf-schema'
include { paramsSummaryLog   } from 'plugin/nf-schema'
include { samplesheetToList  } from 'plugin/nf-schema'
include { validateParameters } from 'plugin/nf-schema'

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    SUBWORKFLOW TO INITIALISE PIPELINE
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

workflow PIPELINE_INITIALISATION {

    take:
    version           // boolean: print the pipeline version and exit
    validate_params   // boolean: validate the parameters against nextflow_schema.json
    monochrome_logs   // boolean: no ANSI colours in the log
    nextflow_cli_args //    list: positional arguments given to `nextflow run` (there should be none)
    outdir            //  string: where results are published
    input             //  string: samplesheet of the real-data path, or null (the simulated benchmark)
    genome            //  string: real data: genome FASTA
    gtf               //  string: real data: GTF/GFF3 annotation, or null
    tss               //  string: real data: TSS BED, or null
    dhs_mode          //  string: real data: promoter, genome or enhancer
    help              // boolean or string: print the help (of one parameter) and exit
    help_full         // boolean: print the help of every parameter and exit
    show_hidden       // boolean: include hidden parameters in the help

    main:

    if (version) {
        log.info("${workflow.manifest.name} ${getWorkflowVersion()}")
        System.exit(0)
    }

    def colors = logColours(monochrome_logs)
    def before_text = """
-${colors.dim}----------------------------------------------------${colors.reset}-
  ${colors.purple}${workflow.manifest.name} ${getWorkflowVersion()}${colors.reset}  ${workflow.manifest.description}
-${colors.dim}----------------------------------------------------${colors.reset}-
"""
    def after_text = """
* The method: Jabeen S, Ben-Hur A. A comprehensive evaluation of self-attention for detecting
  regulatory feature interactions. NAR Genomics and Bioinformatics 8(1):lqaf209 (2026)
* Software dependencies: PyTorch, memelite (TomTom), pyjaspar (JASPAR), tangermeme, nf-schema
"""
    def command = "nextflow run ${workflow.projectDir} -profile test,docker --outdir <OUTDIR>"

    if (help || help_full) {
        def help_options = [
            beforeText: before_text,
            afterText : after_text,
            command   : command,
            showHidden: show_hidden,
            fullHelp  : help_full
        ]
        log.info(paramsHelp(help_options, (help instanceof String && help != 'true') ? help : ''))
        System.exit(0)
    }

    //
    // Print the parameters that differ from the schema defaults, then validate them
    //
    log.info(before_text)
    log.info(paramsSummaryLog(workflow))
    log.info(after_text)
    if (validate_params.toString().toBoolean()) {
        validateParameters()
    }

    checkConfigProvided()
    checkProfileProvided(nextflow_cli_args)
    if (outdir) {
        dumpParametersToJSON(outdir)
    }

    //
    // Samplesheet of the real-data path (columns sample,bed; assets/schema_input.json). Relative
    // peak paths are read relative to the samplesheet, as satori-prepare-dhs reads its --peaks sheet.
    //
    def ch_samplesheet = channel.empty()
    if (input) {
        def sheet_dir = file(input).parent
        def rows = samplesheetToList(input, "${projectDir}/assets/schema_input.json")
            .collect { row -> [row[0], resolveSheetPath(row[1], sheet_dir, input)] }
        validateRealDataParameters(rows, genome, gtf, tss, dhs_mode)
        ch_samplesheet = channel.fromList(rows)
    }
    else if (genome || gtf || tss) {
        log.warn("--genome/--gtf/--tss belong to the real-data path, which runs with --input; without --input the simulated benchmark runs and ignores them")
    }

    emit:
    samplesheet = ch_samplesheet // channel: [ meta(id: sample), bed ], in sheet order
}

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    SUBWORKFLOW FOR PIPELINE COMPLETION
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

workflow PIPELINE_COMPLETION {

    take:
    monochrome_logs // boolean: no ANSI colours in the log
    outdir          //  string: where results are published

    main:

    workflow.onComplete {
        completionSummary(monochrome_logs, outdir)
    }

    workflow.onError {
        log.error("Pipeline failed: see the error above, the task's .command.err in its work directory, and .nextflow.log; fix the cause and rerun with -resume")
    }
}

/*
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    FUNCTIONS
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
*/

//
// A comma-separated parameter as a list of distinct, non-empty strings ('0,0.01' -> ['0', '0.01'])
//
def splitList(value) {
    if (value == null) {
        return []
    }
    return value.toString().tokenize(',').collect { item -> item.trim() }.findAll { item -> item }.unique()
}

//
// A peak file named in the samplesheet: absolute paths and URLs as given, relative paths from the
// samplesheet's folder (so a sheet and its peaks can move together, as with satori-prepare-dhs)
//
def resolveSheetPath(value, sheet_dir, sheet) {
    def text = value.toString()
    def path = (text.startsWith('/') || text.contains('://')) ? file(text) : sheet_dir.resolve(text)
    if (!path.exists()) {
        error("Samplesheet ${sheet}: peak file '${text}' not found (looked for ${path}; relative paths are read from the samplesheet's folder)")
    }
    return path
}

//
// The real-data parameters that go together: a genome always, an annotation for promoter mode
// (--gtf or --tss) and enhancer mode (--gtf), one BED of positives for enhancer mode
//
def validateRealDataParameters(rows, genome, gtf, tss, dhs_mode) {
    if (!genome) {
        error("--input (the real-data path) needs --genome: the genome FASTA the peaks were called on (plain or bgzip)")
    }
    if (gtf && tss) {
        error("Give one annotation: --gtf or --tss, not both")
    }
    if (dhs_mode == 'promoter' && !(gtf || tss)) {
        error("--dhs_mode promoter needs an annotation: --gtf (GTF/GFF3) or --tss (TSS BED)")
    }
    if (dhs_mode == 'enhancer' && !gtf) {
        error("--dhs_mode enhancer needs --gtf: the negatives are drawn from its exons, introns, UTRs and promoters")
    }
    if (dhs_mode == 'enhancer' && rows.size() != 1) {
        error("--dhs_mode enhancer takes one BED of enhancers (positives): the samplesheet has ${rows.size()} rows")
    }
}

//
// Workflow version: manifest version, plus the git commit when run from a repository
//
def getWorkflowVersion() {
    def version_string = ''
    if (workflow.manifest.version) {
        def prefix_v = workflow.manifest.version[0] != 'v' ? 'v' : ''
        version_string += "${prefix_v}${workflow.manifest.version}"
    }
    if (workflow.commitId) {
        version_string += "-g${workflow.commitId.substring(0, 7)}"
    }
    return version_string
}

//
// Pipeline and Nextflow versions, the first entry of the software versions YAML
//
def workflowVersionToYAML() {
    return """
    Workflow:
        ${workflow.manifest.name}: ${getWorkflowVersion()}
        Nextflow: ${workflow.nextflow.version}
    """.stripIndent().trim()
}

//
// The run's parameters (those that differ from the schema defaults) as a MultiQC custom-content
// section, from nf-schema's paramsSummaryMap (as the nf-core template writes it), without the
// entries of its 'Core Nextflow options' that differ between runs of the same pipeline on the
// same inputs: the run name (new on every run, -resume included) and the paths and user of the
// machine. MULTIQC takes this summary as an input: with them it would re-run on every -resume.
// (The execution report and params JSON in pipeline_info/ keep them.)
//
def paramsSummaryMultiqc(summary_params) {
    def run_specific = ['runName', 'launchDir', 'workDir', 'projectDir', 'userName', 'configFiles']
    def summary_section = ''
    summary_params.keySet().each { group ->
        def group_params = summary_params.get(group)
        if (group == 'Core Nextflow options') {
            group_params = group_params.findAll { param, _value -> !(param in run_specific) }
        }
        if (group_params) {
            summary_section += "    <p style=\"font-size:110%\"><b>${group}</b></p>\n"
            summary_section += "    <dl class=\"dl-horizontal\">\n"
            group_params.keySet().sort().each { param ->
                summary_section += "        <dt>${param}</dt><dd><samp>${group_params.get(param) ?: '<span style=\"color:#999999;\">N/A</span>'}</samp></dd>\n"
            }
            summary_section += "    </dl>\n"
        }
    }

    def yaml_file_text = "id: '${workflow.manifest.name.replace('/', '-')}-summary'\n"
    yaml_file_text += "description: ' - this information is collected when the pipeline is started.'\n"
    yaml_file_text += "section_name: '${workflow.manifest.name} Workflow Summary'\n"
    yaml_file_text += "plot_type: 'html'\n"
    yaml_file_text += "data: |\n"
    yaml_file_text += "${summary_section}"
    return yaml_file_text.toString()
}

//
// Warn when the pipeline runs without any profile or custom config
//
def checkConfigProvided() {
    if (workflow.profile == 'standard' && workflow.configFiles.size() <= 1) {
        def message = "[${workflow.manifest.name}] No profile or custom config given: tasks run on this machine with the software on its PATH. " +
            "Use e.g. `-profile docker`, `-profile singularity`, `-profile test` or `-c my.config` (see the README)."
        log.warn(message)
    }
}

//
// Stop on a -profile with a trailing comma; warn on positional arguments
//
def checkProfileProvided(nextflow_cli_args) {
    if (workflow.profile.endsWith(',')) {
        error("The -profile option cannot end with a comma: give profiles as one comma-separated word, e.g. `-profile test,docker`")
    }
    if (nextflow_cli_args && nextflow_cli_args[0]) {
        log.warn("The pipeline takes no positional arguments; `${nextflow_cli_args[0]}` is ignored (profiles are given as `-profile test,docker`, without spaces)")
    }
}

//
// Save the resolved parameters in <outdir>/pipeline_info/params_<timestamp>.json
//
def dumpParametersToJSON(outdir) {
    def timestamp = new java.util.Date().format('yyyy-MM-dd_HH-mm-ss')
    def filename = "params_${timestamp}.json"
    def temp_pf = new File(workflow.launchDir.toString(), ".${filename}")
    def json_str = groovy.json.JsonOutput.toJson(params)
    temp_pf.text = groovy.json.JsonOutput.prettyPrint(json_str)
    nextflow.extension.FilesEx.copyTo(temp_pf.toPath(), "${outdir}/pipeline_info/params_${timestamp}.json")
    temp_pf.delete()
}

//
// ANSI colours for the log (empty strings with --monochrome_logs)
//
def logColours(monochrome_logs) {
    def mono = monochrome_logs.toString().toBoolean()
    return [
        reset : mono ? '' : "\033[0m",
        dim   : mono ? '' : "\033[2m",
        red   : mono ? '' : "\033[0;31m",
        green : mono ? '' : "\033[0;32m",
        yellow: mono ? '' : "\033[0;33m",
        purple: mono ? '' : "\033[0;35m"
    ]
}

//
// One line at the end of the run, and where its results are
//
def completionSummary(monochrome_logs, outdir) {
    def colors = logColours(monochrome_logs)
    if (workflow.success) {
        if (workflow.stats.ignoredCount == 0) {
            log.info("-${colors.purple}[${workflow.manifest.name}]${colors.green} Pipeline completed successfully${colors.reset}-")
        }
        else {
            log.info("-${colors.purple}[${workflow.manifest.name}]${colors.yellow} Pipeline completed successfully, but with errored process(es)${colors.reset}-")
        }
        log.info("Results: ${outdir} (reports: ${outdir}/report/index.html; MultiQC: ${outdir}/multiqc; benchmark table: ${outdir}/summary/benchmark_summary.tsv; versions and execution reports: ${outdir}/pipeline_info)")
    }
    else {
        log.info("-${colors.purple}[${workflow.manifest.name}]${colors.red} Pipeline completed with errors${colors.reset}-")
    }
}
