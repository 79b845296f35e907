#![doc = include_str!("../../docs/checks/secret-schema.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::command::aws;
use crate::facts::{Facts, JsonType, ObjectShape, SecretFacts, SecretShape};
use crate::finding::Verdict;
use crate::template::{self, Identified, Template};

pub const CHECK: CheckDef = CheckDef {
    slug: "secret-schema",
    title: "The secret value has the shape the rotation function reads",
    explanation: include_str!("../../docs/checks/secret-schema.md"),
    reads: &[reads::SECRET, reads::SECRET_VALUE, reads::FUNCTION],
    run,
};

const GET_VALUE: &str = "secretsmanager:GetSecretValue";

fn run(facts: &Facts) -> Outcome {
    premise::rotation_function_arn(facts)?;
    let secret = premise::secret(facts)?;
    let Some(shape) = premise::looked_up(&facts.secret_value)? else {
        return Ok(Verdict::fail(
            "The secret has no AWSCURRENT value for the rotation function to read",
        )
        .evidence(
            GET_VALUE,
            "ResourceNotFoundException: no version is labelled AWSCURRENT",
        ));
    };
    let object = match shape {
        SecretShape::Object(object) => Some(object),
        _ => None,
    };
    let identified = template::identify(facts.rotation_function.found(), object);
    let Some(template) = identified.template() else {
        return Err(Verdict::skip(match identified {
            Identified::Unchecked { .. } => format!(
                "rotdoctor does not check the secret format of this template: {}",
                identified.evidence().1
            ),
            _ => "The rotation function is not an AWS rotation template, so it defines its own secret format"
                .to_string(),
        }));
    };
    let (identified_source, identified_line) = identified.evidence();
    let with_template =
        |verdict: Verdict| verdict.evidence(identified_source, identified_line.clone());

    let Some(object) = object else {
        let what = describe(shape);
        return Ok(reshape(
            with_template(Verdict::fail(format!(
                "The secret value is {what}; {} reads a JSON object",
                template.name
            )))
            .evidence(GET_VALUE, format!("the current value is {what}")),
            secret,
            template,
        ));
    };

    let problems = problems(object, template);
    let keys_line = format!(
        "the current value is a JSON object with the keys {}",
        object.keys.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    let verdict = match problems.first() {
        None => Verdict::pass(format!("The secret has every key {} reads", template.name)),
        Some(first) => Verdict::fail(first.clone()),
    };
    let verdict = with_template(verdict).evidence(GET_VALUE, keys_line);
    let verdict = problems.iter().skip(1).fold(verdict, |verdict, problem| {
        verdict.evidence(GET_VALUE, problem.clone())
    });
    Ok(if problems.is_empty() {
        verdict
    } else {
        reshape(verdict, secret, template)
    })
}

/// What is wrong with an object secret, in the order the template finds it.
fn problems(object: &ObjectShape, template: &Template) -> Vec<String> {
    let mut problems = Vec::new();
    for key in template.required_keys {
        match object.keys.get(*key) {
            None => problems.push(format!(
                "The key {key} is missing: the function stops with \"{key} key is missing from secret JSON\""
            )),
            Some(JsonType::String) => {}
            Some(other) => problems.push(format!("The key {key} holds {}, not a string", other.name())),
        }
    }
    if let Some(engine) = &object.engine
        && !template.engines.is_empty()
        && !template.accepts_engine(engine)
    {
        problems.push(format!(
            "The engine is {engine}, but {} accepts only {}",
            template.name,
            accepted(template)
        ));
    }
    if let Some(port) = &object.port {
        if !valid_port(port) {
            problems.push(format!(
                "The port {port} is not a port number from 1 to 65535"
            ));
        }
    } else if let Some(json_type) = object.keys.get("port") {
        problems.push(format!("The port holds {}, not a number", json_type.name()));
    }
    if let Some(json_type) = object
        .keys
        .get("dbname")
        .filter(|t| **t != JsonType::String)
    {
        problems.push(format!(
            "The key dbname holds {}, not a string",
            json_type.name()
        ));
    }
    problems
}

fn accepted(template: &Template) -> String {
    let engines = template
        .engines
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>();
    if template.engine_is_prefix {
        format!("engines starting with {}", engines.join(" or "))
    } else {
        engines.join(" or ")
    }
}

/// `5432` or `"5432"`: the templates convert with `int()`.
fn valid_port(json_text: &str) -> bool {
    json_text
        .trim_matches('"')
        .parse::<u32>()
        .is_ok_and(|port| (1..=65535).contains(&port))
}

fn describe(shape: &SecretShape) -> String {
    match shape {
        SecretShape::Binary { .. } => "binary (SecretBinary), not a SecretString".to_string(),
        SecretShape::Text { length } => format!("a {length}-character string that is not JSON"),
        SecretShape::JsonValue { json_type } => {
            format!("JSON, but {} rather than an object", json_type.name())
        }
        SecretShape::Object(_) => "a JSON object".to_string(),
    }
}

/// The fix for a value of the wrong shape: the shape to write, with placeholders.
fn reshape(verdict: Verdict, secret: &SecretFacts, template: &Template) -> Verdict {
    verdict.fix(
        format!(
            "Write the value as a JSON object of this shape to secret.json (the values are placeholders), then store it: {}",
            example(template)
        ),
        vec![aws(
            "secretsmanager",
            "put-secret-value",
            &["--secret-id", &secret.arn, "--secret-string", "file://secret.json"],
            secret.region(),
        )],
    )
}

/// The shape a template reads, with placeholder values.
pub fn example(template: &Template) -> String {
    let mut object = serde_json::Map::new();
    for key in template.required_keys {
        let value = match *key {
            "engine" => template
                .engines
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            "masterarn" => "<ARN of the master secret>".to_string(),
            "user_arn" => "<ARN of the ElastiCache user>".to_string(),
            other => format!("<{other}>"),
        };
        object.insert(key.to_string(), value.into());
    }
    if !template.engines.is_empty() {
        object.insert("port".to_string(), template.default_port.into());
    }
    serde_json::Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{denied, healthy, object_mut};
    use crate::facts::{Fact, SecretShape};
    use crate::finding::Status;

    fn with_value(shape: SecretShape) -> Facts {
        let mut facts = healthy();
        facts.secret_value = Fact::Found(shape);
        facts
    }

    #[test]
    fn a_complete_postgres_secret_passes() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
        assert_eq!(
            verdict.summary,
            "The secret has every key SecretsManagerRDSPostgreSQLRotationSingleUser reads"
        );
    }

    #[test]
    fn each_missing_key_fails() {
        for key in ["engine", "host", "username", "password"] {
            let mut facts = healthy();
            object_mut(&mut facts).keys.remove(key);
            if key == "engine" {
                object_mut(&mut facts).engine = None;
            }
            let verdict = CHECK.verdict(&facts);
            assert_eq!(verdict.status, Status::Fail, "{key}: {verdict:?}");
            assert!(
                verdict
                    .summary
                    .contains(&format!("The key {key} is missing")),
                "{}",
                verdict.summary
            );
        }
    }

    #[test]
    fn engine_mismatch_fails() {
        let mut facts = healthy();
        object_mut(&mut facts).engine = Some("mysql".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .summary
                .contains("accepts only postgres or aurora-postgresql"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn non_json_and_binary_values_fail_with_an_example_shape() {
        let text = CHECK.verdict(&with_value(SecretShape::Text { length: 24 }));
        assert_eq!(text.status, Status::Fail);
        let fix = text.fix.unwrap();
        assert!(
            fix.summary.contains(r#""engine":"postgres""#),
            "{}",
            fix.summary
        );
        assert!(fix.commands[0].contains("file://secret.json"));
        assert_eq!(
            CHECK
                .verdict(&with_value(SecretShape::Binary { length: 8 }))
                .status,
            Status::Fail
        );
    }

    #[test]
    fn bad_port_fails() {
        let mut facts = healthy();
        object_mut(&mut facts).port = Some("\"54x\"".to_string());
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
        assert!(valid_port("5432") && valid_port("\"5432\"") && !valid_port("70000"));
    }

    #[test]
    fn unreadable_value_is_an_error() {
        let mut facts = healthy();
        facts.secret_value = denied("secretsmanager:GetSecretValue");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Error);
        assert!(verdict.summary.contains("secretsmanager:GetSecretValue"));
    }
}
