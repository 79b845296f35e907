#![doc = include_str!("../../docs/checks/secret-schema.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::secretsmanager::GET_SECRET_VALUE as GET_VALUE;
use crate::command::{aws, merge_secret_keys, rewrite_secret_value};
use crate::facts::{Fact, Facts, JsonType, ObjectShape, SecretFacts, SecretShape};
use crate::finding::Verdict;
use crate::template::{self, Identified, Template};

pub const CHECK: CheckDef = CheckDef {
    slug: "secret-schema",
    title: "The secret value has the shape the rotation function reads",
    holds: r#"The current value is a JSON object with every key the function's rotation template reads (`engine`, `host`, `username`, `password`, `masterarn` for multi-user, ...), an `engine` it accepts, and a `port` the template's `int()` reads; for multi-user rotation, the master secret's value has the keys the template reads from it."#,
    explanation: include_str!("../../docs/checks/secret-schema.md"),
    reads: &[reads::SECRET, reads::SECRET_VALUE, reads::FUNCTION],
    run,
};

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
    // Which template reads the value is told by the function first: an
    // unreadable function must not leave the value judged by a guess.
    let function = premise::looked_up(&facts.rotation_function)?;
    let identified = template::identify(function, object);
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
            shape,
        ));
    };

    let problems = problems(object, template);
    // The master secret's keys matter only once the secret's own are right:
    // an unreadable master secret must not hide the secret's own problems.
    if problems.is_empty()
        && let Some((master_arn, missing)) = master_missing_keys(facts, template)?
    {
        return Ok(master_fix(
                with_template(Verdict::fail(format!(
                    "The master secret's value lacks {}: multi-user rotation reads it to log in and stops with \"{} key is missing from secret JSON\"",
                    missing.join(", "),
                    missing[0]
                )))
                .evidence(GET_VALUE, format!("the master secret {master_arn} lacks {}", missing.join(", "))),
                master_arn,
                &missing,
                object,
                template,
            ));
    }
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
        reshape(verdict, secret, template, shape)
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
    if let Some(problem) = port_problem(object) {
        problems.push(problem);
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

/// Keys the multi-user template reads from the master secret that its
/// value lacks. A master secret RDS manages holds only a username and a
/// password: the template asks RDS for the rest.
fn master_missing_keys<'a>(
    facts: &'a Facts,
    template: &Template,
) -> Result<Option<(&'a str, Vec<&'static str>)>, Verdict> {
    if !template.multi_user || matches!(facts.master_secret, Fact::NotCollected) {
        return Ok(None);
    }
    // A missing master secret is master-secret-access's finding.
    let Some(master) = premise::looked_up(&facts.master_secret)? else {
        return Ok(None);
    };
    let Some(value) =
        premise::looked_up_in(&master.value, facts, &master.masterarn, "master secret")?
    else {
        return Ok(None);
    };
    let SecretShape::Object(master_object) = value else {
        return Ok(None);
    };
    if master.rds_database_arn().is_some() {
        return Ok(None);
    }
    let missing = template
        .required_keys
        .iter()
        .copied()
        .filter(|key| *key != "masterarn" && !master_object.keys.contains_key(*key))
        .collect::<Vec<_>>();
    Ok((!missing.is_empty()).then_some((master.masterarn.as_str(), missing)))
}

/// Adds the missing keys to the master secret's value, keeping the rest:
/// the engine is the secret's own, the others are placeholders.
fn master_fix(
    verdict: Verdict,
    master_arn: &str,
    missing: &[&str],
    object: &ObjectShape,
    template: &Template,
) -> Verdict {
    let mut keys = serde_json::Map::new();
    let mut placeholders = Vec::new();
    for key in missing {
        let value = match (*key, &object.engine) {
            ("engine", Some(engine)) => engine.clone(),
            ("engine", None) => template
                .engines
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            (other, _) => {
                placeholders.push(format!("<{other}>"));
                format!("<{other}>")
            }
        };
        keys.insert(key.to_string(), value.into());
    }
    let placeholders = if placeholders.is_empty() {
        String::new()
    } else {
        format!(
            " Replace {} with the master user's own before running it.",
            placeholders.join(", ")
        )
    };
    verdict.fix(
        format!(
            "Add the keys to the master secret's value, keeping the rest of it (needs jq; the value is never printed).{placeholders}"
        ),
        vec![merge_secret_keys(master_arn, &keys)],
    )
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

/// The templates read `port` with Python's `int()`: `5432`, `"5432"`,
/// `" 5432 "` and `5432.0` all work; `null`, `"5432.0"` and `"abc"` stop
/// setSecret with a TypeError or ValueError.
fn port_problem(object: &ObjectShape) -> Option<String> {
    let json_type = object.keys.get("port")?;
    let port = match (json_type, object.port.as_deref()) {
        (JsonType::Number, Some(text)) => text.parse::<f64>().ok().map(|n| n.trunc()),
        (JsonType::String, Some(text)) => {
            let inner = serde_json::from_str::<String>(text).unwrap_or_default();
            match template::python_int(&inner) {
                Some(port) => Some(port as f64),
                None => {
                    return Some(format!(
                        "The port {text} is not a whole number: the template's int() stops setSecret with a ValueError"
                    ));
                }
            }
        }
        (JsonType::Null, _) => {
            return Some(
                "The port is null: the template's int() stops setSecret with a TypeError (remove the key to use the default port)"
                    .to_string(),
            );
        }
        (other, _) => {
            return Some(format!("The port holds {}, not a number", other.name()));
        }
    };
    match port {
        Some(port) if (1.0..=65535.0).contains(&port) => None,
        _ => Some(format!(
            "The port {} is not a port number from 1 to 65535",
            object.port.as_deref().unwrap_or("?")
        )),
    }
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

/// The fix for a value of the wrong shape, built from the current value
/// without printing it: an object gets the keys it lacks or holds wrong,
/// the rest kept; a plain string becomes the object's password. Values
/// rotdoctor cannot know are `<placeholders>`, named in the summary.
fn reshape(
    verdict: Verdict,
    secret: &SecretFacts,
    template: &Template,
    shape: &SecretShape,
) -> Verdict {
    let (command, keys) = match shape {
        SecretShape::Object(object) => {
            let keys = corrections(object, template);
            (merge_secret_keys(&secret.arn, &keys), keys)
        }
        SecretShape::Text { .. } => {
            let mut keys = example(template);
            keys.remove("password");
            (text_as_password(&secret.arn, &keys), keys)
        }
        // Binary, or JSON that is no object: nothing of it can be kept.
        _ => {
            let keys = example(template);
            let command = aws(
                "secretsmanager",
                "put-secret-value",
                &[
                    "--secret-id",
                    &secret.arn,
                    "--secret-string",
                    &serde_json::Value::Object(keys.clone()).to_string(),
                ],
                secret.region(),
            );
            (command, keys)
        }
    };
    let placeholders = keys
        .values()
        .filter_map(|v| v.as_str())
        .filter(|v| v.starts_with('<'))
        .collect::<Vec<_>>();
    let kept = match shape {
        SecretShape::Object(_) => "keeping the rest of the current value",
        SecretShape::Text { .. } => "keeping the current text as its password",
        _ => "replacing the current value",
    };
    let fill = if placeholders.is_empty() {
        String::new()
    } else {
        format!(" Replace {} before running it.", placeholders.join(", "))
    };
    verdict.fix(
        format!(
            "Store a new version in the shape {} reads, {kept} (needs jq; no value is printed).{fill}",
            template.name
        ),
        vec![command],
    )
}

/// The keys an object secret needs added or corrected, with the value each
/// gets: the template's engine and port, else a placeholder.
fn corrections(
    object: &ObjectShape,
    template: &Template,
) -> serde_json::Map<String, serde_json::Value> {
    let wanted = example(template);
    let mut keys = serde_json::Map::new();
    for key in template.required_keys {
        if object.keys.get(*key) != Some(&JsonType::String) {
            keys.insert(key.to_string(), wanted[*key].clone());
        }
    }
    if let Some(engine) = &object.engine
        && !template.engines.is_empty()
        && !template.accepts_engine(engine)
    {
        keys.insert("engine".to_string(), wanted["engine"].clone());
    }
    if port_problem(object).is_some() {
        keys.insert("port".to_string(), template.default_port.into());
    }
    if object
        .keys
        .get("dbname")
        .is_some_and(|t| *t != JsonType::String)
    {
        keys.insert("dbname".to_string(), "<dbname>".into());
    }
    keys
}

/// A new version whose password is the current plain-text value: the
/// templates read an object, and a plain string is most often the password.
fn text_as_password(secret_arn: &str, keys: &serde_json::Map<String, serde_json::Value>) -> String {
    let keys = serde_json::Value::Object(keys.clone()).to_string();
    rewrite_secret_value(
        secret_arn,
        // --output text ends the value with a newline that is not its own.
        &[
            "-Rsc",
            "--argjson",
            "keys",
            &keys,
            "$keys + {password: rtrimstr(\"\\n\")}",
        ],
    )
}

/// The shape a template reads, with placeholder values.
pub fn example(template: &Template) -> serde_json::Map<String, serde_json::Value> {
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
    object
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
            fix.summary
                .contains("keeping the current text as its password"),
            "{}",
            fix.summary
        );
        // Run it as printed with the real jq and a stand-in aws that answers
        // get-secret-value and shows put-secret-value's --secret-string.
        let stand_in = r#"aws() { if [ "$2" = get-secret-value ]; then echo 'the-Old-pw'; else for a in "$@"; do [ "$prev" = --secret-string ] && echo "$a"; prev="$a"; done; fi; }"#;
        let output = std::process::Command::new("bash")
            .args(["-c", &format!("{stand_in}\n{}", fix.commands[0])])
            .output()
            .unwrap();
        let written: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        assert_eq!(written["password"], "the-Old-pw");
        assert_eq!(written["engine"], "postgres");
        assert_eq!(written["host"], "<host>");
        assert_eq!(
            CHECK
                .verdict(&with_value(SecretShape::Binary { length: 8 }))
                .status,
            Status::Fail
        );
    }

    /// What the templates' `int()` takes, from the JSON the secret holds.
    #[test]
    fn ports_are_read_as_int_reads_them() {
        for (json, json_type, passes) in [
            (Some("5432"), JsonType::Number, true),
            (Some("5432.0"), JsonType::Number, true),
            (Some("\"5432\""), JsonType::String, true),
            (Some("\" 5432 \""), JsonType::String, true),
            (Some("\"5432.0\""), JsonType::String, false),
            (Some("\"54x\""), JsonType::String, false),
            (Some("70000"), JsonType::Number, false),
            (None, JsonType::Null, false),
            (None, JsonType::Bool, false),
        ] {
            let mut facts = healthy();
            let object = object_mut(&mut facts);
            object.port = json.map(str::to_string);
            object.keys.insert("port".to_string(), json_type);
            let verdict = CHECK.verdict(&facts);
            let expected = if passes { Status::Pass } else { Status::Fail };
            assert_eq!(
                verdict.status, expected,
                "{json:?} {json_type:?}: {}",
                verdict.summary
            );
        }
    }

    fn master_value_mut(facts: &mut Facts) -> &mut ObjectShape {
        match &mut facts.master_secret {
            Fact::Found(master) => match &mut master.value {
                Fact::Found(SecretShape::Object(object)) => object,
                _ => unreachable!(),
            },
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_master_secret_without_engine_fails_with_a_fix_that_keeps_its_value() {
        let mut facts = crate::checks::testing::multi_user();
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        let master = master_value_mut(&mut facts);
        master.keys.remove("engine");
        master.engine = None;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:?}");
        assert!(
            verdict
                .summary
                .starts_with("The master secret's value lacks engine"),
            "{}",
            verdict.summary
        );
        let command = &verdict.fix.unwrap().commands[0];
        assert!(
            command.contains(r#"--argjson keys '{"engine":"postgres"}' '. + $keys'"#),
            "{command}"
        );
        assert!(
            command.contains("get-secret-value --secret-id"),
            "{command}"
        );
    }

    #[test]
    fn an_unreadable_master_value_is_an_error_only_when_the_secret_itself_is_right() {
        let mut facts = crate::checks::testing::multi_user();
        if let Fact::Found(master) = &mut facts.master_secret {
            master.value = denied("secretsmanager:GetSecretValue");
        }
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
        object_mut(&mut facts).keys.remove("host");
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn an_unreadable_function_is_an_error_not_a_guess() {
        let mut facts = healthy();
        facts.rotation_function = denied("lambda:GetFunction");
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
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
