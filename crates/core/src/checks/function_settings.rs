#![doc = include_str!("../../../../docs/checks/function-settings.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_FUNCTION;
use crate::arn;
use crate::command::aws;
use crate::facts::{Facts, FunctionFacts};
use crate::finding::{Status, Verdict};
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "function-settings",
    title: "The rotation function's concurrency, timeout and runtime let rotation run",
    holds: r#"The function's reserved concurrency is not 0 (`fail`: nothing runs) nor under 10 (`warn`: steps get throttled); its timeout is at least the templates' 30 s (12 minutes for ElastiCache, `fail` below); its Python runtime is not one Lambda deprecated (`warn`: redeploy the template). The fix is `put-function-concurrency` or `update-function-configuration --timeout`."#,
    explanation: include_str!("../../../../docs/checks/function-settings.md"),
    reads: &[reads::SECRET, reads::FUNCTION],
    run,
};

/// Below this, Secrets Manager's calls for the four steps can be throttled.
const MIN_CONCURRENCY: i32 = 10;
/// The timeout the AWS templates deploy with.
const TEMPLATE_TIMEOUT: i32 = 30;
/// AWS's advice for the ElastiCache template, which waits up to 600 s.
const ELASTICACHE_TIMEOUT: i32 = 12 * 60;
const ELASTICACHE: &str = "SecretsManagerElasticacheUserRotation";

/// Python runtimes Lambda has deprecated, and since when.
const DEPRECATED_RUNTIMES: &[(&str, &str)] = &[
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
];

/// One setting that gets in rotation's way.
struct Problem {
    status: Status,
    summary: String,
    fix: String,
    command: Option<String>,
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let region = arn::region(&function.arn);
    let mut problems = Vec::new();
    problems.extend(concurrency_problem(function, region));
    problems.extend(timeout_problem(function, region));
    problems.extend(runtime_problem(function));

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
    let commands = problems.into_iter().filter_map(|p| p.command).collect();
    Ok(verdict
        .evidence(GET_FUNCTION, settings)
        .fix(advice, commands))
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
    })
}

fn timeout_problem(function: &FunctionFacts, region: Option<&str>) -> Option<Problem> {
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
    })
}

fn runtime_problem(function: &FunctionFacts) -> Option<Problem> {
    let runtime = function.runtime.as_deref()?;
    let (_, since) = DEPRECATED_RUNTIMES.iter().find(|(r, _)| *r == runtime)?;
    Some(Problem {
        status: Status::Warn,
        summary: format!(
            "The function runs on {runtime}, which Lambda deprecated on {since}: it gets no security patches"
        ),
        fix: "Redeploy the rotation template on a supported Python runtime, as the troubleshooting page describes for each way it was deployed; changing the runtime in place can break its bundled database driver (\"Unable to import module 'lambda_function'\").".to_string(),
        command: None,
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
