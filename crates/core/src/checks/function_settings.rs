#![doc = include_str!("../../docs/checks/function-settings.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_FUNCTION;
use crate::arn;
use crate::command::aws;
use crate::facts::{Facts, FunctionFacts};
use crate::finding::{Status, Verdict};
use crate::iac::{Change, Origin};
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "function-settings",
    title: "The rotation function's concurrency, timeout and runtime let rotation run",
    holds: r#"The function's reserved concurrency is not 0 (`fail`: nothing runs) nor under 10 (`warn`: steps get throttled); its timeout is at least the templates' 30 s (12 minutes for ElastiCache, `fail` below); its Python runtime is not one Lambda deprecated (`warn`: redeploy the template; past Lambda's block-update date no configuration change works in place); it was not made by the `AWS::SecretsManager-2020-07-23` transform (`warn`: move to `2024-09-16`), nor deployed before a fix of its template's own bug (`warn`: redeploy). The fix is `put-function-concurrency` or `update-function-configuration --timeout`."#,
    explanation: include_str!("../../docs/checks/function-settings.md"),
    reads: &[reads::SECRET, reads::FUNCTION, reads::ORIGIN],
    run,
};

/// Below this, Secrets Manager's calls for the four steps can be throttled.
const MIN_CONCURRENCY: i32 = 10;
/// The timeout the AWS templates deploy with.
const TEMPLATE_TIMEOUT: i32 = 30;
/// AWS's advice for the ElastiCache template, which waits up to 600 s.
const ELASTICACHE_TIMEOUT: i32 = 12 * 60;
const ELASTICACHE: &str = "SecretsManagerElasticacheUserRotation";

/// A Python runtime Lambda has deprecated: since when it gets no patches,
/// and from when Lambda refuses to create, then to update, functions on it.
struct Deprecated {
    runtime: &'static str,
    deprecated: &'static str,
    block_create: Option<&'static str>,
    block_update: Option<&'static str>,
}

/// Lambda's deprecation dates, from its runtimes page
/// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html) and
/// the end-of-support notices it sent, as of 2026-12-01. Lambda has moved
/// block dates later before (python3.9's from 2026-01-15 and 2026-02-15);
/// `None` where no date was published.
const DEPRECATED_RUNTIMES: &[Deprecated] = &[
    Deprecated {
        runtime: "python2.7",
        deprecated: "2021-07-15",
        block_create: None,
        block_update: None,
    },
    Deprecated {
        runtime: "python3.6",
        deprecated: "2022-07-18",
        block_create: Some("2022-07-18"),
        block_update: Some("2022-08-17"),
    },
    Deprecated {
        runtime: "python3.7",
        deprecated: "2023-12-04",
        block_create: None,
        block_update: None,
    },
    Deprecated {
        runtime: "python3.8",
        deprecated: "2024-10-14",
        block_create: Some("2025-02-28"),
        block_update: Some("2025-03-31"),
    },
    Deprecated {
        runtime: "python3.9",
        deprecated: "2025-12-15",
        block_create: Some("2027-02-01"),
        block_update: Some("2027-03-03"),
    },
];

/// The transform whose functions come from a Serverless Application
/// Repository application, code and runtime apart: AWS's troubleshooting
/// page warns of "a mismatch error between your runtime version and the
/// Lambda function code artifacts" and says to migrate to the
/// `AWS::SecretsManager-2024-09-16` transform.
const OLD_TRANSFORM: &str = "AWS::SecretsManager-2020-07-23";
const NEW_TRANSFORM: &str = "AWS::SecretsManager-2024-09-16";

/// One setting that gets in rotation's way.
struct Problem {
    status: Status,
    summary: String,
    fix: String,
    command: Option<String>,
    /// The setting as IaC changes it.
    change: Option<Change>,
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let region = arn::region(&function.arn);
    let today = facts.collected_at.to_string();
    let updates_blocked = updates_blocked_since(function, &today[..10]);
    let mut problems = Vec::new();
    problems.extend(concurrency_problem(function, region));
    problems.extend(timeout_problem(function, region, updates_blocked));
    problems.extend(runtime_problem(function, &today[..10], updates_blocked));
    problems.extend(transform_problem(function));
    problems.extend(fixed_upstream(function));

    let settings = settings_line(function);
    let Some(worst) = problems.iter().map(|p| p.status).max() else {
        return Ok(Verdict::pass(
            "Nothing in the function's concurrency, timeout or runtime stops a rotation",
        )
        .evidence(GET_FUNCTION, settings));
    };
    let lead = problems.iter().position(|p| p.status == worst).unwrap_or(0);
    let mut verdict = Verdict::new(worst, problems[lead].summary.clone());
    for (index, problem) in problems.iter().enumerate() {
        if index != lead {
            verdict = verdict.evidence(GET_FUNCTION, problem.summary.clone());
        }
    }
    let advice = problems
        .iter()
        .map(|p| p.fix.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let changes = problems
        .iter()
        .filter_map(|p| p.change.clone())
        .collect::<Vec<_>>();
    let commands = problems.into_iter().filter_map(|p| p.command).collect();
    Ok(changes.into_iter().fold(
        verdict
            .evidence(GET_FUNCTION, settings)
            .fix(advice, commands),
        Verdict::change,
    ))
}

fn settings_line(function: &FunctionFacts) -> String {
    let timeout = function
        .timeout
        .map_or("not reported".to_string(), |t| format!("{t} s"));
    let concurrency = function
        .reserved_concurrency
        .map_or("no reserved concurrency".to_string(), |c| {
            format!("reserved concurrency {c}")
        });
    let runtime = function.runtime.as_deref().unwrap_or("no runtime reported");
    format!("timeout {timeout}, {concurrency}, runtime {runtime}")
}

fn concurrency_problem(function: &FunctionFacts, region: Option<&str>) -> Option<Problem> {
    let reserved = function.reserved_concurrency?;
    let (status, summary) = match reserved {
        0 => (
            Status::Fail,
            "Reserved concurrency is 0: Lambda throttles every invocation, so rotation never runs"
                .to_string(),
        ),
        n if n < MIN_CONCURRENCY => (
            Status::Warn,
            format!(
                "Reserved concurrency is {n}: below {MIN_CONCURRENCY}, rotation's calls can be throttled and fail with \"Error when executing lambda ... during ... step\""
            ),
        ),
        _ => return None,
    };
    let minimum = MIN_CONCURRENCY.to_string();
    Some(Problem {
        status,
        summary,
        fix: format!("Reserve at least {MIN_CONCURRENCY} concurrent executions."),
        command: Some(aws(
            "lambda",
            "put-function-concurrency",
            &[
                "--function-name",
                &function.arn,
                "--reserved-concurrent-executions",
                &minimum,
            ],
            region,
        )),
        change: Some(Change::FunctionSettings {
            function_arn: function.arn.clone(),
            timeout: None,
            reserved_concurrency: Some(MIN_CONCURRENCY),
        }),
    })
}

/// The date from which Lambda refuses to update this function's
/// configuration, when it has passed.
fn updates_blocked_since(function: &FunctionFacts, today: &str) -> Option<&'static str> {
    let runtime = function.runtime.as_deref()?;
    DEPRECATED_RUNTIMES
        .iter()
        .find(|d| d.runtime == runtime)?
        .block_update
        .filter(|blocked| *blocked <= today)
}

fn timeout_problem(
    function: &FunctionFacts,
    region: Option<&str>,
    updates_blocked: Option<&str>,
) -> Option<Problem> {
    let timeout = function.timeout?;
    let elasticache = template::identify(Some(function), None)
        .template()
        .is_some_and(|t| t.name == ELASTICACHE);
    let (status, needed, why) = if elasticache {
        (
            Status::Fail,
            ELASTICACHE_TIMEOUT,
            "the ElastiCache template waits up to 10 minutes for the user to become active",
        )
    } else {
        (
            Status::Warn,
            TEMPLATE_TIMEOUT,
            "the rotation templates deploy with 30, and a step cut short leaves the rotation half done",
        )
    };
    if timeout >= needed {
        return None;
    }
    let needed_text = needed.to_string();
    if let Some(blocked) = updates_blocked {
        // update-function-configuration is refused: the redeploy carries it.
        return Some(Problem {
            status,
            summary: format!("The function's timeout is {timeout} s: {why}"),
            fix: format!(
                "Give the redeployed function at least {needed} s (Lambda refuses configuration updates on its runtime since {blocked})."
            ),
            command: None,
            change: None,
        });
    }
    Some(Problem {
        status,
        summary: format!("The function's timeout is {timeout} s: {why}"),
        fix: format!("Give the function at least {needed} s."),
        command: Some(aws(
            "lambda",
            "update-function-configuration",
            &["--function-name", &function.arn, "--timeout", &needed_text],
            region,
        )),
        change: Some(Change::FunctionSettings {
            function_arn: function.arn.clone(),
            timeout: Some(needed),
            reserved_concurrency: None,
        }),
    })
}

fn runtime_problem(
    function: &FunctionFacts,
    today: &str,
    updates_blocked: Option<&str>,
) -> Option<Problem> {
    let runtime = function.runtime.as_deref()?;
    let deprecated = DEPRECATED_RUNTIMES.iter().find(|d| d.runtime == runtime)?;
    let since = deprecated.deprecated;
    let mut summary = format!(
        "The function runs on {runtime}, which Lambda deprecated on {since}: it gets no security patches"
    );
    if let Some(blocked) = updates_blocked {
        summary.push_str(&format!(
            ", and since {blocked} Lambda refuses to update its configuration, so only a redeploy changes it"
        ));
    } else if let Some(blocked) = deprecated.block_update {
        let creates = match deprecated.block_create {
            Some(create) if create <= today => {
                format!("since {create} Lambda creates no function on it, and ")
            }
            _ => String::new(),
        };
        summary.push_str(&format!(
            ", {creates}from {blocked} Lambda will refuse to update its configuration"
        ));
    }
    Some(Problem {
        status: Status::Warn,
        summary,
        fix: format!(
            "{} Changing the runtime in place can break the template's bundled database driver (\"Unable to import module 'lambda_function'\").",
            template::redeploy_advice(function)
        ),
        command: None,
        change: None,
    })
}

/// A template bug fixed after the function's code was deployed.
fn fixed_upstream(function: &FunctionFacts) -> Option<Problem> {
    let name = template::identify(Some(function), None).template()?.name;
    let (_, since, what) = template::FIXED_SINCE.iter().find(|(t, _, _)| *t == name)?;
    if template::code_predates(function, since) != Some(true) {
        return None;
    }
    let modified = function.last_modified.as_deref().unwrap_or_default();
    Some(Problem {
        status: Status::Warn,
        summary: format!(
            "The function's code (last modified {modified}) predates {name}'s fix of {since}: {what}"
        ),
        fix: template::redeploy_advice(function),
        command: None,
        change: None,
    })
}

/// Made by the 2020-07-23 transform: a Serverless Application Repository
/// application nested under the stack's `HostedRotationLambda`.
fn transform_problem(function: &FunctionFacts) -> Option<Problem> {
    let Some(Origin::HostedRotation {
        nested_stack: stack,
        ..
    }) = Origin::from_tags(&function.template_tags)
    else {
        return None;
    };
    Some(Problem {
        status: Status::Warn,
        summary: format!(
            "The function was made by the {OLD_TRANSFORM} transform (its stack {stack} nests a Serverless Application Repository application), whose code can stop matching its runtime (\"Unable to import module 'lambda_function'\")"
        ),
        fix: format!(
            "In the template of the stack that holds HostedRotationLambda, change Transform to {NEW_TRANSFORM} and update the stack: it redeploys the function with code built for its runtime."
        ),
        command: None,
        change: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{function_mut, healthy};

    #[test]
    fn the_template_settings_pass() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
        assert_eq!(
            verdict.evidence[0].observed,
            "timeout 30 s, no reserved concurrency, runtime python3.12"
        );
    }

    #[test]
    fn no_concurrency_fails_and_little_warns() {
        let mut facts = healthy();
        function_mut(&mut facts).reserved_concurrency = Some(0);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.fix.unwrap().commands,
            [
                "aws lambda put-function-concurrency --function-name arn:aws:lambda:us-east-1:111122223333:function:rotate-prod-db --reserved-concurrent-executions 10 --region us-east-1"
            ]
        );
        function_mut(&mut facts).reserved_concurrency = Some(2);
        assert_eq!(CHECK.verdict(&facts).status, Status::Warn);
        function_mut(&mut facts).reserved_concurrency = Some(10);
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn a_runtime_past_its_update_block_prints_no_update_command() {
        let mut facts = healthy();
        let function = function_mut(&mut facts);
        function.runtime = Some("python3.8".into());
        function.timeout = Some(5);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        let fix = verdict.fix.unwrap();
        assert!(fix.commands.is_empty(), "{:?}", fix.commands);
        assert!(fix.summary.contains("since 2025-03-31"), "{}", fix.summary);
        assert!(
            verdict
                .evidence
                .iter()
                .any(|e| e.observed.contains("refuses to update its configuration")),
            "{:?}",
            verdict.evidence
        );
    }

    #[test]
    fn a_function_of_the_old_transform_warns_with_the_new_one() {
        let mut facts = healthy();
        function_mut(&mut facts).template_tags.insert(
            "aws:cloudformation:stack-name".into(),
            "orders-SecretRotationScheduleHostedRotationLambda-1ABCD".into(),
        );
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(verdict.summary.contains(OLD_TRANSFORM));
        assert!(verdict.fix.unwrap().summary.contains(NEW_TRANSFORM));
    }

    #[test]
    fn db2_code_before_its_fix_warns() {
        let mut facts = healthy();
        let function = function_mut(&mut facts);
        function.template_tags.insert(
            "serverlessrepo:applicationId".into(),
            "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSDb2RotationSingleUser".into(),
        );
        function.last_modified = Some("2024-05-01T10:00:00.000+0000".into());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict.summary.contains("first testSecret fails"),
            "{}",
            verdict.summary
        );
        function_mut(&mut facts).last_modified = Some("2024-08-01T10:00:00.000+0000".into());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn elasticache_needs_twelve_minutes() {
        let mut facts = healthy();
        let function = function_mut(&mut facts);
        function.template_tags.insert(
            "serverlessrepo:applicationId".into(),
            format!("arn:aws:serverlessrepo:us-east-1:297356227824:applications/{ELASTICACHE}"),
        );
        function.timeout = Some(300);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(verdict.fix.unwrap().commands[0].contains("--timeout 720"));
    }

    #[test]
    fn a_short_timeout_and_an_old_runtime_warn_together() {
        let mut facts = healthy();
        let function = function_mut(&mut facts);
        function.timeout = Some(5);
        function.runtime = Some("python3.9".into());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(verdict.summary.starts_with("The function's timeout is 5 s"));
        assert!(
            verdict.evidence[0]
                .observed
                .contains("python3.9, which Lambda deprecated on 2025-12-15")
        );
    }
}
