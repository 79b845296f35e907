//! What rotation function log lines mean: stable substrings of the AWS
//! templates' error messages and of the errors their drivers and Lambda
//! raise, each with its cause and the check that covers it, and the log read
//! as invocations, each with what went wrong in it.
//!
//! Only lines that report a problem are classified: ERROR-level lines,
//! uncaught exceptions (Lambda logs `[ERROR] Type: message` with the
//! traceback in the same event) and Lambda's own timeout and runtime
//! errors. INFO lines never decide a cause: every successful login logs
//! "Successfully established SSL/TLS connection" (or "non SSL/TLS") at INFO.
//!
//! Deployed templates differ from the published ones, so signatures are
//! substrings, never whole lines: the messages come from the templates' code
//! (aws-samples/aws-secrets-manager-rotation-lambdas) and from the errors
//! users report. Order matters: the first signature that matches wins.

use std::collections::HashMap;

use crate::facts::LogEvent;

/// One recognised message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Substrings that must all appear in the line.
    pub patterns: &'static [&'static str],
    pub cause: &'static str,
    /// The check that diagnoses the cause; `None` where no check does yet,
    /// so the line is reported as it is, with its cause, as a warning.
    pub check: Option<&'static str>,
}

const fn sig(
    patterns: &'static [&'static str],
    cause: &'static str,
    check: &'static str,
) -> Signature {
    Signature {
        patterns,
        cause,
        check: Some(check),
    }
}

/// A recognised line that no check diagnoses.
const fn seen(patterns: &'static [&'static str], cause: &'static str) -> Signature {
    Signature {
        patterns,
        cause,
        check: None,
    }
}

pub const SIGNATURES: &[Signature] = &[
    // The secret's key and Secrets Manager.
    sig(
        &["Access to KMS is not allowed"],
        "the function's role may not use the secret's KMS key",
        "kms-access",
    ),
    sig(
        &["staging label: AWSPENDING"],
        "no version carries AWSPENDING: createSecret must put the new version with the ClientRequestToken as AWSPENDING, and a rotation started elsewhere left none",
        "pending-version",
    ),
    sig(
        &["was not created by Lambda"],
        "a pending version was made outside this rotation (not with its ClientRequestToken)",
        "pending-version",
    ),
    sig(
        &["has no stage for rotation"],
        "the function was invoked for a version that is not being rotated",
        "pending-version",
    ),
    sig(
        &["not set as AWSPENDING"],
        "the version being rotated lost its AWSPENDING label",
        "pending-version",
    ),
    sig(
        &["is not enabled for rotation"],
        "rotation was turned off while it ran",
        "rotation-config",
    ),
    sig(
        &["GetRandomPassword operation"],
        "GetRandomPassword refused the function's password settings (PASSWORD_LENGTH or EXCLUDE_*)",
        "password-charset",
    ),
    // The host guard and the RDS lookups of the multi-user templates.
    sig(
        &["is not the same host as"],
        "the secret's host is neither the master secret's host nor an RDS replica of it",
        "master-secret-host",
    ),
    sig(
        &[
            "fetching connection parameters from DescribeDB",
            "AccessDenied",
        ],
        "the function's role may not look up the database in the RDS API",
        "master-secret-access",
    ),
    sig(
        &[
            "fetching connection parameters from DescribeDB",
            "Could not connect",
        ],
        "the function cannot reach the RDS API",
        "rds-api-reachability",
    ),
    sig(
        &["fetching connection parameters from DescribeDB"],
        "the RDS API does not know the database the host or the master secret's tag names",
        "master-secret-host",
    ),
    sig(
        &["is not a valid DB"],
        "the RDS API does not know the database the master secret's tag names",
        "master-secret-host",
    ),
    sig(
        &["AccessDeniedException"],
        "the function's role was refused a call",
        "function-permissions",
    ),
    sig(
        &["ResourceNotFoundException", "GetSecretValue"],
        "a secret the function reads does not exist: for multi-user rotation, the master secret",
        "master-secret-access",
    ),
    // The secret's value.
    sig(
        &["KeyError: 'masterarn'"],
        "the multi-user secret has no masterarn",
        "secret-schema",
    ),
    sig(
        &["key is missing from secret JSON"],
        "the secret value, or the master secret's, lacks a key the template reads",
        "secret-schema",
    ),
    sig(
        &["Database engine must be set to"],
        "the secret's engine is not one the template accepts",
        "secret-schema",
    ),
    sig(
        &["JSONDecodeError"],
        "a secret value the function reads is not JSON",
        "secret-schema",
    ),
    sig(
        &["Invalid secret value JSON"],
        "a secret value the function reads is not JSON",
        "secret-schema",
    ),
    sig(
        &["invalid literal for int()", "get_random_password"],
        "PASSWORD_LENGTH is not a whole number",
        "password-charset",
    ),
    sig(
        &["invalid literal for int()", "USERNAME_CHARACTER_LIMIT"],
        "USERNAME_CHARACTER_LIMIT is not a whole number",
        "password-charset",
    ),
    sig(
        &["invalid literal for int()"],
        "the secret's port is not a whole number",
        "secret-schema",
    ),
    sig(
        &["int() argument must be"],
        "the secret's port is null or not a number",
        "secret-schema",
    ),
    // User names.
    sig(
        &["Unable to clone user"],
        "the username is too long to take the _clone suffix",
        "password-charset",
    ),
    sig(
        &["1470", "too long for user name"],
        "the clone's user name is longer than the database allows (USERNAME_CHARACTER_LIMIT above the server's limit)",
        "password-charset",
    ),
    // TLS and the server's side of the login.
    seen(
        &["Unable to establish SSL/TLS handshake"],
        "the database and the function disagree on TLS: the secret's ssl setting, the database's TLS requirement, or a template too old for it",
    ),
    seen(
        &["Hostname verification failed"],
        "the database's TLS certificate does not match the secret's host (a CNAME, or an IP address)",
    ),
    sig(
        &["RDS Proxy requires TLS"],
        "the host is an RDS Proxy that requires TLS: rotation must log in to the database itself",
        "database-proxy",
    ),
    sig(
        &["RDS proxy has no credentials"],
        "the host is an RDS Proxy whose authentication does not include this user: rotation must log in to the database itself",
        "database-proxy",
    ),
    sig(
        &["SCRAM authentication requires libpq"],
        "the deployed PostgreSQL template is too old for SCRAM passwords: redeploy the current template",
        "database-login-rules",
    ),
    sig(
        &["Bad handshake"],
        "the database requires TLS and the function connected without it",
        "database-login-rules",
    ),
    seen(
        &["DPY-6005"],
        "the function could not connect to the Oracle database: the network path, the listener on the secret's port, or TCPS on a port that speaks plain TCP",
    ),
    seen(
        &["DPY-3001"],
        "the Oracle database requires Native Network Encryption, which the template's thin driver cannot do",
    ),
    seen(
        &["permission denied to create role"],
        "the master user may not create the clone user (PostgreSQL CREATEROLE)",
    ),
    seen(
        &["CREATE USER privilege"],
        "the master user may not create the clone user (MySQL CREATE USER)",
    ),
    sig(
        &["read-only transaction"],
        "the host is read-only (a read replica or an Aurora reader endpoint): rotation needs the writer",
        "database-writable",
    ),
    sig(
        &["--read-only option"],
        "the host is read-only (a read replica or an Aurora reader endpoint): rotation needs the writer",
        "database-writable",
    ),
    seen(
        &["Attempting to modify user"],
        "the pending version names another user or host than the current one",
    ),
    // Logins, after the more specific causes above.
    sig(
        &["Unable to log into database using credentials in master secret"],
        "the master secret's credentials do not work, or the database is unreachable",
        "master-secret-access",
    ),
    sig(
        &["Unable to log into database"],
        "the database refused the login or could not be reached",
        "database-reachability",
    ),
    // Lambda's own errors.
    sig(
        &["Runtime.ImportModuleError"],
        "the function's code does not match its runtime (a Python upgrade)",
        "function-settings",
    ),
    sig(
        &["No module named"],
        "the function's code does not match its runtime (a Python upgrade)",
        "function-settings",
    ),
    seen(
        &["Runtime.ExitError"],
        "the function's process exited: often out of memory",
    ),
];

/// What a timeout means depends on the last thing the invocation logged.
pub const TIMEOUT: &str = "Task timed out after";
/// botocore's first line in every invocation; nothing after it means the
/// Secrets Manager endpoint never answered.
pub const CREDENTIALS_LINE: &str = "Found credentials in environment variables";

const TIMEOUT_AFTER_CREDENTIALS: Signature = sig(
    &[TIMEOUT],
    "the function timed out right after \"Found credentials in environment variables\": the Secrets Manager endpoint never answered",
    "endpoint-reachability",
);
const TIMEOUT_MID_STEP: Signature = sig(
    &[TIMEOUT],
    "the function timed out mid-step: usually the database, or its network path, did not answer",
    "database-reachability",
);

/// The signature of a problem line, if rotdoctor knows it.
pub fn recognise(line: &str) -> Option<&'static Signature> {
    if !is_error(line) {
        return None;
    }
    SIGNATURES
        .iter()
        .find(|s| s.patterns.iter().all(|p| line.contains(p)))
}

/// A line that reports a problem: the Python runtime's ERROR and CRITICAL
/// levels (`[ERROR]\t<time>\t<id>\t...` and the uncaught exception's
/// `[ERROR] Type: ...`), and Lambda's own timeout and runtime errors.
pub fn is_error(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("[ERROR]")
        || line.starts_with("[CRITICAL]")
        || line.starts_with("ERROR")
        || line.contains(TIMEOUT)
        || lambda_runtime_error(line)
}

/// `Runtime.ImportModuleError`, `Runtime.ExitError`, ...: the error types
/// Lambda names in its INIT_REPORT, REPORT and `Error:` lines.
fn lambda_runtime_error(line: &str) -> bool {
    line.match_indices("Runtime.").any(|(at, prefix)| {
        let name = &line[at + prefix.len()..];
        let word = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default();
        word.ends_with("Error")
    })
}

/// A line that is part of a successful rotation's last step.
pub fn is_success(line: &str) -> bool {
    line.contains("finishSecret: Successfully set AWSCURRENT stage")
        || line.contains("already marked as AWSCURRENT")
}

/// The four rotation steps, in the order a rotation runs them.
const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];
/// The templates' Python function for each step, as a traceback names it.
const STEP_FUNCTIONS: [&str; 4] = [
    "create_secret",
    "set_secret",
    "test_secret",
    "finish_secret",
];

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
    /// What the line means, when rotdoctor recognises it.
    pub known: Option<&'static Signature>,
}

impl<'a> Invocation<'a> {
    /// The rotation step the invocation ran, from its step-prefixed lines
    /// or, for an uncaught exception, the template function in its traceback
    /// (`create_secret` runs createSecret).
    pub fn step(&self) -> Option<&'static str> {
        self.lines.iter().rev().find_map(|l| {
            STEPS
                .iter()
                .zip(STEP_FUNCTIONS)
                .find_map(|(step, function)| {
                    (l.message.contains(&format!("{step}:"))
                        || l.message.contains(&format!(", in {function}\n")))
                    .then_some(*step)
                })
        })
    }

    /// How far into a rotation the invocation's step is: 0 when it logged
    /// none, 4 for finishSecret.
    pub fn step_rank(&self) -> usize {
        self.step()
            .and_then(|step| STEPS.iter().position(|s| *s == step))
            .map_or(0, |i| i + 1)
    }

    /// It ran to its end and logged no problem, whatever step it ran: a
    /// RotateSecret on a secret that already rotates may run testSecret alone.
    pub fn succeeded(&self) -> bool {
        self.problem().is_none()
            && self.lines.iter().any(|l| {
                is_success(&l.message)
                    || l.message.starts_with("END RequestId:")
                    || l.message.starts_with("REPORT RequestId:")
            })
    }

    /// The first problem: a recognised line, else a timeout read from what
    /// came before it, else any other problem line.
    pub fn problem(&self) -> Option<Problem<'a>> {
        if let Some((line, signature)) = self
            .lines
            .iter()
            .find_map(|l| recognise(&l.message).map(|s| (*l, s)))
        {
            return Some(Problem {
                line,
                known: Some(signature),
            });
        }
        if let Some(timeout) = self.lines.iter().find(|l| l.message.contains(TIMEOUT)) {
            let before = self
                .lines
                .iter()
                .rfind(|l| !is_lambda_line(&l.message) && !l.message.contains(TIMEOUT));
            let known = match before {
                Some(last) if last.message.contains(CREDENTIALS_LINE) => &TIMEOUT_AFTER_CREDENTIALS,
                _ => &TIMEOUT_MID_STEP,
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

/// Groups log events into invocations, in order of their first line. A
/// line without a request id (an uncaught exception's event, a library's
/// print) belongs to the invocation last seen in its log stream: a stream
/// runs one invocation at a time, while streams interleave.
pub fn invocations(events: &[LogEvent]) -> Vec<Invocation<'_>> {
    let mut invocations: Vec<Invocation<'_>> = Vec::new();
    let mut current: HashMap<&str, String> = HashMap::new();
    for event in events {
        let id = request_id(&event.message).or_else(|| current.get(event.stream.as_str()).cloned());
        let Some(id) = id else { continue };
        current.insert(&event.stream, id.clone());
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

    const ID: &str = "8f2e6a4c-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
    const ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
    const MASTER: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/master-GhIjKl";

    /// Events as Lambda writes them for one invocation in one stream: START,
    /// the function's lines, END and REPORT.
    fn invocation_log(lines: &[String]) -> Vec<LogEvent> {
        let mut all = vec![format!("START RequestId: {ID} Version: $LATEST\n")];
        all.extend(lines.iter().cloned());
        all.push(format!("END RequestId: {ID}\n"));
        all.push(format!(
            "REPORT RequestId: {ID}\tDuration: 812.31 ms\tBilled Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 79 MB\t\n"
        ));
        all.iter()
            .enumerate()
            .map(|(i, message)| LogEvent {
                time: jiff::Timestamp::from_second(1_764_000_000 + i as i64).unwrap(),
                stream: "2026/11/24/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0".to_string(),
                message: message.clone(),
            })
            .collect()
    }

    /// The runtime's `logger` lines: `[LEVEL]\t<time>\t<request id>\t<message>`.
    fn logged(level: &str, message: &str) -> String {
        format!("[{level}]\t2026-11-24T02:00:01.123Z\t{ID}\t{message}\n")
    }

    /// An uncaught exception: one event, the error line then its traceback.
    fn uncaught(error: &str, function: &str) -> String {
        format!(
            "[ERROR] {error}\nTraceback (most recent call last):\n  File \"/var/task/lambda_function.py\", line 74, in lambda_handler\n    create_secret(service_client, arn, token)\n  File \"/var/task/lambda_function.py\", line 121, in {function}\n    raise err\n"
        )
    }

    /// The INFO lines of a login that worked, which must never decide a cause.
    fn logins() -> Vec<String> {
        vec![
            logged("INFO", "Found credentials in environment variables."),
            logged(
                "INFO",
                "Successfully established SSL/TLS connection as user 'app' with host: 'db.abc.us-east-1.rds.amazonaws.com'",
            ),
            logged(
                "INFO",
                "Successfully established non SSL/TLS connection as user 'app' with host: 'db.abc.us-east-1.rds.amazonaws.com'",
            ),
        ]
    }

    fn problem_of(error: String) -> Option<(Option<&'static str>, &'static str)> {
        let mut lines = logins();
        lines.push(logged(
            "INFO",
            &format!("setSecret: Successfully retrieved secret for {ARN}."),
        ));
        lines.push(error);
        let events = invocation_log(&lines);
        let invocations = invocations(&events);
        assert_eq!(invocations.len(), 1);
        let problem = invocations[0].problem()?;
        Some(match problem.known {
            Some(signature) => (signature.check, signature.cause),
            None => (None, "unrecognised"),
        })
    }

    /// Every error line the published templates were seen to log, and those
    /// users report, in the form CloudWatch Logs holds them.
    #[test]
    fn real_error_lines_name_their_check() {
        let cases: Vec<(String, Option<&str>)> = vec![
            (
                uncaught(
                    "KeyError: 'host key is missing from secret JSON'",
                    "get_secret_dict",
                ),
                Some("secret-schema"),
            ),
            (
                uncaught(
                    "KeyError: \"Database engine must be set to 'postgres' in order to use this rotation lambda\"",
                    "get_secret_dict",
                ),
                Some("secret-schema"),
            ),
            (
                uncaught("KeyError: 'masterarn'", "set_secret"),
                Some("secret-schema"),
            ),
            (
                uncaught(
                    "KeyError: 'engine key is missing from secret JSON'",
                    "get_secret_dict",
                ),
                Some("secret-schema"),
            ),
            (
                uncaught(
                    "JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
                    "get_secret_dict",
                ),
                Some("secret-schema"),
            ),
            (
                uncaught(
                    "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
                    "get_connection",
                ),
                Some("secret-schema"),
            ),
            (
                uncaught(
                    "ValueError: invalid literal for int() with base 10: ''",
                    "get_random_password",
                ),
                Some("password-charset"),
            ),
            (
                uncaught(
                    "ValueError: invalid literal for int() with base 10: 'abc'",
                    "get_connection",
                ),
                Some("secret-schema"),
            ),
            (
                logged(
                    "ERROR",
                    &format!(
                        "setSecret: Unable to log into database with previous, current, or pending secret of secret arn {ARN}"
                    ),
                ),
                Some("database-reachability"),
            ),
            (
                uncaught(
                    &format!(
                        "ValueError: Unable to log into database with previous, current, or pending secret of secret arn {ARN}"
                    ),
                    "set_secret",
                ),
                Some("database-reachability"),
            ),
            (
                logged(
                    "ERROR",
                    &format!(
                        "setSecret: Unable to log into database using current credentials for secret {ARN}"
                    ),
                ),
                Some("database-reachability"),
            ),
            (
                logged(
                    "ERROR",
                    &format!(
                        "setSecret: Unable to log into database using credentials in master secret {MASTER}"
                    ),
                ),
                Some("master-secret-access"),
            ),
            (
                logged(
                    "ERROR",
                    "setSecret: Encountered API error while fetching connection parameters from DescribeDBInstances RDS API: An error occurred (DBInstanceNotFound) when calling the DescribeDBInstances operation: DBInstance localhost not found.",
                ),
                Some("master-secret-host"),
            ),
            (
                logged(
                    "ERROR",
                    "setSecret: Encountered API error while fetching connection parameters from DescribeDBInstances RDS API: An error occurred (AccessDenied) when calling the DescribeDBInstances operation: User: arn:aws:sts::111122223333:assumed-role/r/f is not authorized to perform: rds:DescribeDBInstances",
                ),
                Some("master-secret-access"),
            ),
            (
                logged(
                    "ERROR",
                    "setSecret: Current database host localhost is not the same host as/rds replica of master 127.0.0.1",
                ),
                Some("master-secret-host"),
            ),
            (
                uncaught(
                    "ValueError: Unable to clone user, username length with _clone appended would exceed 63 characters",
                    "create_secret",
                ),
                Some("password-charset"),
            ),
            (
                uncaught(
                    "OperationalError: (1470, \"String 'orders_service_reporting_clone' is too long for user name (should be no longer than 128)\")",
                    "set_secret",
                ),
                Some("password-charset"),
            ),
            (
                uncaught(
                    "ResourceNotFoundException: An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret.",
                    "set_secret",
                ),
                Some("master-secret-access"),
            ),
            (
                uncaught(
                    "InvalidParameterException: An error occurred (InvalidParameterException) when calling the GetRandomPassword operation: 1 validation error detected: Value '5000' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096",
                    "get_random_password",
                ),
                Some("password-charset"),
            ),
            (
                uncaught(
                    "ClientError: An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed",
                    "lambda_handler",
                ),
                Some("kms-access"),
            ),
            (
                uncaught(
                    "ResourceNotFoundException: An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
                    "lambda_handler",
                ),
                Some("pending-version"),
            ),
            (
                uncaught(
                    "ValueError: Pending secret version 0d3c2b1a was not created by Lambda for secret x",
                    "lambda_handler",
                ),
                Some("pending-version"),
            ),
            (
                uncaught(
                    "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'",
                    "<module>",
                ),
                Some("function-settings"),
            ),
        ];
        for (line, check) in cases {
            let (found, _) =
                problem_of(line.clone()).unwrap_or_else(|| panic!("not a problem: {line}"));
            assert_eq!(found, check, "{line}");
        }
    }

    #[test]
    fn errors_no_check_covers_keep_their_cause() {
        for (line, cause) in [
            (
                uncaught(
                    "ProgrammingError: ERROR:  permission denied to create role",
                    "set_secret",
                ),
                "CREATEROLE",
            ),
            (
                uncaught(
                    "OperationalError: (1227, 'Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation')",
                    "set_secret",
                ),
                "CREATE USER",
            ),
            (
                logged(
                    "ERROR",
                    "Unable to establish SSL/TLS handshake, SSL/TLS is enforced on the host: db.abc",
                ),
                "TLS",
            ),
            (
                uncaught(
                    "OperationalError: DPY-6005: cannot connect to database (CONNECTION_ID=abc).",
                    "get_connection",
                ),
                "Oracle database",
            ),
            (
                uncaught(
                    "DatabaseError: DPY-3001: Native Network Encryption and Data Integrity is only supported in python-oracledb thick mode",
                    "get_connection",
                ),
                "Native Network Encryption",
            ),
        ] {
            let (check, found) = problem_of(line.clone()).unwrap();
            assert_eq!(check, None, "{line}");
            assert!(found.contains(cause), "{line}: {found}");
        }
    }

    #[test]
    fn proxy_and_login_errors_point_to_their_checks() {
        for (line, expected) in [
            (
                uncaught(
                    "InternalError: SCRAM authentication requires libpq version 10 or above",
                    "get_connection",
                ),
                "database-login-rules",
            ),
            (
                uncaught(
                    "InternalError: FATAL:  This RDS Proxy requires TLS connections",
                    "get_connection",
                ),
                "database-proxy",
            ),
            (
                uncaught(
                    "InternalError: FATAL:  This RDS proxy has no credentials for the role app. Check the credentials for this role and try again.",
                    "get_connection",
                ),
                "database-proxy",
            ),
            (
                uncaught(
                    "OperationalError: (1043, 'Bad handshake')",
                    "get_connection",
                ),
                "database-login-rules",
            ),
        ] {
            let (check, _) = problem_of(line.clone()).unwrap();
            assert_eq!(check, Some(expected), "{line}");
        }
    }

    #[test]
    fn info_lines_never_decide() {
        let events = invocation_log(&logins());
        let invocations = invocations(&events);
        assert_eq!(invocations[0].problem(), None);
        assert!(invocations[0].succeeded());
        // The TLS line at INFO is not the handshake failure.
        assert_eq!(
            recognise(&logged(
                "INFO",
                "Successfully established SSL/TLS connection as user 'app'"
            )),
            None
        );
        // A WARNING (the MariaDB template's replica check) decides nothing either.
        assert!(!is_error(&logged(
            "WARNING",
            "Encountered error while verifying rds replica status: x"
        )));
    }

    #[test]
    fn a_timeout_after_the_credentials_line_is_the_endpoint() {
        let events = invocation_log(&[
            logged("INFO", "Found credentials in environment variables."),
            format!("2026-11-24T02:00:30.100Z {ID} Task timed out after 30.03 seconds\n"),
        ]);
        let problem = invocations(&events)[0].problem().unwrap();
        assert_eq!(problem.known.unwrap().check, Some("endpoint-reachability"));
    }

    #[test]
    fn a_timeout_mid_step_is_the_database() {
        let events = invocation_log(&[
            logged("INFO", "Found credentials in environment variables."),
            logged(
                "INFO",
                &format!("setSecret: Successfully retrieved secret for {ARN}."),
            ),
            format!("2026-11-24T02:00:30.100Z {ID} Task timed out after 30.00 seconds\n"),
        ]);
        let invocation = &invocations(&events)[0];
        assert_eq!(invocation.step(), Some("setSecret"));
        assert_eq!(
            invocation.problem().unwrap().known.unwrap().check,
            Some("database-reachability")
        );
        assert!(!invocation.succeeded());
    }

    #[test]
    fn lambda_runtime_errors_are_problems() {
        assert!(is_error(
            "INIT_REPORT Init Duration: 312.01 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError"
        ));
        assert!(is_error(&format!(
            "RequestId: {ID} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
        )));
        assert!(!is_error(
            "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"
        ));
    }

    #[test]
    fn an_uncaught_exception_joins_its_streams_invocation() {
        let other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        let event = |stream: &str, message: String| LogEvent {
            time: jiff::Timestamp::from_second(1_764_000_000).unwrap(),
            stream: stream.to_string(),
            message,
        };
        let events = vec![
            event("a", format!("START RequestId: {ID} Version: $LATEST")),
            event("b", format!("START RequestId: {other} Version: $LATEST")),
            event("a", uncaught("KeyError: 'masterarn'", "set_secret")),
            event("b", format!("END RequestId: {other}")),
        ];
        let invocations = invocations(&events);
        assert_eq!(invocations.len(), 2);
        assert!(invocations[0].problem().is_some());
        assert!(invocations[1].succeeded());
    }

    #[test]
    fn a_step_short_of_a_full_rotation_still_succeeds() {
        let events = invocation_log(&[logged(
            "INFO",
            &format!(
                "testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {ARN}."
            ),
        )]);
        let invocation = &invocations(&events)[0];
        assert_eq!(invocation.step_rank(), 3);
        let uncaught_in_create =
            invocation_log(&[uncaught("KeyError: 'masterarn'", "create_secret")]);
        assert_eq!(
            invocations(&uncaught_in_create)[0].step(),
            Some("createSecret")
        );
        assert!(invocation.succeeded());
    }
}
