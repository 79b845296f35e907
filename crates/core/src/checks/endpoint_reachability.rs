#![doc = include_str!("../../docs/checks/endpoint-reachability.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::ec2::DESCRIBE_NETWORK_ACLS as ACLS;
use crate::actions::ec2::DESCRIBE_ROUTE_TABLES as ROUTES;
use crate::actions::ec2::DESCRIBE_SECURITY_GROUPS as GROUPS;
use crate::actions::ec2::DESCRIBE_VPC_ATTRIBUTE as VPC_ATTRIBUTES;
use crate::actions::ec2::DESCRIBE_VPC_ENDPOINTS as ENDPOINTS;
use crate::actions::lambda::GET_FUNCTION;
use crate::command::{
    allow_acl_entry, allow_egress, allow_ingress_from_group, create_interface_endpoint,
    enable_private_dns, enable_vpc_dns, interface_endpoint_change, set_function_variable,
};
use crate::facts::{
    Facts, FunctionFacts, NetworkFacts, SecretFacts, SecurityGroup, Subnet, VpcAttachment,
    VpcEndpoint,
};
use crate::finding::{FixPlan, Verdict};
use crate::iac::RulePeer;
use crate::network::{self, Cidr, Direction, EPHEMERAL, Peer};

pub const CHECK: CheckDef = CheckDef {
    slug: "endpoint-reachability",
    title: "The rotation function can reach the Secrets Manager endpoint",
    holds: r#"A function outside any VPC reaches the public endpoint. In a VPC it needs an available `com.amazonaws.<region>.secretsmanager` interface endpoint (private DNS on, the VPC's DNS attributes on, its security group admitting TCP 443 from the function) or a route to an available NAT gateway (an internet gateway is no use: Lambda never has a public address); the function's security groups and its subnets' network ACLs (and the endpoint's subnets' ACLs) must pass the traffic and the replies. `SECRETS_MANAGER_ENDPOINT` must name the secret's region."#,
    explanation: include_str!("../../docs/checks/endpoint-reachability.md"),
    reads: &[
        reads::SECRET,
        reads::FUNCTION,
        reads::NETWORK,
        reads::ORIGIN,
    ],
    run,
};

/// One observation and the call it came from.
type Line = (&'static str, String);
const HTTPS: u16 = 443;

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    if let Some(mismatch) = endpoint_variable_mismatch(function, secret) {
        return Ok(mismatch);
    }
    let Some(vpc) = &function.vpc else {
        return Ok(Verdict::pass(
            "The function runs outside any VPC, so it reaches the public Secrets Manager endpoint",
        )
        .evidence(GET_FUNCTION, "the function has no VpcConfig"));
    };
    let Some(network) = premise::looked_up(&facts.network)? else {
        return Err(Verdict::skip("The function's VPC could not be described"));
    };
    let region = secret.region().unwrap_or_default();
    let path = Path::new(network, vpc);
    let verdict = match network.endpoint_for("secretsmanager") {
        Some(endpoint) => path.through_endpoint(endpoint, function),
        None => path.through_nat(region),
    };
    Ok(verdict.evidence(
        GET_FUNCTION,
        format!(
            "the function runs in {} of {}",
            vpc.subnet_ids.join(", "),
            network.vpc_id
        ),
    ))
}

/// `SECRETS_MANAGER_ENDPOINT` naming another region sends every call there.
fn endpoint_variable_mismatch(function: &FunctionFacts, secret: &SecretFacts) -> Option<Verdict> {
    let value = function.environment.get("SECRETS_MANAGER_ENDPOINT")?;
    let region = secret.region()?;
    let names_a_region = value.contains(".amazonaws.com");
    if !names_a_region || value.contains(&format!(".{region}.")) {
        return None;
    }
    let expected = format!("https://secretsmanager.{region}.amazonaws.com");
    Some(
        Verdict::fail(format!(
            "SECRETS_MANAGER_ENDPOINT is {value}, not the secret's region {region}"
        ))
        .evidence(GET_FUNCTION, format!("SECRETS_MANAGER_ENDPOINT is {value}"))
        .fix_plan(
            "Point the function at the secret's region, keeping its other variables (needs jq):",
            FixPlan::of(set_function_variable(
                &secret.arn,
                &function.arn,
                "SECRETS_MANAGER_ENDPOINT",
                &expected,
            )),
        ),
    )
}

/// The function's side of every path: its subnets and security groups.
struct Path<'a> {
    network: &'a NetworkFacts,
    vpc: &'a VpcAttachment,
    subnets: Vec<&'a Subnet>,
    groups: Vec<&'a SecurityGroup>,
}

impl<'a> Path<'a> {
    fn new(network: &'a NetworkFacts, vpc: &'a VpcAttachment) -> Self {
        Path {
            network,
            vpc,
            subnets: network
                .subnets
                .iter()
                .filter(|s| vpc.subnet_ids.contains(&s.id))
                .collect(),
            groups: network
                .security_groups
                .iter()
                .filter(|g| vpc.security_group_ids.contains(&g.id))
                .collect(),
        }
    }

    /// Egress from the function's groups and ACLs towards `peer` on 443,
    /// and replies back; the commands that open what is closed go to `fixes`.
    fn outbound_problems(
        &self,
        peer: &Peer,
        towards: &Cidr,
        to: &str,
        region: &str,
        fixes: &mut FixPlan,
    ) -> (Vec<Line>, Vec<Line>) {
        let mut evidence = Vec::new();
        let mut problems = Vec::new();
        match network::security_groups_allow(&self.groups, Direction::Egress, HTTPS, peer) {
            Some(rule) => evidence.push((GROUPS, format!("egress: {rule}"))),
            None => {
                problems.push((
                    GROUPS,
                    format!(
                        "The function's security groups ({}) allow no TCP 443 out to {to}",
                        self.vpc.security_group_ids.join(", ")
                    ),
                ));
                if let Some(group) = self.vpc.security_group_ids.first() {
                    let destination = match peer.groups.first() {
                        Some(peer_group) => RulePeer::Group(peer_group.clone()),
                        None => RulePeer::Cidr(towards.to_string()),
                    };
                    fixes.change(allow_egress(group, HTTPS, destination, Some(region)));
                }
            }
        }
        for subnet in &self.subnets {
            let acl = &subnet.acl_entries;
            let out = network::acl_allows(acl, Direction::Egress, (HTTPS, HTTPS), towards);
            if !out.allowed {
                problems.push((
                    ACLS,
                    format!(
                        "Network ACL {} of {} blocks TCP 443 out to {to}: {}",
                        subnet.network_acl_id, subnet.id, out.why
                    ),
                ));
                let entry = (Direction::Egress, (HTTPS, HTTPS));
                fixes.extend(allow_acl_entry(
                    subnet,
                    entry.0,
                    entry.1,
                    towards,
                    &out,
                    Some(region),
                ));
            }
            let back = network::acl_allows(acl, Direction::Ingress, EPHEMERAL, towards);
            if !back.allowed {
                problems.push((
                    ACLS,
                    format!(
                        "Network ACL {} of {} blocks the replies (TCP 1024-65535) from {to}: {}",
                        subnet.network_acl_id, subnet.id, back.why
                    ),
                ));
                fixes.extend(allow_acl_entry(
                    subnet,
                    Direction::Ingress,
                    EPHEMERAL,
                    towards,
                    &back,
                    Some(region),
                ));
            }
        }
        (evidence, problems)
    }

    fn through_endpoint(&self, endpoint: &VpcEndpoint, function: &FunctionFacts) -> Verdict {
        let mut evidence = vec![(
            ENDPOINTS,
            format!(
                "{} ({}) is available, private DNS {}",
                endpoint.id,
                endpoint.service_name,
                if endpoint.private_dns { "on" } else { "off" }
            ),
        )];
        let mut problems = Vec::new();
        let mut fixes = FixPlan::default();
        let region = endpoint.service_name.split('.').nth(2).unwrap_or_default();

        let variable = function.environment.get("SECRETS_MANAGER_ENDPOINT");
        let names_endpoint = variable.is_some_and(|v| {
            endpoint.dns_names.iter().any(|d| v.contains(d.as_str())) || v.contains(&endpoint.id)
        });
        if !endpoint.private_dns && !names_endpoint {
            problems.push((ENDPOINTS, format!(
                "Private DNS is off on {}, so the public name secretsmanager.{region}.amazonaws.com does not resolve to it",
                endpoint.id
            )));
            fixes.change(enable_private_dns(
                &endpoint.id,
                &self.network.vpc_id,
                &endpoint.service_name,
                region,
            ));
        }
        if endpoint.private_dns && !(self.network.dns_support && self.network.dns_hostnames) {
            problems.push((
                VPC_ATTRIBUTES,
                format!(
                    "{} has enableDnsSupport {} and enableDnsHostnames {}: private DNS needs both",
                    self.network.vpc_id, self.network.dns_support, self.network.dns_hostnames
                ),
            ));
            fixes.change_in_steps(enable_vpc_dns(
                &self.network.vpc_id,
                self.network.vpc_cidrs.first().map(String::as_str),
                region,
            ));
        }
        match network::endpoint_admits(self.network, endpoint, self.vpc) {
            Some(rule) => evidence.push((GROUPS, format!("endpoint ingress: {rule}"))),
            None => {
                problems.push((
                    GROUPS,
                    format!(
                        "The endpoint's security groups ({}) admit no TCP 443 from the function",
                        endpoint.security_group_ids.join(", ")
                    ),
                ));
                if let (Some(endpoint_group), Some(function_group)) = (
                    endpoint.security_group_ids.first(),
                    self.vpc.security_group_ids.first(),
                ) {
                    fixes.change(allow_ingress_from_group(
                        endpoint_group,
                        HTTPS,
                        function_group,
                        Some(region),
                    ));
                }
            }
        }
        let towards = Peer {
            cidrs: self
                .network
                .vpc_cidrs
                .iter()
                .filter_map(|c| Cidr::parse(c))
                .collect(),
            groups: endpoint.security_group_ids.clone(),
        };
        let vpc_cidr = towards.cidrs.first().copied().unwrap_or(Cidr::ANYWHERE);
        let (more, outbound) = self.outbound_problems(
            &towards,
            &vpc_cidr,
            &format!("the endpoint {}", endpoint.id),
            region,
            &mut fixes,
        );
        evidence.extend(more);
        problems.extend(outbound);
        let (more, inbound) = self.endpoint_subnet_problems(endpoint, region, &mut fixes);
        evidence.extend(more);
        problems.extend(inbound);
        verdict(
            problems,
            evidence,
            format!(
                "The function reaches Secrets Manager through the interface endpoint {}",
                endpoint.id
            ),
            fixes,
        )
    }

    /// The network ACL of each of the endpoint's subnets must let HTTPS in
    /// from every other subnet of the function, and the replies out: the
    /// endpoint's name resolves to its addresses in all of them.
    fn endpoint_subnet_problems(
        &self,
        endpoint: &VpcEndpoint,
        region: &str,
        fixes: &mut FixPlan,
    ) -> (Vec<Line>, Vec<Line>) {
        let mut evidence = Vec::new();
        let mut problems = Vec::new();
        let endpoint_subnets = self
            .network
            .subnets
            .iter()
            .filter(|s| endpoint.subnet_ids.contains(&s.id));
        for subnet in endpoint_subnets {
            let crossing = self.subnets.iter().filter(|from| from.id != subnet.id);
            let before = problems.len();
            for from in crossing {
                let Some(cidr) = Cidr::parse(&from.cidr) else {
                    continue;
                };
                // The requests in, and the replies out.
                for (direction, ports, what) in [
                    (Direction::Ingress, (HTTPS, HTTPS), "TCP 443 from"),
                    (
                        Direction::Egress,
                        EPHEMERAL,
                        "the replies (TCP 1024-65535) to",
                    ),
                ] {
                    let decided = network::acl_allows(&subnet.acl_entries, direction, ports, &cidr);
                    if decided.allowed {
                        continue;
                    }
                    problems.push((ACLS, format!(
                        "Network ACL {} of the endpoint's subnet {} blocks {what} the function's subnet {} ({}): {}",
                        subnet.network_acl_id, subnet.id, from.id, from.cidr, decided.why
                    )));
                    fixes.extend(allow_acl_entry(
                        subnet,
                        direction,
                        ports,
                        &cidr,
                        &decided,
                        Some(region),
                    ));
                }
            }
            if problems.len() == before {
                evidence.push((
                    ACLS,
                    format!(
                        "network ACL {} of the endpoint's subnet {} passes the function's HTTPS and its replies",
                        subnet.network_acl_id, subnet.id
                    ),
                ));
            }
        }
        (evidence, problems)
    }

    fn through_nat(&self, region: &str) -> Verdict {
        let mut evidence = vec![(
            ENDPOINTS,
            "the VPC has no available Secrets Manager interface endpoint".to_string(),
        )];
        let mut problems = Vec::new();
        for subnet in &self.subnets {
            match network::route_to(subnet, &Cidr::ANYWHERE) {
                Some(route) if route.target.starts_with("nat-") => {
                    let state = self
                        .network
                        .nat_gateways
                        .iter()
                        .find(|n| n.id == route.target)
                        .map(|n| n.state.as_str())
                        .unwrap_or("missing");
                    if state == "available" && route.state == "active" {
                        evidence.push((ROUTES, format!("{} routes 0.0.0.0/0 to {} (available)", subnet.route_table_id, route.target)));
                    } else {
                        problems.push((ROUTES, format!("{} of {} routes 0.0.0.0/0 to {}, which is {state}", subnet.route_table_id, subnet.id, route.target)));
                    }
                }
                Some(route) if route.target.starts_with("igw-") => problems.push((ROUTES, format!(
                    "{} of {} routes 0.0.0.0/0 to the internet gateway {}, but Lambda functions in a VPC never get a public IP address, so they cannot use it",
                    subnet.route_table_id, subnet.id, route.target
                ))),
                Some(route) => problems.push((ROUTES, format!(
                    "{} of {} routes 0.0.0.0/0 to {}, not to a NAT gateway",
                    subnet.route_table_id, subnet.id, route.target
                ))),
                None => problems.push((ROUTES, format!("{} of {} has no route out of the VPC", subnet.route_table_id, subnet.id))),
            }
        }
        // No route out: an endpoint is the path to add. A route out: open
        // what the groups and network ACLs close on it.
        let mut fixes = FixPlan::default();
        let endpoint = if problems.is_empty() {
            let anywhere = Peer {
                cidrs: vec![Cidr::ANYWHERE],
                groups: Vec::new(),
            };
            let (more, outbound) = self.outbound_problems(
                &anywhere,
                &Cidr::ANYWHERE,
                "the internet",
                region,
                &mut fixes,
            );
            evidence.extend(more);
            problems.extend(outbound);
            None
        } else {
            for command in self.create_endpoint(region) {
                fixes.command(command);
            }
            interface_endpoint_change(&self.network.vpc_id, "secretsmanager", self.vpc, region)
        };
        let verdict = verdict(
            problems,
            evidence,
            "The function reaches the public Secrets Manager endpoint through a NAT gateway"
                .to_string(),
            fixes,
        );
        match endpoint {
            Some(change) => verdict.change(change),
            None => verdict,
        }
    }

    fn create_endpoint(&self, region: &str) -> Vec<String> {
        create_interface_endpoint(&self.network.vpc_id, "secretsmanager", self.vpc, region)
    }
}

fn verdict(problems: Vec<Line>, evidence: Vec<Line>, pass: String, fixes: FixPlan) -> Verdict {
    let verdict = match problems.first() {
        None => Verdict::pass(pass),
        Some((_, first)) => Verdict::fail(format!(
            "{first}: rotation times out right after \"Found credentials in environment variables\""
        )),
    };
    let verdict = evidence
        .into_iter()
        .chain(problems.into_iter().skip(1))
        .fold(verdict, |verdict, (source, line)| {
            verdict.evidence(source, line)
        });
    verdict.fix_plan("Give the function a path to Secrets Manager:", fixes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, in_vpc, network_mut};
    use crate::facts::Fact;
    use crate::finding::Status;

    fn with_endpoint(private_dns: bool, admits_function: bool) -> Facts {
        let mut facts = in_vpc();
        let network = network_mut(&mut facts);
        network.subnets[0].routes.pop();
        network.endpoints.push(VpcEndpoint {
            id: "vpce-01".into(),
            service_name: "com.amazonaws.us-east-1.secretsmanager".into(),
            state: "available".into(),
            private_dns,
            subnet_ids: vec!["subnet-fn-a".into()],
            security_group_ids: vec!["sg-endpoint".into()],
            dns_names: vec!["vpce-01-abc.secretsmanager.us-east-1.vpce.amazonaws.com".into()],
            policy: None,
            tags: Default::default(),
        });
        let groups = if admits_function {
            vec!["sg-fn".to_string()]
        } else {
            vec![]
        };
        network.security_groups.push(SecurityGroup {
            id: "sg-endpoint".into(),
            name: "endpoint".into(),
            ingress: vec![crate::facts::SecurityGroupRule {
                protocol: "tcp".into(),
                ports: Some((443, 443)),
                cidrs: vec![],
                groups,
            }],
            egress: vec![],
            tags: Default::default(),
        });
        facts
    }

    #[test]
    fn outside_a_vpc_passes() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Pass);
    }

    #[test]
    fn a_nat_route_passes_and_an_internet_gateway_fails() {
        assert_eq!(
            CHECK.verdict(&in_vpc()).status,
            Status::Pass,
            "{:#?}",
            CHECK.verdict(&in_vpc())
        );
        let mut facts = in_vpc();
        network_mut(&mut facts).subnets[0].routes[1].target = "igw-01".into();
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("never get a public IP address"),
            "{}",
            verdict.summary
        );
        let commands = verdict.fix.unwrap().commands;
        assert!(
            commands[0].starts_with("aws ec2 create-vpc-endpoint --vpc-id vpc-01"),
            "{commands:?}"
        );
    }

    #[test]
    fn no_path_fails() {
        let mut facts = in_vpc();
        network_mut(&mut facts).subnets[0].routes.pop();
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("has no route out of the VPC"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn a_healthy_endpoint_passes() {
        let verdict = CHECK.verdict(&with_endpoint(true, true));
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
        assert!(verdict.summary.contains("vpce-01"));
    }

    #[test]
    fn an_endpoint_with_private_dns_off_fails() {
        let verdict = CHECK.verdict(&with_endpoint(false, true));
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.fix.unwrap().commands[0]
                .contains("modify-vpc-endpoint --vpc-endpoint-id vpce-01 --private-dns-enabled")
        );
    }

    #[test]
    fn an_endpoint_that_admits_nothing_fails_with_the_rule_to_add() {
        let verdict = CHECK.verdict(&with_endpoint(true, false));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.fix.unwrap().commands[0],
            "aws ec2 authorize-security-group-ingress --group-id sg-endpoint --protocol tcp --port 443 --source-group sg-fn --region us-east-1"
        );
    }

    #[test]
    fn a_network_acl_that_blocks_replies_fails() {
        let mut facts = in_vpc();
        network_mut(&mut facts).subnets[0]
            .acl_entries
            .retain(|e| e.egress);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("blocks the replies"),
            "{}",
            verdict.summary
        );
        assert_eq!(
            verdict.fix.unwrap().commands,
            [
                "aws ec2 create-network-acl-entry --network-acl-id acl-01 --ingress --rule-number 32766 --protocol tcp --port-range 'From=1024,To=65535' --cidr-block 0.0.0.0/0 --rule-action allow --region us-east-1"
            ],
            "the replies are let in, not an endpoint created"
        );
    }

    #[test]
    fn an_endpoint_subnet_whose_acl_blocks_the_function_fails() {
        let mut facts = with_endpoint(true, true);
        let network = network_mut(&mut facts);
        let mut endpoint_subnet = network.subnets[0].clone();
        endpoint_subnet.id = "subnet-endpoint".into();
        endpoint_subnet.cidr = "10.0.200.0/24".into();
        endpoint_subnet.network_acl_id = "acl-endpoint".into();
        network.subnets.push(endpoint_subnet.clone());
        network.endpoints[0].subnet_ids = vec!["subnet-endpoint".into()];
        let passing = CHECK.verdict(&facts);
        assert_eq!(passing.status, Status::Pass, "{passing:#?}");
        assert!(
            passing
                .evidence
                .iter()
                .any(|e| e.observed.contains("acl-endpoint of the endpoint's subnet"))
        );

        let network = network_mut(&mut facts);
        let endpoint_subnet = network.subnets.last_mut().unwrap();
        endpoint_subnet.acl_entries.retain(|e| e.egress);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.starts_with(
                "Network ACL acl-endpoint of the endpoint's subnet subnet-endpoint blocks TCP 443 from the function's subnet"
            ),
            "{}",
            verdict.summary
        );
        assert!(
            verdict.fix.unwrap().commands.contains(&"aws ec2 create-network-acl-entry --network-acl-id acl-endpoint --ingress --rule-number 32766 --protocol tcp --port-range 'From=443,To=443' --cidr-block 10.0.1.0/24 --rule-action allow --region us-east-1".to_string())
        );
    }

    #[test]
    fn an_endpoint_variable_for_another_region_fails() {
        let mut facts = healthy();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.environment.insert(
                "SECRETS_MANAGER_ENDPOINT".into(),
                "https://secretsmanager.eu-west-1.amazonaws.com".into(),
            );
        }
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }
}
