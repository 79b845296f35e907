#![doc = include_str!("../../docs/checks/database-reachability.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::ec2::DESCRIBE_NETWORK_ACLS as ACLS;
use crate::actions::ec2::DESCRIBE_SECURITY_GROUPS as GROUPS;
use crate::actions::rds::DESCRIBE_DB_INSTANCES as RDS;
use crate::arn;
use crate::command::{allow_acl_entry, allow_egress, allow_ingress_from_group, aws};
use crate::facts::{DatabaseFacts, Facts, FunctionFacts, NetworkFacts, SecretShape, Subnet};
use crate::finding::{FixPlan, Verdict};
use crate::iac::{Change, RulePeer};
use crate::network::{self, Cidr, Direction, EPHEMERAL, Peer};
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "database-reachability",
    title: "The rotation function can reach the database",
    holds: r#"The `host` of the secret is an RDS instance or cluster (or a network interface) the function can reach on its port: same VPC (peering and transit gateways: `warn`, the other side is not visible), security groups and network ACLs open both ways. A function outside any VPC reaches only a publicly accessible database. A host rotdoctor cannot find: `warn`, never `fail`."#,
    explanation: include_str!("../../docs/checks/database-reachability.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::DATABASE,
        reads::NETWORK,
        reads::ORIGIN,
    ],
    run,
};

/// One observation and the call it came from.
type Line = (&'static str, String);

/// A host no RDS endpoint or network interface answers to. rotdoctor does
/// not resolve names, so a CNAME is as far as it can see.
fn unresolved(host: &str) -> Verdict {
    let lower = host.to_ascii_lowercase();
    let rds_name =
        lower.ends_with(".rds.amazonaws.com") || lower.ends_with(".rds.amazonaws.com.cn");
    let verdict = Verdict::warn(format!(
        "rotdoctor found no RDS instance, cluster, proxy or network interface at {host} in this account and region, so it cannot check the path"
    ))
    .evidence(
        RDS,
        format!("no database, proxy endpoint or network interface address is {host}"),
    );
    if rds_name {
        return verdict.fix(
            "The name is an RDS endpoint that no longer exists here, or belongs to another account or Region: point the secret at the database's current endpoint.",
            Vec::new(),
        );
    }
    verdict.fix(
        "If the host is a DNS alias (a Route 53 CNAME) of an RDS endpoint, put the endpoint itself in the secret: rotdoctor does not resolve names, and the templates verify the database's TLS certificate against the host (PostgreSQL's verify-full), which names the endpoint, not the alias.",
        Vec::new(),
    )
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let Some(SecretShape::Object(object)) = premise::looked_up(&facts.secret_value)? else {
        return Err(Verdict::skip(
            "The secret value is not a JSON object with a host (see secret-schema)",
        ));
    };
    let Some(host) = &object.host else {
        return Err(Verdict::skip("The secret has no host (see secret-schema)"));
    };
    let Some(database) = premise::looked_up(&facts.database)? else {
        return Ok(unresolved(host));
    };
    let port = object
        .port
        .as_deref()
        .and_then(|p| p.trim_matches('"').parse::<u16>().ok())
        .or_else(|| database.port.and_then(|p| u16::try_from(p).ok()))
        .or_else(|| {
            template::identify(Some(function), Some(object))
                .template()
                .map(|t| t.default_port)
        })
        .unwrap_or(0);
    let source = database.found_by();
    let found = format!(
        "{host} is the {} {} in {}{}",
        database.kind,
        database.id,
        database.vpc_id.as_deref().unwrap_or("no VPC"),
        if database.publicly_accessible {
            ", publicly accessible"
        } else {
            ""
        }
    );

    let Some(vpc) = &function.vpc else {
        let verdict = if database.publicly_accessible {
            Verdict::pass(format!(
                "The function runs outside any VPC and {} is publicly accessible",
                database.id
            ))
        } else {
            Verdict::fail(format!(
                "The function runs outside any VPC, so it cannot reach {}, which is not publicly accessible",
                database.id
            ))
            .fix_plan(MOVE_INTO, move_into(function, database, port, None))
        };
        return Ok(verdict
            .evidence(RDS, found)
            .evidence("lambda:GetFunction", "the function has no VpcConfig"));
    };
    let Some(network) = premise::looked_up(&facts.network)? else {
        return Err(Verdict::skip("The function's VPC could not be described"));
    };
    let function_subnets = network
        .subnets
        .iter()
        .filter(|s| vpc.subnet_ids.contains(&s.id))
        .collect::<Vec<_>>();

    if database.vpc_id.as_deref() != Some(network.vpc_id.as_str()) {
        let bridges = function_subnets
            .iter()
            .flat_map(|s| s.routes.iter())
            .filter(|r| r.target.starts_with("pcx-") || r.target.starts_with("tgw-"))
            .map(|r| format!("{} via {}", r.destination, r.target))
            .collect::<Vec<_>>();
        let verdict = if bridges.is_empty() {
            Verdict::fail(format!(
                "{} is in {}, the function in {}, and no peering or transit gateway route joins them",
                database.id,
                database.vpc_id.as_deref().unwrap_or("another network"),
                network.vpc_id
            ))
            .fix_plan(MOVE_INTO, move_into(function, database, port, Some(network)))
        } else {
            Verdict::warn(format!(
                "{} is in another VPC, reached through {}: rotdoctor cannot see the other side",
                database.id,
                bridges.join(", ")
            ))
        };
        return Ok(verdict.evidence(source, found));
    }

    let database_subnets = network
        .subnets
        .iter()
        .filter(|s| database.subnet_ids.contains(&s.id))
        .collect::<Vec<_>>();
    let mut problems = Vec::new();
    let mut evidence = vec![
        (source, found),
        (source, format!("the database listens on TCP {port}")),
    ];
    let mut fixes = FixPlan::default();
    let region = arn::region(&function.arn);

    let function_peer = Peer {
        cidrs: function_subnets
            .iter()
            .filter_map(|s| Cidr::parse(&s.cidr))
            .collect(),
        groups: vpc.security_group_ids.clone(),
    };
    let database_peer = Peer {
        cidrs: database_subnets
            .iter()
            .filter_map(|s| Cidr::parse(&s.cidr))
            .collect(),
        groups: database.security_group_ids.clone(),
    };
    let groups = |ids: &[String]| {
        network
            .security_groups
            .iter()
            .filter(|g| ids.contains(&g.id))
            .collect::<Vec<_>>()
    };

    match network::security_groups_allow(
        &groups(&database.security_group_ids),
        Direction::Ingress,
        port,
        &function_peer,
    ) {
        Some(rule) => evidence.push((GROUPS, format!("database ingress: {rule}"))),
        None => {
            let shared = database
                .security_group_ids
                .iter()
                .any(|g| vpc.security_group_ids.contains(g));
            problems.push((
                GROUPS,
                format!(
                    "The database's security groups ({}) admit no TCP {port} from the function{}",
                    database.security_group_ids.join(", "),
                    if shared {
                        " (they share a group, which needs a rule that admits itself)"
                    } else {
                        ""
                    }
                ),
            ));
            if let (Some(database_group), Some(function_group)) = (
                database.security_group_ids.first(),
                vpc.security_group_ids.first(),
            ) {
                fixes.change(allow_ingress_from_group(
                    database_group,
                    port,
                    function_group,
                    region,
                ));
            }
        }
    }
    match network::security_groups_allow(
        &groups(&vpc.security_group_ids),
        Direction::Egress,
        port,
        &database_peer,
    ) {
        Some(rule) => evidence.push((GROUPS, format!("function egress: {rule}"))),
        None => {
            problems.push((
                GROUPS,
                format!(
                    "The function's security groups ({}) allow no TCP {port} out to the database",
                    vpc.security_group_ids.join(", ")
                ),
            ));
            if let (Some(function_group), Some(database_group)) = (
                vpc.security_group_ids.first(),
                database.security_group_ids.first(),
            ) {
                fixes.change(allow_egress(
                    function_group,
                    port,
                    RulePeer::Group(database_group.clone()),
                    region,
                ));
            }
        }
    }
    problems.extend(acl_problems(
        &function_subnets,
        &database_subnets,
        port,
        region,
        &mut fixes,
    ));

    let verdict = match problems.first() {
        None => Verdict::pass(format!(
            "The function reaches {} on TCP {port}",
            database.id
        )),
        Some((_, first)) => {
            Verdict::fail(format!("{first}: setSecret cannot log into the database"))
        }
    };
    let verdict = evidence
        .into_iter()
        .chain(problems.into_iter().skip(1))
        .fold(verdict, |verdict, (source, line)| {
            verdict.evidence(source, line)
        });
    Ok(verdict.fix_plan("Let the function's traffic through to the database:", fixes))
}

/// Each side's network ACLs must pass the connection and its replies; the
/// entries that would go to `fixes`.
fn acl_problems(
    function_subnets: &[&Subnet],
    database_subnets: &[&Subnet],
    port: u16,
    region: Option<&str>,
    fixes: &mut FixPlan,
) -> Vec<Line> {
    let mut problems = Vec::new();
    for from in function_subnets {
        for to in database_subnets {
            let (Some(from_cidr), Some(to_cidr)) = (Cidr::parse(&from.cidr), Cidr::parse(&to.cidr))
            else {
                continue;
            };
            let checks = [
                (from, Direction::Egress, (port, port), to_cidr, "out to", to),
                (
                    from,
                    Direction::Ingress,
                    EPHEMERAL,
                    to_cidr,
                    "replies from",
                    to,
                ),
                (
                    to,
                    Direction::Ingress,
                    (port, port),
                    from_cidr,
                    "in from",
                    from,
                ),
                (
                    to,
                    Direction::Egress,
                    EPHEMERAL,
                    from_cidr,
                    "replies to",
                    from,
                ),
            ];
            for (subnet, direction, ports, peer, what, other) in checks {
                let decision = network::acl_allows(&subnet.acl_entries, direction, ports, &peer);
                if !decision.allowed {
                    problems.push((
                        ACLS,
                        format!(
                            "Network ACL {} of {} blocks TCP {}-{} {what} {}: {}",
                            subnet.network_acl_id,
                            subnet.id,
                            ports.0,
                            ports.1,
                            other.id,
                            decision.why
                        ),
                    ));
                    fixes.extend(allow_acl_entry(
                        subnet, direction, ports, &peer, &decision, region,
                    ));
                }
            }
        }
    }
    problems.dedup();
    problems
}

const MOVE_INTO: &str = "Run the function in the database's subnets and first security group, \
    with a rule that lets the group reach the database's port from itself (a group admits nothing \
    without one). Then run rotdoctor again: in its new VPC the function also needs a path to \
    Secrets Manager, which endpoint-reachability checks and prints the fix for:";

/// Moves the function into the database's subnets and its first security
/// group, and lets that group in to the database's port.
fn move_into(
    function: &FunctionFacts,
    database: &DatabaseFacts,
    port: u16,
    network: Option<&NetworkFacts>,
) -> FixPlan {
    let (Some(group), false) = (
        database.security_group_ids.first(),
        database.subnet_ids.is_empty(),
    ) else {
        return FixPlan::default();
    };
    let config = format!(
        "SubnetIds={},SecurityGroupIds={group}",
        database.subnet_ids.join(",")
    );
    let region = arn::region(&function.arn);
    let mut plan = FixPlan::of((
        aws(
            "lambda",
            "update-function-configuration",
            &["--function-name", &function.arn, "--vpc-config", &config],
            region,
        ),
        Change::FunctionVpc {
            function_arn: function.arn.clone(),
            subnet_ids: database.subnet_ids.clone(),
            security_group_ids: vec![group.clone()],
        },
    ));
    let admits_itself = network
        .and_then(|n| n.security_groups.iter().find(|g| &g.id == group))
        .is_some_and(|g| {
            g.ingress.iter().any(|rule| {
                rule.groups.contains(group)
                    && (rule.protocol == "-1"
                        || rule
                            .ports
                            .is_none_or(|(from, to)| (from..=to).contains(&i32::from(port))))
            })
        });
    if !admits_itself {
        plan.change(allow_ingress_from_group(group, port, group, region));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, in_vpc, network_mut};
    use crate::facts::Fact;
    use crate::finding::Status;

    #[test]
    fn a_host_that_is_no_rds_name_is_named_as_a_possible_alias() {
        let verdict = super::unresolved("db.orders.example.com");
        assert_eq!(verdict.status, crate::finding::Status::Warn);
        assert!(verdict.fix.unwrap().summary.contains("CNAME"));
        let verdict = super::unresolved("gone.abc123xyz.us-east-1.rds.amazonaws.com");
        assert!(verdict.fix.unwrap().summary.contains("no longer exists"));
    }

    #[test]
    fn same_vpc_with_a_rule_for_the_function_passes() {
        let verdict = CHECK.verdict(&in_vpc());
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
        assert_eq!(verdict.summary, "The function reaches prod-db on TCP 5432");
    }

    #[test]
    fn a_database_group_without_the_function_fails_with_the_rule_to_add() {
        let mut facts = in_vpc();
        network_mut(&mut facts).security_groups[1].ingress.clear();
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.fix.unwrap().commands[0],
            "aws ec2 authorize-security-group-ingress --group-id sg-db --protocol tcp --port 5432 --source-group sg-fn --region us-east-1"
        );
    }

    #[test]
    fn another_vpc_fails_unless_peered() {
        let mut facts = in_vpc();
        if let Fact::Found(database) = &mut facts.database {
            database.vpc_id = Some("vpc-other".into());
        }
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
        network_mut(&mut facts).subnets[0]
            .routes
            .push(crate::facts::Route {
                destination: "172.16.0.0/16".into(),
                target: "pcx-01".into(),
                state: "active".into(),
            });
        assert_eq!(CHECK.verdict(&facts).status, Status::Warn);
    }

    #[test]
    fn outside_a_vpc_reaches_only_a_public_database() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Pass);
        let mut private = healthy();
        if let Fact::Found(database) = &mut private.database {
            database.publicly_accessible = false;
        }
        let verdict = CHECK.verdict(&private);
        assert_eq!(verdict.status, Status::Fail);
        let words = shlex::split(&verdict.fix.unwrap().commands[0]).unwrap();
        let config = "SubnetIds=subnet-db-a,SecurityGroupIds=sg-db".to_string();
        assert!(words.contains(&config), "{words:?}");
    }

    #[test]
    fn an_unknown_host_warns() {
        let mut facts = healthy();
        facts.database = Fact::Absent;
        assert_eq!(CHECK.verdict(&facts).status, Status::Warn);
    }
}
