#![doc = include_str!("../../docs/checks/password-charset.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::command::set_function_variable;
use crate::facts::{CharClass, Facts, FunctionFacts, ObjectShape, SecretShape};
use crate::finding::{Status, Verdict};
use crate::template::{self, Database, Template};

pub const CHECK: CheckDef = CheckDef {
    slug: "password-charset",
    title: "Generated passwords use only characters the database accepts",
    explanation: include_str!("../../docs/checks/password-charset.md"),
    reads: &[reads::SECRET, reads::SECRET_VALUE, reads::FUNCTION],
    run,
};

const GET_VALUE: &str = "secretsmanager:GetSecretValue";
const GET_FUNCTION: &str = "lambda:GetFunction";

/// One thing wrong, how bad, and which call showed it.
struct Problem {
    status: Status,
    source: &'static str,
    text: String,
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let object = match premise::looked_up(&facts.secret_value) {
        Ok(Some(SecretShape::Object(object))) => Some(object),
        _ => None,
    };
    let identified = template::identify(Some(function), object);
    let Some(template) = identified.template() else {
        return Err(Verdict::skip(
            "The function is not an AWS rotation template rotdoctor knows, so its password rules are its own",
        ));
    };
    let database = template.database;
    let settings = Settings::of(function, template);

    let mut evidence = vec![
        identified.evidence(),
        (GET_FUNCTION, settings.describe_exclusions()),
        (GET_FUNCTION, settings.describe_length()),
        (
            GET_FUNCTION,
            format!(
                "{} rejects {} in passwords",
                database.name,
                spaced(database.rejects)
            ),
        ),
    ];
    let mut problems = Vec::new();

    let missing = settings.missing(database.rejects);
    if !missing.is_empty() {
        problems.push(Problem {
            status: Status::Fail,
            source: GET_FUNCTION,
            text: format!(
                "Generated passwords may contain {}, which {} rejects",
                spaced(&missing),
                database.name
            ),
        });
    }
    for (character, why) in database.hazards {
        if settings.allows(*character) {
            problems.push(Problem {
                status: Status::Warn,
                source: GET_FUNCTION,
                text: format!("Generated passwords may contain '{character}': {why}"),
            });
        }
    }
    if !(database.min_length..=database.max_length).contains(&settings.length) {
        problems.push(Problem {
            status: Status::Fail,
            source: GET_FUNCTION,
            text: format!(
                "Generated passwords are {} characters, outside the {} to {} {} accepts",
                settings.length, database.min_length, database.max_length, database.name
            ),
        });
    }
    if let Some(object) = object {
        evidence.extend(current_password_lines(object));
        problems.extend(current_password_problems(object, database));
        problems.extend(clone_problem(object, template, function));
    }

    // The worst problem is the verdict; the others join the evidence.
    problems.sort_by_key(|problem| std::cmp::Reverse(problem.status));
    let verdict = match problems.first() {
        None => Verdict::pass(format!(
            "The function excludes every character {} rejects, and its passwords fit",
            database.name
        )),
        Some(worst) => Verdict::new(worst.status, worst.text.clone()),
    };
    let verdict = evidence
        .into_iter()
        .chain(problems.iter().skip(1).map(|p| (p.source, p.text.clone())))
        .fold(verdict, |verdict, (source, line)| {
            verdict.evidence(source, line)
        });
    let needs_exclusions =
        !missing.is_empty() || database.hazards.iter().any(|(c, _)| settings.allows(*c));
    Ok(if needs_exclusions {
        let mut exclude = settings.exclude.clone();
        exclude.push_str(&missing);
        exclude.extend(
            database
                .hazards
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| settings.allows(*c)),
        );
        verdict.fix(
            "Exclude those characters from generated passwords, keeping every other variable of the function \
             (needs jq; the next rotation then generates a valid password):",
            vec![set_function_variable(&function.arn, "EXCLUDE_CHARACTERS", &exclude)],
        )
    } else {
        verdict
    })
}

/// The function's password settings, from its variables or the template's defaults.
struct Settings {
    exclude: String,
    exclude_from_variable: bool,
    exclude_punctuation: bool,
    length: usize,
    length_from_variable: bool,
}

impl Settings {
    fn of(function: &FunctionFacts, template: &Template) -> Settings {
        let variable = |name: &str| function.environment.get(name);
        let flag = |name: &str| {
            variable(name)
                .is_some_and(|v| ["true", "1", "y", "yes"].contains(&v.to_lowercase().as_str()))
        };
        Settings {
            exclude: variable("EXCLUDE_CHARACTERS")
                .cloned()
                .unwrap_or_else(|| template.default_exclude.to_string()),
            exclude_from_variable: variable("EXCLUDE_CHARACTERS").is_some(),
            exclude_punctuation: flag("EXCLUDE_PUNCTUATION"),
            length: variable("PASSWORD_LENGTH")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(template.default_length),
            length_from_variable: variable("PASSWORD_LENGTH").is_some(),
        }
    }

    /// Whether a generated password may contain `c`. GetRandomPassword
    /// never includes a space unless asked to, and the templates never ask.
    fn allows(&self, c: char) -> bool {
        c != ' '
            && !self.exclude.contains(c)
            && !(self.exclude_punctuation && c.is_ascii_punctuation())
    }

    fn missing(&self, rejected: &str) -> String {
        rejected.chars().filter(|c| self.allows(*c)).collect()
    }

    fn describe_exclusions(&self) -> String {
        let source = if self.exclude_from_variable {
            "EXCLUDE_CHARACTERS is"
        } else {
            "EXCLUDE_CHARACTERS is not set, so the template's default excludes"
        };
        let punctuation = if self.exclude_punctuation {
            ", and EXCLUDE_PUNCTUATION is on"
        } else {
            ""
        };
        format!("{source} {}{punctuation}", spaced(&self.exclude))
    }

    fn describe_length(&self) -> String {
        if self.length_from_variable {
            format!("PASSWORD_LENGTH is {}", self.length)
        } else {
            format!(
                "PASSWORD_LENGTH is not set, so passwords are {} characters (the template's default)",
                self.length
            )
        }
    }
}

fn current_password_lines(object: &ObjectShape) -> Vec<(&'static str, String)> {
    object
        .password
        .iter()
        .map(|password| {
            (
                GET_VALUE,
                format!(
                    "the current password is {} characters long",
                    password.length
                ),
            )
        })
        .collect()
}

/// The current password: rejected characters (by class and count, never
/// which or where) and a length outside the database's limits.
fn current_password_problems(object: &ObjectShape, database: &Database) -> Vec<Problem> {
    let Some(password) = &object.password else {
        return Vec::new();
    };
    let mut classes = database
        .rejects
        .chars()
        .map(CharClass::of)
        .collect::<Vec<_>>();
    classes.dedup();
    let found = classes
        .iter()
        .filter(|class| password.count(**class) > 0)
        .map(|class| class.describe(password.count(*class)))
        .collect::<Vec<_>>();
    let mut problems = Vec::new();
    if !found.is_empty() {
        problems.push(Problem {
            status: Status::Warn,
            source: GET_VALUE,
            text: format!(
                "The current password has {}, which {} rejects",
                found.join(" and "),
                database.name
            ),
        });
    }
    if !(database.min_length..=database.max_length).contains(&password.length) {
        problems.push(Problem {
            status: Status::Warn,
            source: GET_VALUE,
            text: format!(
                "The current password is {} characters, outside the {} to {} {} accepts",
                password.length, database.min_length, database.max_length, database.name
            ),
        });
    }
    problems
}

/// Multi-user templates alternate `user` and `user_clone`; a clone name over
/// the template's limit stops rotation.
fn clone_problem(
    object: &ObjectShape,
    template: &Template,
    function: &FunctionFacts,
) -> Option<Problem> {
    let (suffix, default_limit) = template.clone_limit?;
    let username = object.username.as_deref()?;
    let limit = match template.name {
        "SecretsManagerRDSMySQLRotationMultiUser" => function
            .environment
            .get("USERNAME_CHARACTER_LIMIT")
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_limit),
        _ => default_limit,
    };
    let is_clone = username.to_lowercase().ends_with(&suffix.to_lowercase());
    let clone_length = username.chars().count() + suffix.len();
    (!is_clone && clone_length > limit).then(|| Problem {
        status: Status::Fail,
        source: GET_VALUE,
        text: format!(
            "The username is {} characters, so its clone ({suffix} appended) would be {clone_length}, over the template's limit of {limit}",
            username.chars().count()
        ),
    })
}

/// Characters separated by spaces, so a quote or backslash reads plainly.
fn spaced(characters: &str) -> String {
    characters
        .chars()
        .map(|c| {
            if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{function_mut, healthy, object_mut};
    use crate::facts::{Fact, PasswordShape};

    fn as_mysql(facts: &mut Facts) {
        function_mut(facts).template_tags.insert(
            "serverlessrepo:applicationId".to_string(),
            "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSMySQLRotationSingleUser"
                .to_string(),
        );
        object_mut(facts).engine = Some("mysql".to_string());
    }

    #[test]
    fn template_defaults_pass() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
    }

    #[test]
    fn mysql_exclusions_that_allow_a_slash_fail_with_a_fix_that_keeps_the_other_variables() {
        let mut facts = healthy();
        as_mysql(&mut facts);
        function_mut(&mut facts)
            .environment
            .insert("EXCLUDE_CHARACTERS".to_string(), "@\"'\\".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "Generated passwords may contain /, which MySQL rejects"
        );
        let command = &verdict.fix.unwrap().commands[0];
        // Run it as printed, with stand-ins for aws and jq that show their arguments.
        let stand_ins = r#"
            aws() { if [ "$2" = get-function-configuration ]; then echo '{}'; else printf '<%s>' "$@"; fi; }
            jq() { cat > /dev/null; printf '%s|' "$@"; }
        "#;
        let output = std::process::Command::new("bash")
            .args(["-c", &format!("{stand_ins}\n{command}")])
            .output()
            .unwrap();
        let printed = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            printed,
            "<lambda><update-function-configuration><--function-name>\
             <arn:aws:lambda:us-east-1:111122223333:function:rotate-prod-db><--region><us-east-1>\
             <--environment><--arg|value|@\"'\\/|.Variables = ((.Variables // {}) + {EXCLUDE_CHARACTERS: $value})|>",
            "{command}"
        );
    }

    #[test]
    fn postgres_allowing_a_colon_warns() {
        let mut facts = healthy();
        function_mut(&mut facts)
            .environment
            .insert("EXCLUDE_CHARACTERS".to_string(), "/@\"'\\".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(verdict.summary.contains(".pgpass"), "{}", verdict.summary);
        assert!(verdict.fix.is_some());
    }

    #[test]
    fn exclude_punctuation_covers_everything() {
        let mut facts = healthy();
        as_mysql(&mut facts);
        let variables = &mut function_mut(&mut facts).environment;
        variables.insert("EXCLUDE_CHARACTERS".to_string(), String::new());
        variables.insert("EXCLUDE_PUNCTUATION".to_string(), "true".to_string());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn current_password_with_rejected_characters_warns_by_class_and_count() {
        let mut facts = healthy();
        object_mut(&mut facts).password = Some(PasswordShape::of("abc/def@@ghijklmnop"));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert_eq!(
            verdict.summary,
            "The current password has 1 slash (/) and 2 at signs (@), which PostgreSQL rejects"
        );
    }

    #[test]
    fn password_length_outside_the_engine_limits_fails() {
        let mut facts = healthy();
        function_mut(&mut facts).template_tags.insert(
            "serverlessrepo:applicationId".to_string(),
            "applications/SecretsManagerRDSOracleRotationSingleUser".to_string(),
        );
        object_mut(&mut facts).engine = Some("oracle".to_string());
        function_mut(&mut facts)
            .environment
            .insert("PASSWORD_LENGTH".to_string(), "32".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .evidence
                .iter()
                .any(|e| e.observed.contains("32 characters, outside the 8 to 30")),
            "{verdict:?}"
        );
    }

    #[test]
    fn long_username_cannot_be_cloned() {
        let mut facts = healthy();
        function_mut(&mut facts).template_tags.insert(
            "serverlessrepo:applicationId".to_string(),
            "applications/SecretsManagerRDSMySQLRotationMultiUser".to_string(),
        );
        object_mut(&mut facts).engine = Some("mysql".to_string());
        object_mut(&mut facts).username = Some("orders_service".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .summary
                .contains("would be 20, over the template's limit of 16"),
            "{}",
            verdict.summary
        );
        object_mut(&mut facts).username = Some("orders_clone".to_string());
        assert_ne!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn missing_function_skips() {
        let mut facts = healthy();
        facts.rotation_function = Fact::Absent;
        assert_eq!(CHECK.verdict(&facts).status, Status::Skip);
    }
}
