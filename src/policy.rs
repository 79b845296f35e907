//! Reading IAM-style policy documents: which statements apply to one request.
//!
//! This covers what the resource-policy checks need: one principal, one
//! action, one resource, and the condition keys rotdoctor knows the value of.
//! A statement whose conditions use anything else is reported as undecided,
//! never as allowing: rotdoctor does not guess.
//! See: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

use std::collections::BTreeMap;

use serde_json::Value;

/// The request a policy is asked about.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// A service principal, e.g. `secretsmanager.amazonaws.com`.
    pub service_principal: &'a str,
    /// e.g. `lambda:InvokeFunction`.
    pub action: &'a str,
    pub resource: &'a str,
    /// Condition keys rotdoctor knows, lowercased (IAM keys are case-insensitive).
    pub context: BTreeMap<String, String>,
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
    /// Whether the statement names the request's principal at all.
    pub names_principal: bool,
    pub applies: Applies,
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

fn evaluate_statement(index: usize, statement: &Value, request: &Request<'_>) -> StatementVerdict {
    let sid = statement
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|sid| !sid.is_empty())
        .map(str::to_string);
    let label = match &sid {
        Some(sid) => format!("statement {sid}"),
        None => format!("statement #{}", index + 1),
    };
    let effect = match statement.get("Effect").and_then(Value::as_str) {
        Some(effect) if effect.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => Effect::Allow,
    };
    let principal = principal_matches(statement, request.service_principal);
    let names_principal = !matches!(principal, Applies::No(_));
    let applies = [
        principal,
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
        names_principal,
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

fn principal_matches(statement: &Value, service: &str) -> Applies {
    if statement.get("NotPrincipal").is_some() {
        return Applies::Undecided("the statement uses NotPrincipal".to_string());
    }
    let principal = statement.get("Principal");
    if principal.and_then(Value::as_str) == Some("*") {
        return Applies::Yes;
    }
    let services = strings(principal.and_then(|p| p.get("Service")));
    let aws = strings(principal.and_then(|p| p.get("AWS")));
    if aws.contains(&"*") || services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
        return Applies::Yes;
    }
    let named = services
        .iter()
        .chain(aws.iter())
        .copied()
        .collect::<Vec<_>>();
    if named.is_empty() {
        Applies::No("it names no principal".to_string())
    } else {
        Applies::No(format!("its principal is {}", named.join(", ")))
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
fn conditions_hold(conditions: Option<&Value>, context: &BTreeMap<String, String>) -> Applies {
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
    context: &BTreeMap<String, String>,
) -> Applies {
    let undecided = || Applies::Undecided(format!("condition {operator} {key}"));
    // `...IfExists` differs only when the key is missing from the request,
    // and rotdoctor evaluates only keys it knows are present.
    let base = operator.strip_suffix("IfExists").unwrap_or(operator);
    let Some(actual) = context.get(&key.to_ascii_lowercase()) else {
        return undecided();
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
    let (holds, negated) = match base {
        "StringEquals" | "ArnEquals" => (matches(false, false), false),
        "StringEqualsIgnoreCase" => (matches(true, false), false),
        "StringLike" | "ArnLike" => (matches(false, true), false),
        "StringNotEquals" | "ArnNotEquals" => (!matches(false, false), true),
        "StringNotEqualsIgnoreCase" => (!matches(true, false), true),
        "StringNotLike" | "ArnNotLike" => (!matches(false, true), true),
        _ => return undecided(),
    };
    if holds {
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
            service_principal: "secretsmanager.amazonaws.com",
            action: "lambda:InvokeFunction",
            resource: "arn:aws:lambda:us-east-1:111122223333:function:rotate",
            context: BTreeMap::from([
                ("aws:sourceaccount".to_string(), "111122223333".to_string()),
                (
                    "aws:sourcearn".to_string(),
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf".to_string(),
                ),
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
        assert!(verdict.names_principal);
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
        assert!(!other_principal.names_principal);
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
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}
        }));
        assert_eq!(
            unknown.applies,
            Applies::Undecided("condition StringEquals aws:PrincipalOrgID".to_string())
        );
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
