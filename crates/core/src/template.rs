//! The AWS rotation templates: which one a function runs, what secret it
//! expects, and what the database behind it accepts as a password.
//!
//! Data from the templates' `lambda_function.py`
//! (aws-samples/aws-secrets-manager-rotation-lambdas) and the RDS, DocumentDB,
//! Redshift and ElastiCache API references. The templates' code wins where the
//! docs differ.

use crate::facts::{FunctionFacts, ObjectShape};

/// A database as its rotation template sets and uses passwords: what makes
/// the template fail, with where that is documented. The RDS API's rule for
/// a *master user password* (no `/ @ "` or space) is not one of them: the
/// templates change passwords through SQL or the service's own API, and the
/// MySQL, MariaDB and PostgreSQL templates bind the password as a parameter,
/// so every printable character rotates there.
#[derive(Debug, PartialEq, Eq)]
pub struct Database {
    pub name: &'static str,
    /// Characters with which the template cannot set a new password.
    pub refuses: &'static str,
    /// Why, and the source that says so.
    pub refuses_why: &'static str,
    /// Characters that stop the template logging in with a password that
    /// holds them, the current password included.
    pub breaks_login: &'static str,
    /// The lengths the database takes on the template's path; GetRandomPassword
    /// itself takes 1 to 4,096.
    pub min_length: usize,
    pub max_length: usize,
    pub length_source: &'static str,
    /// The longest user name the server accepts, where a template's own
    /// clone limit can be set above it.
    pub user_name_limit: Option<usize>,
}

/// GetRandomPassword's `PasswordLength` bounds (Secrets Manager API reference).
pub const GENERATOR_LENGTHS: (usize, usize) = (1, 4096);

const BOUND_PARAMETER: &str = "the template passes the password to the database as a bound parameter, so no character breaks the statement";
const GENERATOR_ONLY: &str = "no limit below GetRandomPassword's 4,096";

pub const MYSQL: Database = Database {
    name: "MySQL",
    refuses: "",
    refuses_why: BOUND_PARAMETER,
    breaks_login: "",
    min_length: 1,
    max_length: 4096,
    length_source: GENERATOR_ONLY,
    // "User names can be up to 32 characters long" (MySQL 8.0 manual, 8.2.3 Grant Tables).
    user_name_limit: Some(32),
};
pub const MARIADB: Database = Database {
    name: "MariaDB",
    user_name_limit: Some(128),
    ..MYSQL
};
pub const POSTGRESQL: Database = Database {
    name: "PostgreSQL",
    user_name_limit: None,
    ..MYSQL
};
/// The template builds `ALTER USER ... IDENTIFIED BY "<password>"`: a double
/// quote ends the password ("ORA-28212: password must NOT contain a
/// double-quotation", Oracle error reference). "Passwords can be at most 30
/// bytes long" (Oracle Database Security Guide, Minimum Requirements for Passwords).
pub const ORACLE: Database = Database {
    name: "Oracle",
    refuses: "\"",
    refuses_why: "the template quotes the password in its ALTER USER statement, and Oracle passwords cannot hold a double quote (ORA-28212)",
    breaks_login: "",
    min_length: 1,
    max_length: 30,
    length_source: "Oracle passwords are at most 30 bytes (Oracle Database Security Guide)",
    user_name_limit: None,
};
/// Bound parameters; "passwords can be up to 128 characters long" and the
/// password policy SQL logins get by default asks for at least eight
/// (SQL Server docs, CREATE LOGIN and Password Policy).
pub const SQL_SERVER: Database = Database {
    name: "SQL Server",
    refuses: "",
    refuses_why: BOUND_PARAMETER,
    breaks_login: "",
    min_length: 8,
    max_length: 128,
    length_source: "SQL Server takes 8 (its default password policy) to 128 characters",
    user_name_limit: None,
};
/// The template sets the password through a bound parameter but logs in
/// with a `...;PWD=<password>;` connection string, which a `;` ends.
pub const DB2: Database = Database {
    name: "Db2",
    refuses: ";",
    refuses_why: "the template logs in with a PWD=...; connection string, which a semicolon ends",
    breaks_login: ";",
    min_length: 1,
    max_length: 4096,
    length_source: GENERATOR_ONLY,
    user_name_limit: None,
};
/// "8 to 64 characters ... any ASCII characters with ASCII codes 33–126,
/// except ' (single quote), " (double quote), \, /, or @" (Amazon Redshift
/// Database Developer Guide, CREATE USER and ALTER USER).
pub const REDSHIFT: Database = Database {
    name: "Redshift",
    refuses: "'\"\\/@ ",
    refuses_why: "Redshift passwords take ASCII 33 to 126 except ' \" \\ / and @ (Redshift CREATE USER)",
    breaks_login: "",
    min_length: 8,
    max_length: 64,
    length_source: "Redshift passwords are 8 to 64 characters (Redshift CREATE USER)",
    user_name_limit: None,
};
/// The template sets the password with the `updateUser` command and logs in
/// with the driver's username and password arguments, not a URI.
pub const DOCUMENTDB: Database = Database {
    name: "MongoDB or DocumentDB",
    refuses: "",
    refuses_why: "the template sets the password with the updateUser command and logs in with the driver's own arguments, so no character breaks either",
    ..MYSQL
};
/// "Passwords must be 16–128 printable characters. The following
/// nonalphanumeric characters are not allowed: , "" / @" (ElastiCache user
/// guide, role-based access control).
pub const ELASTICACHE: Database = Database {
    name: "ElastiCache",
    refuses: ",\"/@",
    refuses_why: "ElastiCache user passwords cannot hold , \" / or @ (ElastiCache RBAC)",
    breaks_login: "",
    min_length: 16,
    max_length: 128,
    length_source: "ElastiCache user passwords are 16 to 128 characters (ElastiCache RBAC)",
    user_name_limit: None,
};

/// Characters that delimit parts of a connection URI
/// (`scheme://user:password@host/db?options#fragment`, RFC 3986, and libpq's
/// and JDBC's URI forms): a client that pastes the password into a URI
/// without percent-encoding breaks on them. Rotation itself is not affected.
pub const URI_DELIMITERS: &str = "/@:?#%";

/// One AWS rotation template.
#[derive(Debug, PartialEq, Eq)]
pub struct Template {
    /// Its name in AWS's template repository and the Serverless Application Repository.
    pub name: &'static str,
    pub database: &'static Database,
    /// Alternating users: rotation clones the user, logging in with the master secret.
    pub multi_user: bool,
    /// `engine` values the template accepts; empty when it does not read `engine`.
    pub engines: &'static [&'static str],
    /// Db2 accepts any engine starting with `db2`.
    pub engine_is_prefix: bool,
    /// The keys `get_secret_dict` requires.
    pub required_keys: &'static [&'static str],
    /// `EXCLUDE_CHARACTERS` when the variable is not set.
    pub default_exclude: &'static str,
    /// `PASSWORD_LENGTH` when the variable is not set.
    pub default_length: usize,
    /// The longest `<username><suffix>` the multi-user template accepts.
    pub clone_limit: Option<(&'static str, usize)>,
    pub default_port: u16,
}

const DB_KEYS: &[&str] = &["engine", "host", "username", "password"];
const DB_KEYS_MULTI: &[&str] = &["engine", "host", "username", "password", "masterarn"];
const ORACLE_KEYS: &[&str] = &["engine", "host", "username", "password", "dbname"];
const ORACLE_KEYS_MULTI: &[&str] = &[
    "engine",
    "host",
    "username",
    "password",
    "dbname",
    "masterarn",
];
const DEFAULT_EXCLUDE: &str = "/@\"'\\";

/// What most templates share; each entry below says how it differs.
const BASE: Template = Template {
    name: "",
    database: &MYSQL,
    multi_user: false,
    engines: &[],
    engine_is_prefix: false,
    required_keys: DB_KEYS,
    default_exclude: DEFAULT_EXCLUDE,
    default_length: 32,
    clone_limit: None,
    default_port: 0,
};

const MYSQL_ENGINES: &[&str] = &["mysql", "aurora-mysql"];
const POSTGRES_ENGINES: &[&str] = &["postgres", "aurora-postgresql"];
const POSTGRES_EXCLUDE: &str = ":/@\"'\\";
/// `;` ends the `PWD=...;` field of the Db2 connection string.
const DB2_EXCLUDE: &str = "/@\"'\\;";
const REDSHIFT_EXCLUDE: &str = "/@\"'\\:";

/// Every template rotdoctor knows, by name.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "SecretsManagerRDSMySQLRotationSingleUser",
        engines: MYSQL_ENGINES,
        default_port: 3306,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSMySQLRotationMultiUser",
        engines: MYSQL_ENGINES,
        default_port: 3306,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        // USERNAME_CHARACTER_LIMIT overrides the 16.
        clone_limit: Some(("_clone", 16)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSMariaDBRotationSingleUser",
        database: &MARIADB,
        engines: &["mariadb"],
        default_port: 3306,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSMariaDBRotationMultiUser",
        database: &MARIADB,
        engines: &["mariadb"],
        default_port: 3306,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        clone_limit: Some(("_clone", 80)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSPostgreSQLRotationSingleUser",
        database: &POSTGRESQL,
        engines: POSTGRES_ENGINES,
        default_exclude: POSTGRES_EXCLUDE,
        default_port: 5432,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSPostgreSQLRotationMultiUser",
        database: &POSTGRESQL,
        engines: POSTGRES_ENGINES,
        default_exclude: POSTGRES_EXCLUDE,
        default_port: 5432,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        clone_limit: Some(("_clone", 63)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSOracleRotationSingleUser",
        database: &ORACLE,
        engines: &["oracle"],
        required_keys: ORACLE_KEYS,
        default_length: 30,
        default_port: 1521,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSOracleRotationMultiUser",
        database: &ORACLE,
        engines: &["oracle"],
        required_keys: ORACLE_KEYS_MULTI,
        default_length: 30,
        default_port: 1521,
        multi_user: true,
        clone_limit: Some(("_CLONE", 30)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSSQLServerRotationSingleUser",
        database: &SQL_SERVER,
        engines: &["sqlserver"],
        default_port: 1433,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSSQLServerRotationMultiUser",
        database: &SQL_SERVER,
        engines: &["sqlserver"],
        default_port: 1433,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        clone_limit: Some(("_clone", 128)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSDb2RotationSingleUser",
        database: &DB2,
        engines: &["db2"],
        engine_is_prefix: true,
        // Db2 reads `masterarn` even for a single user: the master sets the password.
        required_keys: DB_KEYS_MULTI,
        default_exclude: DB2_EXCLUDE,
        default_port: 50000,
        ..BASE
    },
    Template {
        name: "SecretsManagerRDSDb2RotationMultiUser",
        database: &DB2,
        engines: &["db2"],
        engine_is_prefix: true,
        required_keys: DB_KEYS_MULTI,
        default_exclude: DB2_EXCLUDE,
        default_port: 50000,
        multi_user: true,
        clone_limit: Some(("_clone", 16)),
        ..BASE
    },
    Template {
        name: "SecretsManagerRedshiftRotationSingleUser",
        database: &REDSHIFT,
        engines: &["redshift"],
        default_exclude: REDSHIFT_EXCLUDE,
        default_port: 5439,
        ..BASE
    },
    Template {
        name: "SecretsManagerRedshiftRotationMultiUser",
        database: &REDSHIFT,
        engines: &["redshift"],
        default_exclude: REDSHIFT_EXCLUDE,
        default_port: 5439,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        ..BASE
    },
    Template {
        name: "SecretsManagerMongoDBRotationSingleUser",
        database: &DOCUMENTDB,
        engines: &["mongo"],
        default_port: 27017,
        ..BASE
    },
    Template {
        name: "SecretsManagerMongoDBRotationMultiUser",
        database: &DOCUMENTDB,
        engines: &["mongo"],
        default_port: 27017,
        multi_user: true,
        required_keys: DB_KEYS_MULTI,
        ..BASE
    },
    Template {
        name: "SecretsManagerElasticacheUserRotation",
        database: &ELASTICACHE,
        required_keys: &["user_arn", "username"],
        default_length: 20,
        default_port: 6379,
        ..BASE
    },
];

/// Templates rotdoctor recognises but does not check the secret of.
const UNCHECKED: &[&str] = &[
    "SecretsManagerRotationTemplate",
    "SecretsManagerInfluxDBRotationSingleUser",
    "SecretsManagerInfluxDBRotationMultiUser",
    "SecretsManagerActiveDirectoryRotationSingleUser",
    "SecretsManagerActiveDirectoryAndKeytabRotationSingleUser",
];

impl Template {
    pub fn accepts_engine(&self, engine: &str) -> bool {
        self.engines.iter().any(|accepted| {
            if self.engine_is_prefix {
                engine.starts_with(accepted)
            } else {
                engine == *accepted
            }
        })
    }

    fn by_name(name: &str) -> Option<&'static Template> {
        TEMPLATES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// Which template a function runs, and how rotdoctor knows.
#[derive(Debug, PartialEq, Eq)]
pub enum Identified {
    /// Named by the function's tags or name.
    Named {
        template: &'static Template,
        how: String,
    },
    /// Nothing on the function names it: guessed from the secret's `engine`.
    Inferred {
        template: &'static Template,
        how: String,
    },
    /// An AWS template whose secret rotdoctor does not check.
    Unchecked { name: String, how: String },
    /// A function of the user's own: it defines its own secret format.
    Unknown,
}

impl Identified {
    pub fn template(&self) -> Option<&'static Template> {
        match self {
            Identified::Named { template, .. } | Identified::Inferred { template, .. } => {
                Some(template)
            }
            _ => None,
        }
    }

    /// One line of evidence saying which template and how rotdoctor knows,
    /// with the call it rests on: the function's tags and name, or the secret.
    pub fn evidence(&self) -> (&'static str, String) {
        let source = match self {
            Identified::Inferred { .. } | Identified::Unknown => "secretsmanager:GetSecretValue",
            _ => "lambda:GetFunction",
        };
        (source, self.describe())
    }

    fn describe(&self) -> String {
        match self {
            Identified::Named { template, how } => {
                format!("the function runs {} ({how})", template.name)
            }
            Identified::Inferred { template, how } => {
                format!(
                    "the function is taken to run {} (inferred {how}: nothing on the function names its template)",
                    template.name
                )
            }
            Identified::Unchecked { name, how } => format!("the function runs {name} ({how})"),
            Identified::Unknown => {
                "nothing on the function or in the secret names a rotation template".to_string()
            }
        }
    }
}

/// When the templates learnt to use TLS. AWS's troubleshooting guide: "If
/// you set up automatic secret rotation before December 20, 2021, your
/// rotation function might be based on an earlier template that did not
/// support SSL/TLS" (the repository's commits "Add SSL rotation support for
/// MySQL/MariaDB", "... PostgreSQL", of 2021-12-21).
pub const TLS_SINCE: &str = "2021-12-20";

/// When the PostgreSQL templates' libpq learnt SCRAM. The same guide: "If
/// you set up automatic secret rotation before December 30, 2021, your
/// rotation function bundled an earlier version of libpq that doesn't
/// support scram-sha-256."
pub const SCRAM_SINCE: &str = "2021-12-30";

/// Template bugs fixed upstream that a function deployed before the fix
/// still has: the template, the date of the fix, and what fails.
pub const FIXED_SINCE: &[(&str, &str, &str)] = &[(
    "SecretsManagerRDSDb2RotationSingleUser",
    "2024-07-11",
    "its first testSecret fails: Db2 changes the password asynchronously, and the template's code before this date does not wait for it",
)];

/// Whether the function's code is older than `date` (`YYYY-MM-DD`): its
/// `LastModified` is, and code never changes without it. `None` when Lambda
/// gave no date.
pub fn code_predates(function: &FunctionFacts, date: &str) -> Option<bool> {
    let modified = function.last_modified.as_deref()?;
    Some(modified.get(..10).unwrap_or(modified) < date)
}

/// How to put the current template's code into this function, by how its
/// tags say it was deployed.
pub fn redeploy_advice(function: &FunctionFacts) -> String {
    let tags = &function.template_tags;
    if let Some(stack) = tags.get("aws:cloudformation:stack-name") {
        let version = tags
            .get("serverlessrepo:semanticVersion")
            .map(|v| format!(" (deployed at version {v})"))
            .unwrap_or_default();
        return format!(
            "Redeploy the current template through the stack {stack} that made the function{version}: a stack with HostedRotationLambda updates with the AWS::SecretsManager-2024-09-16 transform, a Serverless Application Repository application by raising its SemanticVersion."
        );
    }
    if let Some(application) = tags.get("serverlessrepo:applicationId") {
        return format!(
            "Deploy the current version of {application} from the Serverless Application Repository and point the secret's rotation at the new function."
        );
    }
    "Deploy a new function from the current template (the console's \"Create a new Lambda function\" or the Serverless Application Repository) and point the secret's rotation at it.".to_string()
}

/// Identifies the template from the function's Serverless Application
/// Repository tag, then its name, then the secret's `engine` and keys.
pub fn identify(function: Option<&FunctionFacts>, secret: Option<&ObjectShape>) -> Identified {
    let named = |name: &str, how: String| match Template::by_name(name) {
        Some(template) => Some(Identified::Named { template, how }),
        None => UNCHECKED
            .iter()
            .find(|unchecked| unchecked.eq_ignore_ascii_case(name))
            .map(|name| Identified::Unchecked {
                name: name.to_string(),
                how,
            }),
    };
    if let Some(function) = function {
        if let Some(application) = function.template_tags.get("serverlessrepo:applicationId") {
            let name = application.rsplit('/').next().unwrap_or(application);
            if let Some(found) = named(
                name,
                format!("its serverlessrepo:applicationId tag is {application}"),
            ) {
                return found;
            }
        }
        let lowercase = function.name.to_ascii_lowercase();
        // Longest first: "...MultiUser" must not be taken for a shorter name it contains.
        let mut names = TEMPLATES
            .iter()
            .map(|t| t.name)
            .chain(UNCHECKED.iter().copied())
            .collect::<Vec<_>>();
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        if let Some(name) = names
            .iter()
            .find(|name| lowercase.contains(&name.to_ascii_lowercase()))
            && let Some(found) = named(name, format!("its name {} contains it", function.name))
        {
            return found;
        }
    }
    infer_from_secret(secret)
}

fn infer_from_secret(secret: Option<&ObjectShape>) -> Identified {
    let Some(secret) = secret else {
        return Identified::Unknown;
    };
    if secret.keys.contains_key("user_arn")
        && let Some(template) = Template::by_name("SecretsManagerElasticacheUserRotation")
    {
        return Identified::Inferred {
            template,
            how: "from the secret's user_arn key".to_string(),
        };
    }
    let Some(engine) = secret.engine.as_deref() else {
        return Identified::Unknown;
    };
    let multi_user = secret.keys.contains_key("masterarn");
    let candidates = TEMPLATES
        .iter()
        .filter(|t| t.accepts_engine(engine))
        .collect::<Vec<_>>();
    let template = candidates
        .iter()
        .find(|t| t.multi_user == multi_user)
        .or_else(|| candidates.first());
    match template {
        Some(template) => Identified::Inferred {
            template,
            how: format!(
                "from the secret's engine {engine}{}",
                if multi_user {
                    " and its masterarn key"
                } else {
                    ""
                }
            ),
        },
        None => Identified::Unknown,
    }
}

/// What Python's `int()` makes of a string, as the templates read
/// `PASSWORD_LENGTH`, `USERNAME_CHARACTER_LIMIT` and a string `port`: white
/// space around, a sign, and single `_` between digits are allowed, nothing
/// else (`int("32.0")` and `int("")` raise ValueError).
pub fn python_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !well_formed {
        return None;
    }
    let value = digits.replace('_', "").parse::<i64>().ok()?;
    Some(if text.starts_with('-') { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str, tags: &[(&str, &str)]) -> FunctionFacts {
        FunctionFacts {
            arn: format!("arn:aws:lambda:us-east-1:111122223333:function:{name}"),
            name: name.to_string(),
            template_tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..FunctionFacts::default()
        }
    }

    fn secret(engine: &str, keys: &[&str]) -> ObjectShape {
        ObjectShape {
            keys: keys
                .iter()
                .map(|k| (k.to_string(), crate::facts::JsonType::String))
                .collect(),
            engine: Some(engine.to_string()),
            ..ObjectShape::default()
        }
    }

    #[test]
    fn the_repository_tag_names_the_template() {
        let f = function(
            "SecretsManagerorders",
            &[(
                "serverlessrepo:applicationId",
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser",
            )],
        );
        let found = identify(Some(&f), None);
        assert_eq!(
            found.template().unwrap().name,
            "SecretsManagerRDSPostgreSQLRotationMultiUser"
        );
        assert!(found.evidence().1.contains("serverlessrepo:applicationId"));
    }

    #[test]
    fn the_name_names_the_template_longest_first() {
        let f = function("prod-SecretsManagerRDSMySQLRotationMultiUser-x1", &[]);
        assert_eq!(
            identify(Some(&f), None).template().unwrap().name,
            "SecretsManagerRDSMySQLRotationMultiUser"
        );
    }

    #[test]
    fn otherwise_the_engine_decides_and_says_so() {
        let f = function("SecretsManagerorders", &[]);
        let found = identify(
            Some(&f),
            Some(&secret("aurora-postgresql", &["engine", "masterarn"])),
        );
        assert_eq!(
            found.template().unwrap().name,
            "SecretsManagerRDSPostgreSQLRotationMultiUser"
        );
        assert!(matches!(found, Identified::Inferred { .. }));
        assert!(
            found
                .evidence()
                .1
                .contains("inferred from the secret's engine aurora-postgresql")
        );
        let db2 = identify(None, Some(&secret("db2-se", &[])));
        assert_eq!(
            db2.template().unwrap().name,
            "SecretsManagerRDSDb2RotationSingleUser"
        );
        assert_eq!(
            identify(None, Some(&secret("cassandra", &[]))),
            Identified::Unknown
        );
    }

    #[test]
    fn unchecked_templates_are_recognised() {
        let f = function(
            "x",
            &[(
                "serverlessrepo:applicationId",
                "arn:aws:serverlessrepo:::applications/SecretsManagerRotationTemplate",
            )],
        );
        assert!(matches!(
            identify(Some(&f), None),
            Identified::Unchecked { .. }
        ));
    }

    #[test]
    fn int_reads_as_python_does() {
        assert_eq!(python_int(" 32 "), Some(32));
        assert_eq!(python_int("+1_024"), Some(1024));
        assert_eq!(python_int("-5"), Some(-5));
        for bad in ["", "32.0", "3__2", "_3", "abc", "0x20"] {
            assert_eq!(python_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn template_defaults_exclude_what_their_database_rejects() {
        // A known gap, reported by password-charset: ElastiCache's comma.
        for template in TEMPLATES {
            let gaps = template
                .database
                .refuses
                .chars()
                .filter(|c| *c != ' ' && !template.default_exclude.contains(*c))
                .collect::<String>();
            let expected = match template.database.name {
                "ElastiCache" => ",",
                _ => "",
            };
            assert_eq!(gaps, expected, "{}", template.name);
        }
    }
}
