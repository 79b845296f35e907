#![doc = include_str!("../../docs/checks/password-charset.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_FUNCTION;
use crate::actions::secretsmanager::GET_SECRET_VALUE as GET_VALUE;
use crate::command::set_function_variable;
use crate::facts::{CharClass, Facts, FunctionFacts, ObjectShape, SecretShape};
use crate::finding::{FixPlan, Status, Verdict};
use crate::template::{self, Database, Template};

pub const CHECK: CheckDef = CheckDef {
    slug: "password-charset",
    title: "Generated passwords use only characters the database accepts",
    holds: r#"Generated passwords hold no character the template cannot set or log in with (per engine: none for MySQL, MariaDB, PostgreSQL, SQL Server, MongoDB; `"` for Oracle, `;` for Db2, the documented sets for Redshift and ElastiCache), and fit the engine's documented lengths; `PASSWORD_LENGTH` and `USERNAME_CHARACTER_LIMIT` parse as the template parses them; a URI delimiter the template's default excludes is a warning (rotation works, unencoded URIs break); a multi-user username can take its `_clone` suffix."#,
    explanation: include_str!("../../docs/checks/password-charset.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::ORIGIN,
    ],
    run,
};

/// One thing wrong, how bad, and which call showed it.
struct Problem {
    status: Status,
    source: &'static str,
    text: String,
}

impl Problem {
    fn fail(source: &'static str, text: String) -> Problem {
        Problem {
            status: Status::Fail,
            source,
            text,
        }
    }

    fn warn(source: &'static str, text: String) -> Problem {
        Problem {
            status: Status::Warn,
            source,
            text,
        }
    }
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    // The template can be named from the value, so an unreadable value is
    // an error here, not "no template".
    let object = match premise::looked_up(&facts.secret_value)? {
        Some(SecretShape::Object(object)) => Some(object),
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
        (GET_FUNCTION, describe_refusals(database)),
    ];
    let mut problems = Vec::new();

    let missing = settings.missing(database.refuses);
    if !missing.is_empty() {
        problems.push(Problem::fail(
            GET_FUNCTION,
            format!(
                "Generated passwords may contain {}, which stops rotation: {}",
                spaced(&missing),
                database.refuses_why
            ),
        ));
    }
    let uri_breaking = settings.uri_delimiters_allowed(template);
    if !uri_breaking.is_empty() {
        problems.push(Problem::warn(
            GET_FUNCTION,
            format!(
                "Generated passwords may contain {}, which the template excludes by default: rotation works, but clients that put the password in a connection URI without percent-encoding it fail to log in",
                spaced(&uri_breaking)
            ),
        ));
    }
    let length = length_problem(&settings, database);
    let length_is_wrong = length.is_some();
    problems.extend(length);
    if let Some(object) = object {
        evidence.extend(current_password_lines(object));
        problems.extend(current_password_problem(object, database));
        problems.extend(clone_problem(object, template, function));
    }

    // The worst problem is the verdict; the others join the evidence.
    problems.sort_by_key(|problem| std::cmp::Reverse(problem.status));
    let verdict = match problems.first() {
        None => Verdict::pass(format!(
            "Generated passwords suit {} and its template",
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
    let mut commands = FixPlan::default();
    if !missing.is_empty() || !uri_breaking.is_empty() {
        let mut exclude = settings.exclude.clone();
        exclude.push_str(&missing);
        exclude.push_str(&uri_breaking);
        commands.change(set_function_variable(
            &secret.arn,
            &function.arn,
            "EXCLUDE_CHARACTERS",
            &exclude,
        ));
    }
    if length_is_wrong {
        commands.change(set_function_variable(
            &secret.arn,
            &function.arn,
            "PASSWORD_LENGTH",
            &template.default_length.to_string(),
        ));
    }
    Ok(verdict.fix_plan(
            format!(
                "Set the password variables the template reads{}, keeping every other variable of the function \
                 (needs jq; the next rotation then generates a password that fits):",
                if length_is_wrong {
                    format!(" (PASSWORD_LENGTH to the template's default, {})", template.default_length)
                } else {
                    String::new()
                }
            ),
            commands,
        ))
}

fn describe_refusals(database: &Database) -> String {
    if database.refuses.is_empty() {
        format!("{}: {}", database.name, database.refuses_why)
    } else {
        format!(
            "{} refuses {}: {}",
            database.name,
            spaced(database.refuses),
            database.refuses_why
        )
    }
}

/// PASSWORD_LENGTH as the template reads it: Python's `int()`, then
/// GetRandomPassword's bounds, then the database's.
fn length_problem(settings: &Settings, database: &Database) -> Option<Problem> {
    let (shortest, longest) = template::GENERATOR_LENGTHS;
    let text = match settings.length {
        Length::Unparsable(ref raw) => format!(
            "PASSWORD_LENGTH is {raw:?}, which the template cannot read as a whole number: createSecret stops with a ValueError"
        ),
        Length::Value(length) if !(shortest as i64..=longest as i64).contains(&length) => format!(
            "PASSWORD_LENGTH is {length}, outside the {shortest} to {longest} GetRandomPassword generates: createSecret fails"
        ),
        Length::Value(length)
            if !(database.min_length as i64..=database.max_length as i64).contains(&length) =>
        {
            format!(
                "Generated passwords are {length} characters, outside the {} to {} {} takes: {}",
                database.min_length, database.max_length, database.name, database.length_source
            )
        }
        Length::Value(_) => return None,
    };
    Some(Problem::fail(GET_FUNCTION, text))
}

/// The function's password settings, from its variables or the template's defaults.
struct Settings {
    exclude: String,
    exclude_from_variable: bool,
    exclude_punctuation: bool,
    length: Length,
    length_from_variable: bool,
}

/// `PASSWORD_LENGTH` as Python's `int()` reads it.
enum Length {
    Value(i64),
    Unparsable(String),
}

impl Settings {
    fn of(function: &FunctionFacts, template: &Template) -> Settings {
        let variable = |name: &str| function.environment.get(name);
        let flag = |name: &str| {
            variable(name)
                .is_some_and(|v| ["true", "1", "y", "yes"].contains(&v.to_lowercase().as_str()))
        };
        let length = match variable("PASSWORD_LENGTH") {
            None => Length::Value(template.default_length as i64),
            Some(raw) => template::python_int(raw)
                .map_or_else(|| Length::Unparsable(raw.clone()), Length::Value),
        };
        Settings {
            exclude: variable("EXCLUDE_CHARACTERS")
                .cloned()
                .unwrap_or_else(|| template.default_exclude.to_string()),
            exclude_from_variable: variable("EXCLUDE_CHARACTERS").is_some(),
            exclude_punctuation: flag("EXCLUDE_PUNCTUATION"),
            length,
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

    fn missing(&self, refused: &str) -> String {
        refused.chars().filter(|c| self.allows(*c)).collect()
    }

    /// URI delimiters the template's own default keeps out but these
    /// settings let in.
    fn uri_delimiters_allowed(&self, template: &Template) -> String {
        template::URI_DELIMITERS
            .chars()
            .filter(|c| template.default_exclude.contains(*c) && self.allows(*c))
            .filter(|c| !template.database.refuses.contains(*c))
            .collect()
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
        match (&self.length, self.length_from_variable) {
            (Length::Value(length), true) => format!("PASSWORD_LENGTH is {length}"),
            (Length::Unparsable(raw), _) => format!("PASSWORD_LENGTH is {raw:?}"),
            (Length::Value(length), false) => format!(
                "PASSWORD_LENGTH is not set, so passwords are {length} characters (the template's default)"
            ),
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

/// The current password, which the database accepted: only characters that
/// stop the template logging in with it matter (by class and count, never
/// which or where).
fn current_password_problem(object: &ObjectShape, database: &Database) -> Option<Problem> {
    let password = object.password.as_ref()?;
    let mut classes = database
        .breaks_login
        .chars()
        .map(CharClass::of)
        .collect::<Vec<_>>();
    classes.dedup();
    let found = classes
        .iter()
        .filter(|class| password.count(**class) > 0)
        .map(|class| class.describe(password.count(*class)))
        .collect::<Vec<_>>();
    (!found.is_empty()).then(|| {
        Problem::warn(
            GET_VALUE,
            format!(
                "The current password has {}, with which the template cannot log in: {}",
                found.join(" and "),
                database.refuses_why
            ),
        )
    })
}

/// Multi-user templates alternate `user` and `user_clone`; a clone name over
/// the template's limit, or over the server's own, stops rotation.
fn clone_problem(
    object: &ObjectShape,
    template: &Template,
    function: &FunctionFacts,
) -> Option<Problem> {
    let (suffix, default_limit) = template.clone_limit?;
    let username = object.username.as_deref()?;
    let variable = function.environment.get("USERNAME_CHARACTER_LIMIT");
    let limit = match (template.name, variable) {
        ("SecretsManagerRDSMySQLRotationMultiUser", Some(raw)) => match template::python_int(raw) {
            Some(limit) => usize::try_from(limit).unwrap_or(0),
            None => {
                return Some(Problem::fail(
                    GET_FUNCTION,
                    format!(
                        "USERNAME_CHARACTER_LIMIT is {raw:?}, which the template cannot read as a whole number: createSecret stops with a ValueError"
                    ),
                ));
            }
        },
        _ => default_limit,
    };
    let is_clone = username.to_lowercase().ends_with(&suffix.to_lowercase());
    let length = username.chars().count();
    let clone_length = length + suffix.len();
    if !is_clone && clone_length > limit {
        return Some(Problem::fail(
            GET_VALUE,
            format!(
                "The username is {length} characters, so its clone ({suffix} appended) would be {clone_length}, over the template's limit of {limit}"
            ),
        ));
    }
    let server_limit = template.database.user_name_limit?;
    let longest = if is_clone { length } else { clone_length };
    if longest > server_limit {
        return Some(Problem::fail(
            GET_VALUE,
            format!(
                "The clone's user name would be {longest} characters: USERNAME_CHARACTER_LIMIT is {limit}, but {} takes user names of at most {server_limit}, so setSecret fails",
                template.database.name
            ),
        ));
    }
    (limit > server_limit).then(|| {
        Problem::warn(
            GET_FUNCTION,
            format!(
                "USERNAME_CHARACTER_LIMIT is {limit}, above the {server_limit} characters {} takes in a user name: this username fits, a longer one would fail in setSecret",
                template.database.name
            ),
        )
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

    fn with_variable(facts: &mut Facts, name: &str, value: &str) {
        function_mut(facts)
            .environment
            .insert(name.to_string(), value.to_string());
    }

    fn as_template(facts: &mut Facts, name: &str, engine: &str) {
        function_mut(facts).template_tags.insert(
            "serverlessrepo:applicationId".to_string(),
            format!("applications/{name}"),
        );
        object_mut(facts).engine = Some(engine.to_string());
    }

    #[test]
    fn mysql_allowing_a_slash_warns_of_uris_with_a_fix_that_keeps_the_other_variables() {
        let mut facts = healthy();
        as_mysql(&mut facts);
        with_variable(&mut facts, "EXCLUDE_CHARACTERS", "@\"'\\");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict.summary.starts_with("Generated passwords may contain /, which the template excludes by default: rotation works"),
            "{}",
            verdict.summary
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

    /// Every punctuation character rotated through the MySQL, MariaDB and
    /// PostgreSQL templates against real databases: none is a failure.
    #[test]
    fn no_punctuation_fails_the_sql_templates() {
        for (name, engine) in [
            ("SecretsManagerRDSMySQLRotationSingleUser", "mysql"),
            ("SecretsManagerRDSMariaDBRotationMultiUser", "mariadb"),
            ("SecretsManagerRDSPostgreSQLRotationSingleUser", "postgres"),
        ] {
            let mut facts = healthy();
            as_template(&mut facts, name, engine);
            with_variable(&mut facts, "EXCLUDE_CHARACTERS", "");
            object_mut(&mut facts).password = Some(PasswordShape::of("a/b@c\"d e:f;g&h,i'j\\k"));
            let verdict = CHECK.verdict(&facts);
            assert_eq!(verdict.status, Status::Warn, "{name}: {verdict:?}");
            assert!(
                verdict.summary.contains("rotation works"),
                "{}",
                verdict.summary
            );
        }
    }

    #[test]
    fn postgres_allowing_a_colon_warns_of_uris() {
        let mut facts = healthy();
        with_variable(&mut facts, "EXCLUDE_CHARACTERS", "/@\"'\\");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict.summary.contains("connection URI"),
            "{}",
            verdict.summary
        );
        assert!(verdict.fix.is_some());
    }

    #[test]
    fn exclude_punctuation_covers_everything() {
        let mut facts = healthy();
        as_mysql(&mut facts);
        with_variable(&mut facts, "EXCLUDE_CHARACTERS", "");
        with_variable(&mut facts, "EXCLUDE_PUNCTUATION", "true");
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn a_current_password_the_database_accepted_is_no_warning() {
        let mut facts = healthy();
        object_mut(&mut facts).password = Some(PasswordShape::of("abc/def@@ghijklmnop"));
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn a_current_db2_password_with_a_semicolon_cannot_log_in() {
        let mut facts = healthy();
        as_template(&mut facts, "SecretsManagerRDSDb2RotationSingleUser", "db2");
        object_mut(&mut facts).password = Some(PasswordShape::of("abc;defghijklmnop"));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict.summary.starts_with(
                "The current password has 1 semicolon (;), with which the template cannot log in"
            ),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn characters_the_engine_refuses_fail() {
        for (name, engine, exclude, refused) in [
            (
                "SecretsManagerRDSOracleRotationSingleUser",
                "oracle",
                "/@'\\",
                "\"",
            ),
            (
                "SecretsManagerRDSDb2RotationSingleUser",
                "db2",
                "/@\"'\\",
                ";",
            ),
            (
                "SecretsManagerRedshiftRotationSingleUser",
                "redshift",
                "/@\"\\:",
                "'",
            ),
        ] {
            let mut facts = healthy();
            as_template(&mut facts, name, engine);
            with_variable(&mut facts, "EXCLUDE_CHARACTERS", exclude);
            if engine == "oracle" {
                with_variable(&mut facts, "PASSWORD_LENGTH", "30");
            }
            let verdict = CHECK.verdict(&facts);
            assert_eq!(verdict.status, Status::Fail, "{name}: {verdict:?}");
            assert!(
                verdict.summary.starts_with(&format!(
                    "Generated passwords may contain {refused}, which stops rotation"
                )),
                "{}",
                verdict.summary
            );
        }
    }

    #[test]
    fn password_length_outside_the_engine_limits_fails() {
        let mut facts = healthy();
        as_template(
            &mut facts,
            "SecretsManagerRDSOracleRotationSingleUser",
            "oracle",
        );
        with_variable(&mut facts, "PASSWORD_LENGTH", "32");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .summary
                .contains("32 characters, outside the 1 to 30 Oracle takes"),
            "{verdict:?}"
        );
        let fix = verdict.fix.unwrap();
        assert!(
            fix.commands[0].contains("PASSWORD_LENGTH: $value"),
            "{fix:?}"
        );
    }

    #[test]
    fn lengths_follow_int_and_get_random_password() {
        for (value, status) in [
            ("4096", Status::Pass),
            (" 64 ", Status::Pass),
            ("1_024", Status::Pass),
            ("", Status::Fail),
            ("32.0", Status::Fail),
            ("0", Status::Fail),
            ("4097", Status::Fail),
        ] {
            let mut facts = healthy();
            with_variable(&mut facts, "PASSWORD_LENGTH", value);
            let verdict = CHECK.verdict(&facts);
            assert_eq!(verdict.status, status, "{value:?}: {verdict:?}");
            if status == Status::Fail {
                assert!(
                    verdict.summary.contains("PASSWORD_LENGTH is"),
                    "{}",
                    verdict.summary
                );
            }
        }
    }

    #[test]
    fn username_character_limit_is_read_as_the_template_reads_it() {
        let mut facts = healthy();
        as_template(
            &mut facts,
            "SecretsManagerRDSMySQLRotationMultiUser",
            "mysql",
        );
        object_mut(&mut facts).username = Some("orders".to_string());
        with_variable(&mut facts, "USERNAME_CHARACTER_LIMIT", "sixteen");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .summary
                .starts_with("USERNAME_CHARACTER_LIMIT is \"sixteen\""),
            "{}",
            verdict.summary
        );

        // Above MySQL's own 32: the database refuses the longer clone.
        with_variable(&mut facts, "USERNAME_CHARACTER_LIMIT", "64");
        object_mut(&mut facts).username = Some("orders_service_reporting_xyz".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("at most 32"),
            "{}",
            verdict.summary
        );

        // A short name still fits: only a warning about the setting.
        object_mut(&mut facts).username = Some("orders".to_string());
        assert_eq!(CHECK.verdict(&facts).status, Status::Warn);
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
