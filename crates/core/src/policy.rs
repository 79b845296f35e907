//! Reading IAM policy documents: which statements apply to one request.
//!
//! One principal, one action, one resource, and the condition keys rotdoctor
//! knows the value of (or knows to be absent). A statement whose conditions
//! use anything else is reported as undecided, never as applying: rotdoctor
//! does not guess. How statements of several policies combine into a
//! decision is in [`crate::iam`].
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use std::collections::BTreeMap;

use serde_json::Value;

/// The request a policy is asked about.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub principal: Principal<'a>,
    /// e.g. `lambda:InvokeFunction`.
    pub action: &'a str,
    pub resource: &'a str,
    /// Condition keys rotdoctor knows, lowercased (IAM keys are
    /// case-insensitive): `Some(value)`, or `None` for a key it knows the
    /// request does not carry.
    pub context: BTreeMap<String, Option<String>>,
}

/// Who makes the request.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    /// A service, e.g. `secretsmanager.amazonaws.com`.
    Service(&'a str),
    /// An IAM role, calling through a session of it.
    Role {
        arn: &'a str,
        /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
        session_arn: &'a str,
        account: &'a str,
    },
    /// An identity policy has no `Principal`: it is the principal's own.
    PolicyOwner,
}

/// How a statement's `Principal` covers the request's principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalMatch {
    /// By name (the service, the role's ARN, `*`), or the statement is the principal's own.
    Named,
    /// By its session's ARN: grants to a session are not limited by a permissions boundary.
    Session,
    /// By its account: the account's IAM policies decide (a delegation).
    Account,
    /// Not at all.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Whether one statement applies to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Yes,
    /// It does not, and why, in words a user can check against the policy.
    No(String),
    /// It might: it depends on something rotdoctor cannot evaluate.
    Undecided(String),
}

/// One statement of a policy, with what it concludes about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementVerdict {
    pub sid: Option<String>,
    /// `statement <Sid>`, or `statement #<position>` when it has no Sid.
    pub label: String,
    pub effect: Effect,
    pub principal: PrincipalMatch,
    pub applies: Applies,
}

impl StatementVerdict {
    /// Whether the statement is about the request's principal at all.
    pub fn names_principal(&self) -> bool {
        self.principal != PrincipalMatch::Other
    }
}

/// Evaluates every statement of `document` against `request`.
pub fn evaluate(document: &Value, request: &Request<'_>) -> Vec<StatementVerdict> {
    statements(document)
        .iter()
        .enumerate()
        .map(|(index, statement)| evaluate_statement(index, statement, request))
        .collect()
}

fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// How evidence names a statement: by its Sid, else by its place.
fn label_of(index: usize, statement: &Value) -> String {
    match statement
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|sid| !sid.is_empty())
    {
        Some(sid) => format!("statement {sid}"),
        None => format!("statement #{}", index + 1),
    }
}

/// The statements of `document` that evidence names `label`.
pub fn statements_labelled<'a>(document: &'a Value, label: &str) -> Vec<&'a Value> {
    statements(document)
        .into_iter()
        .enumerate()
        .filter(|(index, statement)| label_of(*index, statement) == label)
        .map(|(_, statement)| statement)
        .collect()
}

/// `document` without the statements evidence names `labels`, everything
/// else kept as it was.
pub fn without_statements(document: &Value, labels: &[&str]) -> Value {
    let kept = statements(document)
        .into_iter()
        .enumerate()
        .filter(|(index, statement)| !labels.contains(&label_of(*index, statement).as_str()))
        .map(|(_, statement)| statement.clone());
    with_statement_list(document, kept.collect())
}

/// `document` with `added` statements appended, everything else kept.
pub fn with_statements(document: &Value, added: &[Value]) -> Value {
    let all = statements(document).into_iter().chain(added).cloned();
    with_statement_list(document, all.collect())
}

/// `document` with its `Statement` replaced by `statements`.
fn with_statement_list(document: &Value, statements: Vec<Value>) -> Value {
    let mut document = document.clone();
    if let Some(object) = document.as_object_mut() {
        object.insert("Statement".to_string(), Value::Array(statements));
    }
    document
}

fn evaluate_statement(index: usize, statement: &Value, request: &Request<'_>) -> StatementVerdict {
    let sid = statement
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|sid| !sid.is_empty())
        .map(str::to_string);
    let label = label_of(index, statement);
    let effect = match statement.get("Effect").and_then(Value::as_str) {
        Some(effect) if effect.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => Effect::Allow,
    };
    let (principal, principal_applies) = principal_matches(statement, request.principal);
    let applies = [
        principal_applies,
        action_matches(statement, request.action),
        resource_matches(statement, request.resource),
        conditions_hold(statement.get("Condition"), &request.context),
    ]
    .into_iter()
    .fold(Applies::Yes, both);
    StatementVerdict {
        sid,
        label,
        effect,
        principal,
        applies,
    }
}

/// Both parts must apply: a `No` decides, then an `Undecided`.
fn both(left: Applies, right: Applies) -> Applies {
    match (left, right) {
        (Applies::No(reason), _) | (_, Applies::No(reason)) => Applies::No(reason),
        (Applies::Undecided(reason), _) | (_, Applies::Undecided(reason)) => {
            Applies::Undecided(reason)
        }
        (Applies::Yes, Applies::Yes) => Applies::Yes,
    }
}

/// A JSON string or list of strings, as policy fields allow either.
fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn principal_matches(statement: &Value, principal: Principal<'_>) -> (PrincipalMatch, Applies) {
    if let Principal::PolicyOwner = principal {
        return (PrincipalMatch::Named, Applies::Yes);
    }
    if let Some(not_principal) = statement.get("NotPrincipal") {
        return not_principal_matches(not_principal, principal);
    }
    let element = statement.get("Principal");
    let services = strings(element.and_then(|p| p.get("Service")));
    let mut aws = strings(element.and_then(|p| p.get("AWS")));
    if element.and_then(Value::as_str) == Some("*") {
        aws.push("*");
    }
    let matched = match principal {
        Principal::Service(service) => {
            if aws.contains(&"*") || services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
                PrincipalMatch::Named
            } else {
                PrincipalMatch::Other
            }
        }
        Principal::Role {
            arn,
            session_arn,
            account,
        } => {
            let root = format!("arn:aws:iam::{account}:root");
            if aws.contains(&"*") && names_principal_arn(statement) {
                // "Permissions boundaries and session policies do not limit
                // permissions granted using the aws:PrincipalArn condition key
                // with a wildcard(*) in the Principal element" (policy
                // evaluation logic): such a grant counts as one to the session.
                PrincipalMatch::Session
            } else if aws.iter().any(|p| *p == "*" || *p == arn) {
                PrincipalMatch::Named
            } else if aws.contains(&session_arn) {
                PrincipalMatch::Session
            } else if aws.iter().any(|p| *p == account || *p == root) {
                PrincipalMatch::Account
            } else {
                PrincipalMatch::Other
            }
        }
        Principal::PolicyOwner => PrincipalMatch::Named,
    };
    if matched != PrincipalMatch::Other {
        return (matched, Applies::Yes);
    }
    let named = services
        .iter()
        .chain(aws.iter())
        .copied()
        .collect::<Vec<_>>();
    let why = if named.is_empty() {
        "it names no principal".to_string()
    } else {
        format!("its principal is {}", named.join(", "))
    };
    (PrincipalMatch::Other, Applies::No(why))
}

/// Whether the statement's conditions test `aws:PrincipalArn`.
fn names_principal_arn(statement: &Value) -> bool {
    statement
        .get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|operators| {
            operators.values().any(|keys| {
                keys.as_object().is_some_and(|keys| {
                    keys.keys()
                        .any(|key| key.eq_ignore_ascii_case("aws:PrincipalArn"))
                })
            })
        })
}

/// `NotPrincipal`: the statement applies to every principal it does not
/// list. A role's session is spared only when the list names the session,
/// the role and its account: AWS "might validate the account first, then
/// the role, and then the assumed-role user" (IAM JSON policy elements:
/// NotPrincipal), and with Deny it "will always deny any IAM principal that
/// has a permissions boundary" unless listed so.
fn not_principal_matches(
    not_principal: &Value,
    principal: Principal<'_>,
) -> (PrincipalMatch, Applies) {
    let services = strings(not_principal.get("Service"));
    let aws = strings(not_principal.get("AWS"));
    let listed = match principal {
        Principal::Service(service) => services.iter().any(|s| s.eq_ignore_ascii_case(service)),
        Principal::Role {
            arn,
            session_arn,
            account,
        } => {
            let root = format!("arn:aws:iam::{account}:root");
            aws.contains(&session_arn)
                && aws.contains(&arn)
                && aws.iter().any(|p| *p == account || *p == root)
        }
        Principal::PolicyOwner => false,
    };
    if listed {
        (
            PrincipalMatch::Other,
            Applies::No("its NotPrincipal lists this principal".to_string()),
        )
    } else {
        (PrincipalMatch::Named, Applies::Yes)
    }
}

fn action_matches(statement: &Value, action: &str) -> Applies {
    let covers = |patterns: Vec<&str>| patterns.iter().any(|p| wildcard_match(p, action, true));
    if let Some(not_actions) = statement.get("NotAction") {
        return if covers(strings(Some(not_actions))) {
            Applies::No(format!("its NotAction excludes {action}"))
        } else {
            Applies::Yes
        };
    }
    let actions = strings(statement.get("Action"));
    if covers(actions.clone()) {
        Applies::Yes
    } else {
        Applies::No(format!(
            "its actions ({}) do not include {action}",
            actions.join(", ")
        ))
    }
}

fn resource_matches(statement: &Value, resource: &str) -> Applies {
    let covers = |patterns: Vec<&str>| patterns.iter().any(|p| wildcard_match(p, resource, false));
    if let Some(not_resources) = statement.get("NotResource") {
        return if covers(strings(Some(not_resources))) {
            Applies::No(format!("its NotResource excludes {resource}"))
        } else {
            Applies::Yes
        };
    }
    match statement.get("Resource") {
        // Resource policies may leave Resource out: the policy's own resource.
        None => Applies::Yes,
        Some(value) if covers(strings(Some(value))) => Applies::Yes,
        Some(value) => Applies::No(format!(
            "its resource ({}) is not {resource}",
            strings(Some(value)).join(", ")
        )),
    }
}

/// Every operator block and every key inside it must hold (AND); the values
/// listed for one key are alternatives (OR).
fn conditions_hold(
    conditions: Option<&Value>,
    context: &BTreeMap<String, Option<String>>,
) -> Applies {
    let Some(Value::Object(operators)) = conditions else {
        return Applies::Yes;
    };
    let mut verdict = Applies::Yes;
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else { continue };
        for (key, expected) in keys {
            let expected = strings(Some(expected));
            verdict = both(verdict, condition_holds(operator, key, &expected, context));
        }
    }
    verdict
}

fn condition_holds(
    operator: &str,
    key: &str,
    expected: &[&str],
    context: &BTreeMap<String, Option<String>>,
) -> Applies {
    let undecided = || Applies::Undecided(format!("condition {operator} {key}"));
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let negated = base.contains("Not");
    if base == "Null" {
        return null_holds(key, expected, context);
    }
    let actual = match lookup(context, key) {
        // rotdoctor does not know this key's value.
        None => return undecided(),
        Some(None) => {
            // The request does not carry the key: only `...IfExists` and the
            // negated operators hold.
            return if if_exists || negated {
                Applies::Yes
            } else {
                Applies::No(format!(
                    "its condition {operator} {key} needs a key this request does not carry"
                ))
            };
        }
        Some(Some(actual)) => actual,
    };
    let matches = |case_insensitive: bool, wildcards: bool| {
        expected.iter().any(|pattern| {
            if wildcards {
                wildcard_match(pattern, actual, case_insensitive)
            } else if case_insensitive {
                pattern.eq_ignore_ascii_case(actual)
            } else {
                pattern == actual
            }
        })
    };
    let matched = match base {
        "StringEquals" | "StringNotEquals" => matches(false, false),
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => matches(true, false),
        "StringLike" | "StringNotLike" => matches(false, true),
        // "Each of the six colon-delimited components of the ARN is checked
        // separately and each can include multi-character match wildcards (*)
        // or single-character match wildcards (?)", ArnEquals as ArnLike
        // (IAM condition operators).
        "ArnEquals" | "ArnLike" | "ArnNotEquals" | "ArnNotLike" => {
            expected.iter().any(|pattern| arn_match(pattern, actual))
        }
        "Bool" => expected.iter().any(|b| b.eq_ignore_ascii_case(actual)),
        _ => return undecided(),
    };
    if matched != negated {
        Applies::Yes
    } else if negated {
        Applies::No(format!("its condition {operator} {key} excludes {actual}"))
    } else {
        Applies::No(format!(
            "its condition {operator} {key} wants {}, not {actual}",
            expected.join(" or ")
        ))
    }
}

/// A key's value in the request context: by its name, else by an entry
/// `<prefix>*` that covers every key of that prefix (the secret's tags:
/// `aws:resourcetag/*` absent for any tag it does not have).
fn lookup<'a>(
    context: &'a BTreeMap<String, Option<String>>,
    key: &str,
) -> Option<&'a Option<String>> {
    let key = key.to_ascii_lowercase();
    context.get(&key).or_else(|| {
        context
            .iter()
            .filter_map(|(name, value)| name.strip_suffix('*').map(|prefix| (prefix, value)))
            .filter(|(prefix, _)| key.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, value)| value)
    })
}

/// `Null`: `"true"` holds when the key is absent, `"false"` when present.
fn null_holds(key: &str, expected: &[&str], context: &BTreeMap<String, Option<String>>) -> Applies {
    let Some(value) = lookup(context, key) else {
        return Applies::Undecided(format!("condition Null {key}"));
    };
    let absent = value.is_none();
    let wanted_absent = expected.iter().any(|e| e.eq_ignore_ascii_case("true"));
    if absent == wanted_absent {
        Applies::Yes
    } else {
        Applies::No(format!(
            "its condition Null {key} wants the key {}",
            if wanted_absent { "absent" } else { "present" }
        ))
    }
}

/// An ARN pattern against an ARN, component by component (`arn`, partition,
/// service, region, account, resource), each with IAM's wildcards.
pub fn arn_match(pattern: &str, arn: &str) -> bool {
    let pattern_parts = pattern.splitn(6, ':').collect::<Vec<_>>();
    let arn_parts = arn.splitn(6, ':').collect::<Vec<_>>();
    match (pattern_parts.len(), arn_parts.len()) {
        (6, 6) => {}
        // Not ARNs at all: compare them as strings.
        (_, len) if len != 6 => return wildcard_match(pattern, arn, false),
        // A pattern short of six components has no component for some of the ARN's.
        _ => return pattern == "*",
    }
    pattern_parts
        .iter()
        .zip(&arn_parts)
        .all(|(p, a)| wildcard_match(p, a, false))
}

/// IAM's wildcard match: `*` is any run of characters, `?` any one character.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (pattern, text) = (fold(pattern), fold(text));
    // Iterative glob matching with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Request<'static> {
        Request {
            principal: Principal::Service("secretsmanager.amazonaws.com"),
            action: "lambda:InvokeFunction",
            resource: "arn:aws:lambda:us-east-1:111122223333:function:rotate",
            context: BTreeMap::from([
                (
                    "aws:sourceaccount".to_string(),
                    Some("111122223333".to_string()),
                ),
                (
                    "aws:sourcearn".to_string(),
                    Some(
                        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
                            .to_string(),
                    ),
                ),
                ("aws:principalorgid".to_string(), None),
            ]),
        }
    }

    fn only(statement: Value) -> StatementVerdict {
        let verdicts = evaluate(&json!({ "Statement": [statement] }), &request());
        verdicts.into_iter().next().unwrap()
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("lambda:*", "lambda:InvokeFunction", true));
        assert!(wildcard_match(
            "LAMBDA:invoke*",
            "lambda:InvokeFunction",
            true
        ));
        assert!(wildcard_match("*", "anything", false));
        assert!(wildcard_match(
            "arn:*:secret:db-??????",
            "arn:aws:secret:db-AbCdEf",
            false
        ));
        assert!(!wildcard_match(
            "arn:*:secret:db-?????",
            "arn:aws:secret:db-AbCdEf",
            false
        ));
        assert!(!wildcard_match(
            "lambda:Get*",
            "lambda:InvokeFunction",
            true
        ));
        assert!(!wildcard_match(
            "Lambda:InvokeFunction",
            "lambda:InvokeFunction",
            false
        ));
        assert!(wildcard_match("a*b*c", "aXXbYYc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYY", false));
    }

    #[test]
    fn statement_for_the_service_with_its_account_applies() {
        let verdict = only(json!({
            "Sid": "sm", "Effect": "Allow",
            "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:111122223333:function:rotate",
            "Condition": {"StringEquals": {"AWS:SourceAccount": "111122223333"}}
        }));
        assert_eq!(verdict.applies, Applies::Yes);
        assert_eq!(verdict.label, "statement sm");
        assert!(verdict.names_principal());
    }

    #[test]
    fn another_account_does_not_apply_and_says_why() {
        let verdict = only(json!({
            "Effect": "Allow",
            "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": ["lambda:InvokeFunction"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}
        }));
        assert_eq!(
            verdict.applies,
            Applies::No(
                "its condition StringEquals aws:SourceAccount wants 999999999999, not 111122223333"
                    .to_string()
            )
        );
        assert_eq!(verdict.label, "statement #1");
    }

    #[test]
    fn other_principal_or_action_does_not_apply() {
        let other_principal = only(json!({
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "lambda:InvokeFunction"
        }));
        assert!(!other_principal.names_principal());
        let other_action = only(json!({
            "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:GetFunction"
        }));
        assert!(matches!(other_action.applies, Applies::No(_)));
        let not_action = only(json!({
            "Effect": "Allow", "Principal": "*", "NotAction": "lambda:Invoke*"
        }));
        assert!(matches!(not_action.applies, Applies::No(_)));
    }

    #[test]
    fn source_arn_wildcards_and_unknown_conditions() {
        let like = only(json!({
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "lambda:*",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:secretsmanager:*:111122223333:secret:db-*"}}
        }));
        assert_eq!(like.applies, Applies::Yes);
        let unknown = only(json!({
            "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}
        }));
        assert_eq!(
            unknown.applies,
            Applies::Undecided("condition StringEquals aws:CalledVia".to_string())
        );
    }

    #[test]
    fn keys_known_to_be_absent() {
        // See: "Condition keys that aren't present in the request context",
        // reference_policies_condition-single-vs-multi-valued-context-keys / _elements_condition_operators.
        let equals = only(json!({
            "Effect": "Allow", "Principal": "*", "Action": "lambda:*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}
        }));
        assert!(matches!(equals.applies, Applies::No(_)));
        let if_exists = only(json!({
            "Effect": "Allow", "Principal": "*", "Action": "lambda:*",
            "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-123"}}
        }));
        assert_eq!(if_exists.applies, Applies::Yes);
        let not_equals = only(json!({
            "Effect": "Deny", "Principal": "*", "Action": "lambda:*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}
        }));
        assert_eq!(not_equals.applies, Applies::Yes);
    }

    #[test]
    fn role_principals() {
        let role = Request {
            principal: Principal::Role {
                arn: "arn:aws:iam::111122223333:role/rot",
                session_arn: "arn:aws:sts::111122223333:assumed-role/rot/fn",
                account: "111122223333",
            },
            action: "secretsmanager:GetSecretValue",
            resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
            context: BTreeMap::new(),
        };
        let principal_of = |principal: Value| {
            let document = json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "*", "Resource": "*"}]});
            evaluate(&document, &role)[0].principal
        };
        assert_eq!(
            principal_of(json!({"AWS": "arn:aws:iam::111122223333:role/rot"})),
            PrincipalMatch::Named
        );
        assert_eq!(principal_of(json!("*")), PrincipalMatch::Named);
        assert_eq!(
            principal_of(json!({"AWS": "arn:aws:sts::111122223333:assumed-role/rot/fn"})),
            PrincipalMatch::Session
        );
        assert_eq!(
            principal_of(json!({"AWS": "arn:aws:iam::111122223333:root"})),
            PrincipalMatch::Account
        );
        assert_eq!(
            principal_of(json!({"AWS": ["111122223333"]})),
            PrincipalMatch::Account
        );
        assert_eq!(
            principal_of(json!({"AWS": "arn:aws:iam::444455556666:root"})),
            PrincipalMatch::Other
        );
        // An identity policy has no Principal: it is the role's own.
        let own = Request {
            principal: Principal::PolicyOwner,
            ..role.clone()
        };
        let document = json!({"Statement": {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}});
        assert_eq!(evaluate(&document, &own)[0].applies, Applies::Yes);
    }

    #[test]
    fn deny_is_reported_as_deny() {
        let verdict = only(json!({
            "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": "222233334444"}}
        }));
        assert_eq!(verdict.effect, Effect::Deny);
        assert_eq!(verdict.applies, Applies::Yes);
    }
}
