//! The checks: one module per documented rotation failure mode.
//!
//! A check is a pure function from [`Facts`] to a [`Verdict`]: no I/O, no
//! clock (`facts.collected_at` is "now"). It returns `Err` for a verdict
//! reached before its own question: a fact it needs could not be looked up
//! (`error`), or another check already reports the root cause (`skip`, naming
//! that check), so that one cause shows up as one failure, not a cascade.

// Each check's docs page is also the text `rotdoctor explain` prints, where
// a bare URL reads best.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

use crate::facts::Facts;
use crate::finding::{Cause, Finding, Status, Verdict};

mod access;
pub mod premise;
// What each fact costs in read-only actions, shared with gathering.
pub use crate::reads;

pub use cloudtrail_denials::refusals_worth_looking_up;
pub use rotation_history::last_failed_step;

mod cloudtrail_denials;
mod cross_account;
mod database_api_calls;
mod database_login_rules;
mod database_proxy;
mod database_reachability;
mod database_writable;
mod endpoint_policy;
mod endpoint_reachability;
mod function_logs;
mod function_permissions;
mod function_settings;
mod invoke_permission;
mod kms_access;
mod master_secret_access;
mod master_secret_host;
mod password_charset;
mod pending_version;
mod rds_api_reachability;
mod rotation_config;
mod rotation_history;
mod rotation_schedule;
mod secret_schema;

/// What a check concludes, `Err` being a verdict reached on a premise.
pub type Outcome = Result<Verdict, Verdict>;

/// One failure mode: its stable slug, the requirement it verifies, and how.
pub struct CheckDef {
    /// Public contract: scripts and CI gates select and match on it.
    pub slug: &'static str,
    /// The requirement, in the present tense.
    pub title: &'static str,
    /// What must hold, in full: the README's check table.
    pub holds: &'static str,
    /// What it checks, what it reads, what it concludes and how to fix it:
    /// `docs/checks/<slug>.md`, also the module's documentation.
    pub explanation: &'static str,
    /// The read-only IAM actions rotdoctor needs for this check, as the
    /// groups of [`reads`] behind the facts it stands on.
    pub reads: &'static [&'static [&'static str]],
    pub run: fn(&Facts) -> Outcome,
}

impl CheckDef {
    /// The check's verdict on one secret's facts, reached on a premise or not.
    pub fn verdict(&self, facts: &Facts) -> Verdict {
        (self.run)(facts).unwrap_or_else(|premise| premise)
    }

    /// Every action this check reads with, each once.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut actions = self
            .reads
            .iter()
            .flat_map(|group| group.iter().copied())
            .collect::<Vec<_>>();
        actions.dedup();
        actions
    }
}

/// The checks to run: all but `skip`, or only `only`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    pub fn includes(&self, check: &CheckDef) -> bool {
        let named = |list: &[String]| list.iter().any(|slug| slug == check.slug);
        (self.only.is_empty() || named(&self.only)) && !named(&self.skip)
    }

    pub fn checks(&self) -> impl Iterator<Item = &'static CheckDef> + '_ {
        CHECKS.iter().copied().filter(|check| self.includes(check))
    }
}

/// Every check's slug, for the command line to validate against.
pub fn slugs() -> Vec<&'static str> {
    CHECKS.iter().map(|c| c.slug).collect()
}

/// The read-only IAM actions the selected checks need, and the listing
/// `check --all` starts from, sorted, each once.
pub fn permissions(selection: &Selection) -> Vec<&'static str> {
    let mut actions = selection
        .checks()
        .flat_map(|c| c.actions())
        .chain(reads::FLEET.iter().copied())
        .collect::<Vec<_>>();
    if actions.contains(&crate::actions::secretsmanager::GET_SECRET_VALUE) {
        actions.extend(reads::FLEET_VALUES);
    }
    actions.sort();
    actions.dedup();
    actions
}

/// Check slugs that were renamed, old first: the old slug still selects the
/// check in `--only`, `--skip` and suppression files, with a warning. A
/// slug is a public contract; none has been renamed yet.
pub const RENAMED: &[(&str, &str)] = &[];

/// The check a slug names, and the old slug it was given under, if any.
pub fn resolve_slug(slug: &str) -> Option<(&'static str, Option<&'static str>)> {
    resolve_in(RENAMED, slug)
}

fn resolve_in(
    renamed: &[(&'static str, &'static str)],
    slug: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    if let Some(check) = CHECKS.iter().find(|c| c.slug == slug) {
        return Some((check.slug, None));
    }
    renamed
        .iter()
        .find(|(old, _)| *old == slug)
        .map(|(old, new)| (*new, Some(*old)))
}

/// The README's check table, rendered from the registry.
pub fn markdown_table() -> String {
    let mut table = "| check | what must hold | reads |\n|---|---|---|\n".to_string();
    for check in CHECKS {
        let reads = check
            .actions()
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        table.push_str(&format!(
            "| `{}` | {} | {reads} |\n",
            check.slug, check.holds
        ));
    }
    table
}

/// Every check, in report order. The order is part of the output contract.
pub const CHECKS: &[&CheckDef] = &[
    &rotation_config::CHECK,
    &cross_account::CHECK,
    &function_settings::CHECK,
    &invoke_permission::CHECK,
    &function_permissions::CHECK,
    &kms_access::CHECK,
    &master_secret_access::CHECK,
    &master_secret_host::CHECK,
    &secret_schema::CHECK,
    &password_charset::CHECK,
    &endpoint_reachability::CHECK,
    &endpoint_policy::CHECK,
    &rds_api_reachability::CHECK,
    &database_reachability::CHECK,
    &database_writable::CHECK,
    &database_proxy::CHECK,
    &database_login_rules::CHECK,
    &pending_version::CHECK,
    &rotation_schedule::CHECK,
    &rotation_history::CHECK,
    &cloudtrail_denials::CHECK,
    &function_logs::CHECK,
];

/// Runs every check on one secret's facts.
pub fn run_all(facts: &Facts) -> Vec<Finding> {
    run_selected(facts, &Selection::default())
}

/// Runs the selected checks on one secret's facts, in report order, and
/// links each consequence to its cause.
pub fn run_selected(facts: &Facts, selection: &Selection) -> Vec<Finding> {
    let mut pointers = Vec::new();
    let mut findings = selection
        .checks()
        .map(|check| {
            let verdict = check.verdict(facts);
            pointers.push(verdict.points_to);
            Finding {
                check: check.slug,
                status: verdict.status,
                title: check.title,
                summary: verdict.summary,
                evidence: verdict.evidence,
                fix: verdict.fix,
                suppressed: None,
                caused_by: None,
            }
        })
        .collect::<Vec<_>>();
    link_causes(&mut findings, &pointers);
    findings
}

/// Checks that see what rotation did (its history, its log, the versions it
/// left) rather than why: their problems follow from another check's.
pub const CONSEQUENCES: [&str; 5] = [
    "pending-version",
    "rotation-schedule",
    "rotation-history",
    "cloudtrail-denials",
    "function-logs",
];

/// Gives each problem a consequence check found the check it follows from:
/// the one its evidence points to when that check found a problem too,
/// else the first failing check that is not a consequence. A consequence
/// with no such cause stays a root cause of its own.
fn link_causes(findings: &mut [Finding], pointers: &[Option<Cause>]) {
    let is_cause = |f: &Finding| f.is_problem() && !CONSEQUENCES.contains(&f.check);
    let first_root = findings
        .iter()
        .find(|f| f.status == Status::Fail && !CONSEQUENCES.contains(&f.check))
        .map(|f| f.check);
    let causes = findings
        .iter()
        .filter(|f| is_cause(f))
        .map(|f| f.check)
        .collect::<Vec<_>>();
    for (finding, pointer) in findings.iter_mut().zip(pointers) {
        // An error is rotdoctor's own: it follows from no other check.
        let found_a_problem = matches!(finding.status, Status::Fail | Status::Warn);
        if !found_a_problem || !CONSEQUENCES.contains(&finding.check) {
            continue;
        }
        finding.caused_by = match pointer {
            Some(Cause::OutsideEveryCheck) => None,
            Some(Cause::Check(check)) if causes.contains(check) => Some(*check),
            _ => first_root,
        };
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Facts for unit tests: a healthy rotating secret, to be broken one field at a time.

    use std::collections::BTreeMap;

    use crate::facts::*;

    pub const SECRET_ARN: &str =
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
    pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:111122223333:function:rotate-prod-db";
    pub const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/rotate-prod-db";
    pub const KEY_ARN: &str =
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    pub const MASTER_ARN: &str =
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-master-Zx9Yw8";

    pub fn healthy() -> Facts {
        Facts {
            secret_id: "prod/db".to_string(),
            collected_at: "2026-11-25T12:00:00Z".parse().unwrap(),
            secret: Fact::Found(SecretFacts {
                arn: SECRET_ARN.to_string(),
                name: "prod/db".to_string(),
                kms_key_id: None,
                rotation_enabled: true,
                rotation_lambda_arn: Some(FUNCTION_ARN.to_string()),
                rotation_rules: Some(RotationRules {
                    automatically_after_days: Some(30),
                    schedule_expression: None,
                    duration: None,
                }),
                owning_service: None,
                created: Some("2026-01-10T09:00:00Z".parse().unwrap()),
                last_changed: Some("2026-11-01T03:12:00Z".parse().unwrap()),
                last_rotated: Some("2026-11-01T03:12:00Z".parse().unwrap()),
                next_rotation: Some("2026-12-01T23:59:59Z".parse().unwrap()),
                deleted: None,
                versions: vec![
                    SecretVersion {
                        id: "v-current".to_string(),
                        stages: vec!["AWSCURRENT".to_string(), "AWSPENDING".to_string()],
                    },
                    SecretVersion {
                        id: "v-previous".to_string(),
                        stages: vec!["AWSPREVIOUS".to_string()],
                    },
                ],
                rds_database_arn: None,
                tags: Default::default(),
                primary_region: None,
            }),
            secret_value: Fact::Found(SecretShape::Object(ObjectShape {
                keys: ["engine", "host", "port", "username", "password", "dbname"]
                    .iter()
                    .map(|key| (key.to_string(), if *key == "port" { JsonType::Number } else { JsonType::String }))
                    .collect(),
                engine: Some("postgres".to_string()),
                host: Some("prod-db.cluster-abc.us-east-1.rds.amazonaws.com".to_string()),
                port: Some("5432".to_string()),
                dbname: Some("orders".to_string()),
                masterarn: None,
                username: Some("orders_app".to_string()),
                user_arn: None,
                ssl: None,
                password: Some(PasswordShape::of("Xy7kQ2mN9pL4vR8tW3zB6cD1fG5hJ0sA")),
            })),
            rotation_function: Fact::Found(FunctionFacts {
                arn: FUNCTION_ARN.to_string(),
                name: "rotate-prod-db".to_string(),
                role: Some(ROLE_ARN.to_string()),
                runtime: Some("python3.12".to_string()),
                timeout: Some(30),
                reserved_concurrency: None,
                state: Some("Active".to_string()),
                state_reason: None,
                last_update_status: Some("Successful".to_string()),
                last_update_status_reason: None,
                environment: BTreeMap::from([(
                    "SECRETS_MANAGER_ENDPOINT".to_string(),
                    "https://secretsmanager.us-east-1.amazonaws.com".to_string(),
                )]),
                other_environment_names: Vec::new(),
                template_tags: BTreeMap::from([(
                    "serverlessrepo:applicationId".to_string(),
                    "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser".to_string(),
                )]),
                vpc: None,
                last_modified: Some("2025-06-02T10:00:00.000+0000".to_string()),
                description: None,
                log_group: None,
            }),
            function_policy: Fact::Found(PolicyDocument(serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "SecretsManagerAccess",
                    "Effect": "Allow",
                    "Principal": {"Service": "secretsmanager.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                    "Resource": FUNCTION_ARN,
                    "Condition": {"StringEquals": {"AWS:SourceAccount": "111122223333"}}
                }]
            }))),
            // The policy the Secrets Manager documentation gives for a rotation role.
            rotation_role: Fact::Found(RoleFacts {
                arn: ROLE_ARN.to_string(),
                name: "rotate-prod-db".to_string(),
                policies: vec![NamedPolicy {
                    name: "inline policy rotation".to_string(),
                    arn: None,
                    document: serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Sid": "RotationAccess", "Effect": "Allow", "Action": [
                                "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                                "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
                             "Resource": SECRET_ARN},
                            {"Sid": "Passwords", "Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"}
                        ]
                    }),
                }],
                permissions_boundary: None,
                tags: Default::default(),
            }),
            secret_policy: Fact::Absent,
            secret_key: Fact::NotCollected,
            master_secret: Fact::NotCollected,
            network: Fact::NotCollected,
            database: Fact::Found(DatabaseFacts {
                vpc_id: Some("vpc-0db".to_string()),
                subnet_ids: vec!["subnet-db-a".to_string()],
                security_group_ids: vec!["sg-db".to_string()],
                publicly_accessible: true,
                port: Some(5432),
                parameter_group: Some(ParameterGroup {
                    name: "prod-db-params".to_string(),
                    cluster: true,
                }),
                ..DatabaseFacts::new(
                    "prod-db.cluster-abc.us-east-1.rds.amazonaws.com",
                    DatabaseKind::Cluster,
                    "prod-db",
                )
            }),
            database_parameters: Fact::Found(DatabaseParameters {
                group: ParameterGroup {
                    name: "prod-db-params".to_string(),
                    cluster: true,
                },
                values: BTreeMap::from([
                    ("rds.force_ssl".to_string(), "1".to_string()),
                    ("password_encryption".to_string(), "scram-sha-256".to_string()),
                ]),
            }),
            lookback_start: Some("2026-11-18T12:00:00Z".parse().unwrap()),
            rotation_events: Fact::Found(vec![TrailEvent {
                time: "2026-11-01T03:12:00Z".parse().unwrap(),
                name: "RotationSucceeded".to_string(),
                source: "secretsmanager.amazonaws.com".to_string(),
                error_code: None,
                error_message: None,
                resource: Some(SECRET_ARN.to_string()),
                caller: Some("secretsmanager.amazonaws.com".to_string()),
            }]),
            denied_calls: Fact::Found(Vec::new()),
            function_log: Fact::Found(FunctionLog {
                group: "/aws/lambda/rotate-prod-db".to_string(),
                events: Vec::new(),
                truncated: false,
                not_read_before: None,
            }),
            construct_paths: BTreeMap::new(),
        }
    }

    /// `healthy()` with its function and database in one private VPC whose
    /// subnets route out through a NAT gateway, all traffic allowed.
    pub fn in_vpc() -> Facts {
        let mut facts = healthy();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.vpc = Some(VpcAttachment {
                subnet_ids: vec!["subnet-fn-a".to_string()],
                security_group_ids: vec!["sg-fn".to_string()],
            });
        }
        // A function in a VPC has AWSLambdaVPCAccessExecutionRole's grant.
        if let Fact::Found(role) = &mut facts.rotation_role {
            role.policies.push(NamedPolicy {
                name: "managed policy AWSLambdaVPCAccessExecutionRole".to_string(),
                arn: Some("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole".to_string()),
                document: serde_json::json!({"Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]}]}),
            });
        }
        if let Fact::Found(database) = &mut facts.database {
            database.vpc_id = Some("vpc-01".to_string());
            database.publicly_accessible = false;
        }
        let open_acl = vec![
            AclEntry {
                rule_number: 100,
                egress: true,
                protocol: "-1".into(),
                allow: true,
                cidr: "0.0.0.0/0".into(),
                ports: None,
            },
            AclEntry {
                rule_number: 100,
                egress: false,
                protocol: "-1".into(),
                allow: true,
                cidr: "0.0.0.0/0".into(),
                ports: None,
            },
        ];
        let subnet = |id: &str, cidr: &str| Subnet {
            id: id.to_string(),
            vpc_id: "vpc-01".to_string(),
            cidr: cidr.to_string(),
            route_table_id: "rtb-private".to_string(),
            routes: vec![
                Route {
                    destination: "10.0.0.0/16".into(),
                    target: "local".into(),
                    state: "active".into(),
                },
                Route {
                    destination: "0.0.0.0/0".into(),
                    target: "nat-01".into(),
                    state: "active".into(),
                },
            ],
            network_acl_id: "acl-01".to_string(),
            acl_entries: open_acl.clone(),
            network_acl_tags: Default::default(),
        };
        let all_out = SecurityGroupRule {
            protocol: "-1".into(),
            ports: None,
            cidrs: vec!["0.0.0.0/0".into()],
            groups: vec![],
        };
        facts.network = Fact::Found(NetworkFacts {
            vpc_id: "vpc-01".to_string(),
            vpc_cidrs: vec!["10.0.0.0/16".to_string()],
            dns_support: true,
            dns_hostnames: true,
            subnets: vec![
                subnet("subnet-fn-a", "10.0.1.0/24"),
                subnet("subnet-db-a", "10.0.2.0/24"),
            ],
            nat_gateways: vec![NatGateway {
                id: "nat-01".into(),
                state: "available".into(),
                subnet_id: "subnet-public".into(),
            }],
            endpoints: vec![],
            security_groups: vec![
                SecurityGroup {
                    id: "sg-fn".into(),
                    name: "rotation".into(),
                    ingress: vec![],
                    egress: vec![all_out.clone()],
                    tags: Default::default(),
                },
                SecurityGroup {
                    id: "sg-db".into(),
                    name: "database".into(),
                    ingress: vec![SecurityGroupRule {
                        protocol: "tcp".into(),
                        ports: Some((5432, 5432)),
                        cidrs: vec![],
                        groups: vec!["sg-fn".into()],
                    }],
                    egress: vec![all_out],
                    tags: Default::default(),
                },
            ],
            vpc_tags: Default::default(),
        });
        facts
    }

    /// `healthy()` rotated by the multi-user template, its role not yet
    /// allowed to read the master secret.
    pub fn multi_user() -> Facts {
        let mut facts = healthy();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.template_tags.insert(
                "serverlessrepo:applicationId".to_string(),
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser"
                    .to_string(),
            );
        }
        if let Fact::Found(SecretShape::Object(object)) = &mut facts.secret_value {
            object
                .keys
                .insert("masterarn".to_string(), JsonType::String);
            object.masterarn = Some(MASTER_ARN.to_string());
        }
        let mut master = match &facts.secret {
            Fact::Found(secret) => secret.clone(),
            _ => unreachable!(),
        };
        master.arn = MASTER_ARN.to_string();
        master.name = "prod/db-master".to_string();
        master.rotation_enabled = false;
        master.rotation_lambda_arn = None;
        // The master's credentials are for the secret's own database.
        let master_value = match &facts.secret_value {
            Fact::Found(SecretShape::Object(object)) => {
                let mut admin = object.clone();
                admin.username = None;
                admin.password = None;
                admin.masterarn = None;
                admin.keys.remove("masterarn");
                Fact::Found(SecretShape::Object(admin))
            }
            _ => unreachable!("healthy() has a JSON value"),
        };
        facts.master_secret = Fact::Found(MasterSecretFacts {
            masterarn: MASTER_ARN.to_string(),
            secret: Fact::Found(master),
            policy: Fact::Absent,
            key: Fact::NotCollected,
            value: master_value,
            database: Fact::NotCollected,
        });
        facts
    }

    /// Makes `multi_user()`'s master secret one RDS manages: its value keeps
    /// only the credentials, and its tag names `database_arn`.
    pub fn master_managed_by_rds(facts: &mut Facts, database_arn: &str) {
        if let Fact::Found(master) = &mut facts.master_secret {
            if let Fact::Found(SecretShape::Object(value)) = &mut master.value {
                value.host = None;
                value
                    .keys
                    .retain(|key, _| key == "username" || key == "password");
            }
            if let Fact::Found(secret) = &mut master.secret {
                secret.rds_database_arn = Some(database_arn.to_string());
            }
        }
    }

    pub fn secret_mut(facts: &mut Facts) -> &mut SecretFacts {
        match &mut facts.secret {
            Fact::Found(secret) => secret,
            _ => unreachable!("healthy() has a secret"),
        }
    }

    pub fn function_mut(facts: &mut Facts) -> &mut FunctionFacts {
        match &mut facts.rotation_function {
            Fact::Found(function) => function,
            _ => unreachable!("the test facts have a function"),
        }
    }

    pub fn object_mut(facts: &mut Facts) -> &mut ObjectShape {
        match &mut facts.secret_value {
            Fact::Found(SecretShape::Object(object)) => object,
            _ => unreachable!("the test facts have an object secret"),
        }
    }

    pub fn network_mut(facts: &mut Facts) -> &mut NetworkFacts {
        match &mut facts.network {
            Fact::Found(network) => network,
            _ => unreachable!("in_vpc() has a network"),
        }
    }

    pub fn denied<T>(action: &str) -> Fact<T> {
        Fact::Unavailable(LookupError {
            action: action.to_string(),
            code: "AccessDeniedException".to_string(),
            message: "User: arn:aws:iam::111122223333:user/ci is not authorized".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stranded AWSPENDING and a failing log follow from the closed
    /// security group the log names; with no failing cause, a consequence
    /// stands alone, and an error is never anyone's consequence.
    #[test]
    fn consequences_name_the_cause_they_follow_from() {
        let finding = |check: &'static str, status| Finding {
            check,
            status,
            title: "",
            summary: String::new(),
            evidence: Vec::new(),
            fix: None,
            suppressed: None,
            caused_by: None,
        };
        let mut findings = vec![
            finding("secret-schema", Status::Warn),
            finding("database-reachability", Status::Fail),
            finding("pending-version", Status::Fail),
            finding("rotation-history", Status::Error),
            finding("function-logs", Status::Fail),
        ];
        let pointers = [
            None,
            None,
            None,
            None,
            Some(Cause::Check("database-reachability")),
        ];
        link_causes(&mut findings, &pointers);
        let causes = findings.iter().map(|f| f.caused_by).collect::<Vec<_>>();
        assert_eq!(
            causes,
            [
                None,
                None,
                Some("database-reachability"),
                None,
                Some("database-reachability")
            ]
        );
        let mut alone = vec![finding("pending-version", Status::Fail)];
        link_causes(&mut alone, &[None]);
        assert_eq!(alone[0].caused_by, None);
    }

    /// The README's table is the registry's: a check added, renamed or
    /// reading something new shows there, or this fails (and
    /// ROTDOCTOR_REGENERATE=1 rewrites it).
    #[test]
    fn readme_check_table_is_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let begin = readme.find("<!-- checks:").unwrap();
        let body = begin + readme[begin..].find("-->\n").unwrap() + 4;
        let end = readme.find("<!-- checks: end -->").unwrap();
        let generated = markdown_table();
        if readme[body..end] != generated {
            if std::env::var_os("ROTDOCTOR_REGENERATE").is_some() {
                let rewritten = format!("{}{generated}{}", &readme[..body], &readme[end..]);
                std::fs::write(path, rewritten).unwrap();
            } else {
                panic!(
                    "the README's check table is stale: run ROTDOCTOR_REGENERATE=1 cargo test -p rotdoctor-core readme"
                );
            }
        }
    }

    /// Each check's page ends with the read-only actions it needs, as the
    /// registry says (ROTDOCTOR_REGENERATE=1 rewrites a stale line).
    #[test]
    fn docs_pages_name_the_actions_the_registry_declares() {
        let mut stale = Vec::new();
        for check in CHECKS {
            let path = format!(
                "{}/../../docs/checks/{}.md",
                env!("CARGO_MANIFEST_DIR"),
                check.slug
            );
            let page = std::fs::read_to_string(&path).unwrap();
            let needs = format!(
                "Needs: {}.",
                check
                    .actions()
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let body = page
                .trim_end()
                .rsplit_once('\n')
                .filter(|(_, last)| last.starts_with("Needs: "))
                .map_or(page.trim_end(), |(body, _)| body);
            let expected = format!("{body}\n{needs}\n");
            if page != expected {
                if std::env::var_os("ROTDOCTOR_REGENERATE").is_some() {
                    std::fs::write(&path, &expected).unwrap();
                } else {
                    stale.push(check.slug);
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale Needs: lines in docs/checks for {stale:?}: run ROTDOCTOR_REGENERATE=1 cargo test -p rotdoctor-core docs_pages"
        );
    }

    #[test]
    fn a_renamed_slug_still_selects_its_check() {
        let renamed = [("stranded-pending", "pending-version")];
        assert_eq!(
            resolve_in(&renamed, "stranded-pending"),
            Some(("pending-version", Some("stranded-pending")))
        );
        assert_eq!(
            resolve_in(&renamed, "pending-version"),
            Some(("pending-version", None))
        );
        assert_eq!(resolve_in(&renamed, "no-such-check"), None);
        for (old, new) in RENAMED {
            assert!(CHECKS.iter().any(|c| c.slug == *new), "{old} -> {new}");
        }
    }

    #[test]
    fn slugs_are_unique_kebab_case_and_from_the_published_list() {
        const PUBLISHED: &[&str] = &[
            "rotation-config",
            "cross-account",
            "function-settings",
            "invoke-permission",
            "function-permissions",
            "kms-access",
            "master-secret-access",
            "master-secret-host",
            "secret-schema",
            "password-charset",
            "endpoint-reachability",
            "endpoint-policy",
            "rds-api-reachability",
            "database-reachability",
            "database-writable",
            "database-proxy",
            "database-login-rules",
            "pending-version",
            "rotation-schedule",
            "rotation-history",
            "cloudtrail-denials",
            "function-logs",
        ];
        let slugs = CHECKS.iter().map(|c| c.slug).collect::<Vec<_>>();
        let positions = slugs
            .iter()
            .map(|slug| {
                PUBLISHED
                    .iter()
                    .position(|p| p == slug)
                    .unwrap_or_else(|| panic!("{slug} is not published"))
            })
            .collect::<Vec<_>>();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "checks run in the published order"
        );
        // A published slug is a contract: one that is no longer a check's
        // must keep working through RENAMED.
        for published in PUBLISHED {
            assert!(
                resolve_slug(published).is_some(),
                "{published} was published: add it to RENAMED"
            );
        }
    }

    #[test]
    fn a_healthy_secret_has_no_problem() {
        for finding in run_all(&testing::healthy()) {
            // kms-access and master-secret-access do not apply to it.
            assert!(
                matches!(finding.status, Status::Pass | Status::Skip),
                "{finding:?}"
            );
        }
    }
}
