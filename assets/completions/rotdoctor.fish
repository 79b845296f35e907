# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rotdoctor_global_optspecs
    string join \n color= v/verbose profile= region= endpoint-url= timeout= h/help V/version
end

function __fish_rotdoctor_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rotdoctor_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rotdoctor_using_subcommand
    set -l cmd (__fish_rotdoctor_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -s V -l version -d 'Print version'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "check" -d 'Check the rotation of one or more secrets'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "logs" -d 'Show the rotation function\'s recent log, read invocation by invocation'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "checks" -d 'List the checks, one line each'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "explain" -d 'Explain a check: what it reads, what it concludes, how to fix it'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "permissions" -d 'Print the read-only IAM policy rotdoctor itself needs'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "man" -d 'Print the man page (roff): rotdoctor(1), or a command\'s, such as rotdoctor-check(1)'
complete -c rotdoctor -n "__fish_rotdoctor_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l name-prefix -d 'With --all, only the secrets whose name starts with PREFIX' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l tag -d 'With --all, only the secrets with this tag (repeat for several)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l regions -d 'With --all, check these Regions (comma-separated) concurrently, or `all` for every Region enabled in the account [default: the configured one]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l accounts -d 'With --all, check the accounts FILE lists (lines of `id[,name[,regions[,role name]]]`, or a JSON array of {"id","name","regions","role_name"}), each through an assumed role' -r -F
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l role-name -d 'The role rotdoctor assumes in each account of --accounts or --org but its own (give it rotdoctor permissions\' read-only policy)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l external-id -d 'The external id the roles of --accounts or --org require' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l quota-share -d 'With --all, the share of each API quota that bounds a scan (GetResourcePolicy\'s 50/s, LookupEvents\' 2/s, ...) rotdoctor may use in each account and Region, leaving the rest to the account\'s workloads' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l concurrency -d 'How many secrets are examined at once' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l event -d 'Check the secret whose rotation failure this EventBridge event or CloudTrail record reports (`-` reads it from stdin), with the failure as evidence' -r -F
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l facts -d 'Check facts saved by --save-facts instead of asking AWS (no account needed)' -r -F
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l save-facts -d 'Also write the gathered facts to FILE (secret values are never in them)' -r -F
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -s o -l output -d 'The report format' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0, for code-scanning dashboards'
junit\t'JUnit XML, for CI test reports'
markdown\t'Markdown, for $GITHUB_STEP_SUMMARY'
script\t'A commented shell script of every fix, root causes first (never run by rotdoctor)'
asff\t'AWS Security Finding Format, as BatchImportFindings\' input, for Security Hub'
gitlab\t'GitLab\'s SAST security report (schema 15.2.1), for merge requests'"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l iac -d 'Also write each fix that changes a resource in this language: by default the one the resource\'s tags show (CloudFormation, Terraform)' -r -f -a "cloudformation\t''
terraform\t''
cdk\t''
all\t'All three'
none\t'No IaC snippet, even where the tags show a language'"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l fail-on -d 'The lowest status that makes the exit code 1' -r -f -a "fail\t'fail and error findings'
warn\t'warn, fail and error findings'"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l only -d 'Run only these checks (comma-separated)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l skip -d 'Do not run these checks (comma-separated)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l suppressions -d 'Accept the findings this file lists, with a reason each: they are reported as suppressed and no longer fail the gate' -r -F
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l since -d 'How far back CloudTrail and the function\'s log are read: a duration (30m, 6h, 1d, 2w) or an RFC 3339 time, at most 400 days back [default: 7d]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l all -d 'Check every secret with rotation configured in the account and region'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l include-unrotated -d 'With --all, also the secrets without rotation configured'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l org -d 'With --all, check every active account of the organization (organizations:ListAccounts, from the management or a delegated administrator account), each through an assumed role'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l security-hub -d 'Also import the findings into Security Hub (BatchImportFindings, in each secret\'s own account and Region): rotdoctor\'s one write, which `rotdoctor permissions --security-hub` grants'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -l github -d 'Also write GitHub Actions annotations to stderr [default: on when GITHUB_ACTIONS=true]'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l since -d 'From when: a duration back from now (30m, 6h, 1d, 2w) or an RFC 3339 time [default: the last rotation attempt, else 1h]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -s o -l output -d 'The output format' -r -f -a "human\t''
json\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -s f -l follow -d 'Keep printing new events as they arrive (stop with Ctrl-C)'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -l errors -d 'Show only the invocations that failed, and only their error lines'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand checks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l only -d 'Run only these checks (comma-separated)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l skip -d 'Do not run these checks (comma-separated)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l role-name -d 'With --scanner, the role rotdoctor assumes in each account (as check\'s --role-name)' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l scanner -d 'Print instead what the identity running `check --accounts` or `--org` needs besides: sts:AssumeRole on the role in each account, and organizations:ListAccounts'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -l security-hub -d 'Also grant `check --security-hub`\'s one write: securityhub:BatchImportFindings into the account\'s own product'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand permissions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -l color -d 'When to color the output [NO_COLOR is honoured by auto]' -r -f -a "auto\t'Color when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -l profile -d 'Use this named profile from the AWS config files [env: AWS_PROFILE]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -l region -d 'The region of the secrets [env: AWS_REGION]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -l endpoint-url -d 'Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -l timeout -d 'Give up on an AWS call that has not answered, retries included, after this many seconds' -r
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -s v -l verbose -d 'Show the evidence of passing checks, and each AWS call\'s timing on stderr'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "check" -d 'Check the rotation of one or more secrets'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "logs" -d 'Show the rotation function\'s recent log, read invocation by invocation'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "checks" -d 'List the checks, one line each'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "explain" -d 'Explain a check: what it reads, what it concludes, how to fix it'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "permissions" -d 'Print the read-only IAM policy rotdoctor itself needs'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "man" -d 'Print the man page (roff): rotdoctor(1), or a command\'s, such as rotdoctor-check(1)'
complete -c rotdoctor -n "__fish_rotdoctor_using_subcommand help; and not __fish_seen_subcommand_from check logs checks explain permissions completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
