//! What rotation function log lines mean: stable substrings of the AWS
//! templates' messages, each with its cause and the check that covers it,
//! and the log read as invocations, each with what went wrong in it.
//!
//! Deployed templates differ from the published ones, so signatures are
//! substrings, never whole lines: the messages come from the templates'
//! code, in aws-samples/aws-secrets-manager-rotation-lambdas. Order matters: the first signature that matches wins.

use crate::facts::LogEvent;

/// One recognised message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Substrings that must all appear in the line.
    pub patterns: &'static [&'static str],
    pub cause: &'static str,
    /// The check that diagnoses the cause.
    pub check: &'static str,
}

pub const SIGNATURES: &[Signature] = &[
    Signature {
        patterns: &["Access to KMS is not allowed"],
        cause: "the function's role may not use the secret's KMS key",
        check: "kms-access",
    },
    Signature {
        patterns: &["AccessDeniedException"],
        cause: "the function's role was refused a call",
        check: "function-permissions",
    },
    Signature {
        patterns: &["key is missing from secret JSON"],
        cause: "the secret value lacks a key the template reads",
        check: "secret-schema",
    },
    Signature {
        patterns: &["KeyError: 'masterarn'"],
        cause: "the multi-user secret has no masterarn",
        check: "secret-schema",
    },
    Signature {
        patterns: &["Database engine must be set to"],
        cause: "the secret's engine is not one the template accepts",
        check: "secret-schema",
    },
    Signature {
        patterns: &["Unable to log into database using credentials in master secret"],
        cause: "the master secret's credentials do not work, or the database is unreachable",
        check: "master-secret-access",
    },
    Signature {
        patterns: &["Unable to log into database"],
        cause: "the database refused the login or could not be reached",
        check: "database-reachability",
    },
    Signature {
        patterns: &["Unable to clone user"],
        cause: "the username is too long to take the _clone suffix",
        check: "password-charset",
    },
    Signature {
        patterns: &["Runtime.ImportModuleError"],
        cause: "the function's code does not match its runtime (a Python upgrade)",
        check: "rotation-config",
    },
    Signature {
        patterns: &["No module named"],
        cause: "the function's code does not match its runtime (a Python upgrade)",
        check: "rotation-config",
    },
    Signature {
        patterns: &["is not enabled for rotation"],
        cause: "rotation was turned off while it ran",
        check: "rotation-config",
    },
    Signature {
        patterns: &["has no stage for rotation"],
        cause: "the function was invoked for a version that is not being rotated",
        check: "pending-version",
    },
    Signature {
        patterns: &["not set as AWSPENDING"],
        cause: "the version being rotated lost its AWSPENDING label",
        check: "pending-version",
    },
    Signature {
        patterns: &["SSL/TLS"],
        cause: "the database and the function disagree on TLS",
        check: "database-reachability",
    },
    Signature {
        patterns: &["Hostname verification failed"],
        cause: "the database's TLS certificate does not match its host",
        check: "database-reachability",
    },
];

/// What a timeout means depends on the last thing the invocation logged.
pub const TIMEOUT: &str = "Task timed out after";
/// botocore's first line in every invocation; nothing after it means the
/// Secrets Manager endpoint never answered.
pub const CREDENTIALS_LINE: &str = "Found credentials in environment variables";

pub fn recognise(line: &str) -> Option<&'static Signature> {
    SIGNATURES
        .iter()
        .find(|s| s.patterns.iter().all(|p| line.contains(p)))
}

/// A line the function or Lambda reports as an error.
pub fn is_error(line: &str) -> bool {
    line.contains("[ERROR]")
        || line.contains("Traceback")
        || line.contains(TIMEOUT)
        || line.starts_with("ERROR")
}

/// A line that is part of a successful rotation's last step.
pub fn is_success(line: &str) -> bool {
    line.contains("finishSecret: Successfully set AWSCURRENT stage")
        || line.contains("already marked as AWSCURRENT")
}

/// One run of the function: its log lines, by request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation<'a> {
    pub request_id: String,
    pub lines: Vec<&'a LogEvent>,
}

/// What went wrong in an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem<'a> {
    pub line: &'a LogEvent,
    /// The cause and the check, when the line is recognised.
    pub known: Option<(&'static str, &'static str)>,
}

impl<'a> Invocation<'a> {
    /// The rotation step the invocation ran, from its step-prefixed lines.
    pub fn step(&self) -> Option<&'static str> {
        const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];
        self.lines
            .iter()
            .rev()
            .find_map(|l| {
                STEPS
                    .iter()
                    .find(|step| l.message.contains(&format!("{step}:")))
            })
            .copied()
    }

    pub fn succeeded(&self) -> bool {
        self.lines.iter().any(|l| is_success(&l.message))
    }

    /// The first problem: a recognised line, else a timeout read from what
    /// came before it, else any other error line.
    pub fn problem(&self) -> Option<Problem<'a>> {
        if let Some((line, signature)) = self
            .lines
            .iter()
            .find_map(|l| recognise(&l.message).map(|s| (*l, s)))
        {
            return Some(Problem {
                line,
                known: Some((signature.cause, signature.check)),
            });
        }
        if let Some(timeout) = self.lines.iter().find(|l| l.message.contains(TIMEOUT)) {
            let before = self
                .lines
                .iter()
                .rfind(|l| !is_lambda_line(&l.message) && !l.message.contains(TIMEOUT));
            let known = match before {
                Some(last) if last.message.contains(CREDENTIALS_LINE) => (
                    "the function timed out right after \"Found credentials in environment variables\": the Secrets Manager endpoint never answered",
                    "endpoint-reachability",
                ),
                _ => (
                    "the function timed out mid-step: usually the database, or its network path, did not answer",
                    "database-reachability",
                ),
            };
            return Some(Problem {
                line: timeout,
                known: Some(known),
            });
        }
        self.lines
            .iter()
            .find(|l| is_error(&l.message))
            .map(|line| Problem { line, known: None })
    }
}

/// Lambda's own START, END and REPORT lines.
fn is_lambda_line(message: &str) -> bool {
    [
        "START RequestId:",
        "END RequestId:",
        "REPORT RequestId:",
        "INIT_START",
    ]
    .iter()
    .any(|p| message.starts_with(p))
}

/// Groups log events into invocations, in order of their first line.
pub fn invocations(events: &[LogEvent]) -> Vec<Invocation<'_>> {
    let mut invocations: Vec<Invocation<'_>> = Vec::new();
    let mut current: Option<String> = None;
    for event in events {
        let id = request_id(&event.message).or_else(|| current.clone());
        let Some(id) = id else { continue };
        current = Some(id.clone());
        match invocations.iter_mut().find(|i| i.request_id == id) {
            Some(invocation) => invocation.lines.push(event),
            None => invocations.push(Invocation {
                request_id: id,
                lines: vec![event],
            }),
        }
    }
    invocations
}

/// `RequestId: <id>` in Lambda's lines, or the third tab-separated field
/// of the Python runtime's `[LEVEL]\t<time>\t<id>\t<message>` lines.
fn request_id(message: &str) -> Option<String> {
    let looks_like_id = |s: &str| s.len() == 36 && s.matches('-').count() == 4;
    if let Some((_, after)) = message.split_once("RequestId: ") {
        return after.split_whitespace().next().map(str::to_string);
    }
    message
        .split(['\t', ' '])
        .take(4)
        .find(|field| looks_like_id(field))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lines_are_recognised() {
        let cases = [
            (
                "[ERROR] ClientError: An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed",
                "kms-access",
            ),
            ("[ERROR] KeyError: 'masterarn'", "secret-schema"),
            (
                "[ERROR] KeyError: 'host key is missing from secret JSON'",
                "secret-schema",
            ),
            (
                "[ERROR] ValueError: setSecret: Unable to log into database with previous, current, or pending secret of secret arn:aws:secretsmanager:us-east-1:1:secret:x",
                "database-reachability",
            ),
            (
                "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'",
                "rotation-config",
            ),
        ];
        for (line, check) in cases {
            assert_eq!(recognise(line).map(|s| s.check), Some(check), "{line}");
        }
        assert_eq!(
            recognise("[INFO] createSecret: Successfully put secret"),
            None
        );
    }
}

#[cfg(test)]
mod invocation_tests {
    use super::*;

    fn log(lines: &[&str]) -> Vec<LogEvent> {
        lines
            .iter()
            .enumerate()
            .map(|(i, line)| LogEvent {
                time: jiff::Timestamp::from_second(1_764_000_000 + i as i64).unwrap(),
                stream: "2026/11/24/[$LATEST]abc".to_string(),
                message: line.to_string(),
            })
            .collect()
    }

    const ID: &str = "8f2e6a4c-1b3d-4e5f-9a7b-0c1d2e3f4a5b";

    #[test]
    fn a_timeout_after_the_credentials_line_is_the_endpoint() {
        let events = log(&[
            &format!("START RequestId: {ID} Version: $LATEST"),
            &format!(
                "[INFO]\t2026-11-24T02:00:00.100Z\t{ID}\tFound credentials in environment variables."
            ),
            &format!("2026-11-24T02:00:30.100Z {ID} Task timed out after 30.03 seconds"),
            &format!("END RequestId: {ID}"),
        ]);
        let invocations = invocations(&events);
        assert_eq!(invocations.len(), 1);
        let problem = invocations[0].problem().unwrap();
        assert_eq!(problem.known.unwrap().1, "endpoint-reachability");
    }

    #[test]
    fn steps_successes_and_unknown_errors() {
        let other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        let events = log(&[
            &format!(
                "[INFO]\t2026-11-24T02:00:00Z\t{ID}\tcreateSecret: Successfully put secret for ARN x"
            ),
            &format!(
                "[INFO]\t2026-11-24T02:00:01Z\t{other}\tfinishSecret: Successfully set AWSCURRENT stage to version v for secret x."
            ),
            &format!("[ERROR]\t2026-11-24T02:00:02Z\t{ID}\tsomething odd happened"),
        ]);
        let invocations = invocations(&events);
        assert_eq!(invocations.len(), 2);
        assert_eq!(invocations[0].step(), Some("createSecret"));
        assert_eq!(invocations[0].problem().unwrap().known, None);
        assert!(invocations[1].succeeded());
    }
}
