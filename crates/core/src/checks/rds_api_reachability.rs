#![doc = include_str!("../../docs/checks/rds-api-reachability.md")]

use super::database_api_calls::database_api_calls;
use super::{CheckDef, Outcome, premise, reads};
use crate::actions::ec2::DESCRIBE_ROUTE_TABLES as ROUTES;
use crate::actions::ec2::DESCRIBE_SECURITY_GROUPS as GROUPS;
use crate::actions::ec2::DESCRIBE_VPC_ENDPOINTS as ENDPOINTS;
use crate::actions::lambda::GET_FUNCTION;
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::command::{
    allow_ingress_from_group, create_interface_endpoint, enable_private_dns,
    interface_endpoint_change,
};
use crate::facts::{Facts, NetworkFacts, VpcAttachment, VpcEndpoint};
use crate::finding::{FixPlan, Verdict};
use crate::network::{self, Cidr};

pub const CHECK: CheckDef = CheckDef {
    slug: "rds-api-reachability",
    title: "The rotation function can reach the RDS or Redshift API when its template calls it",
    holds: r#"When the template calls the RDS API (a master secret RDS manages, whose value holds only a username and a password, or a secret whose host is not the master's) or the Redshift API (an admin secret Redshift manages), the function can reach it: it runs outside a VPC, or routes through a NAT gateway, or the VPC has a `com.amazonaws.<region>.rds` (`redshift`, `redshift-serverless`) interface endpoint with private DNS whose security group admits it. The fix creates that endpoint."#,
    explanation: include_str!("../../docs/checks/rds-api-reachability.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::NETWORK,
        reads::ORIGIN,
    ],
    run,
};

const HTTPS: u16 = 443;

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    let not_needed = || Verdict::skip("The template makes no RDS API call for this secret");
    // Gathering looks for a master secret only where the value names one.
    let master = match &facts.master_secret {
        crate::facts::Fact::NotCollected => return Err(not_needed()),
        fact => premise::looked_up(fact)?.ok_or_else(not_needed)?,
    };
    // An unreadable master secret would hide whether the RDS API is needed.
    premise::looked_up_in(&master.secret, facts, &master.masterarn, "master secret")?;
    premise::looked_up_in(&master.value, facts, &master.masterarn, "master secret")?;
    let calls = database_api_calls(facts, master);
    let Some(first) = calls.first() else {
        return Err(not_needed());
    };
    let needed = first.why.clone();
    let service = first.service();
    let api = api_name(service);
    let Some(vpc) = &function.vpc else {
        return Ok(Verdict::pass(format!(
            "The function runs outside any VPC, so it reaches the public {api}"
        ))
        .evidence(DESCRIBE, needed)
        .evidence(GET_FUNCTION, "the function has no VpcConfig"));
    };
    let Some(network) = premise::looked_up(&facts.network)? else {
        return Err(Verdict::skip("The function's VPC could not be described"));
    };
    let region = secret.region().unwrap_or_default();

    if let Some(endpoint) = network.endpoint_for(service) {
        return Ok(through_endpoint(endpoint, network, vpc, region, api).evidence(DESCRIBE, needed));
    }

    let subnets = network
        .subnets
        .iter()
        .filter(|s| vpc.subnet_ids.contains(&s.id))
        .collect::<Vec<_>>();
    let through_nat = |subnet: &&crate::facts::Subnet| {
        network::route_to(subnet, &Cidr::ANYWHERE).is_some_and(|route| {
            route.target.starts_with("nat-")
                && route.state == "active"
                && network
                    .nat_gateways
                    .iter()
                    .any(|n| n.id == route.target && n.state == "available")
        })
    };
    if !subnets.is_empty() && subnets.iter().all(through_nat) {
        return Ok(Verdict::pass(format!(
            "The function reaches the public {api} through a NAT gateway"
        ))
        .evidence(DESCRIBE, needed)
        .evidence(
            ROUTES,
            "every subnet of the function routes 0.0.0.0/0 to an available NAT gateway",
        ));
    }
    let verdict = Verdict::fail(format!(
        "The function has no path to the {api} (no {service} interface endpoint, no NAT gateway route): setSecret's lookup fails",
    ))
    .evidence(DESCRIBE, needed)
    .evidence(
        ENDPOINTS,
        format!("{} has no available com.amazonaws.{region}.{service} endpoint", network.vpc_id),
    )
    .evidence(
        ROUTES,
        "not every subnet of the function routes 0.0.0.0/0 to an available NAT gateway",
    )
    .fix(
        format!("Create a {service} interface endpoint in the function's subnets, as AWS recommends:"),
        create_interface_endpoint(&network.vpc_id, service, vpc, region),
    );
    Ok(
        match interface_endpoint_change(&network.vpc_id, service, vpc, region) {
            Some(change) => verdict.change(change),
            None => verdict,
        },
    )
}

/// How the report names the API behind a VPC endpoint service.
fn api_name(service: &str) -> &'static str {
    match service {
        "redshift" => "Redshift API",
        "redshift-serverless" => "Redshift Serverless API",
        _ => "RDS API",
    }
}

/// Through the VPC's RDS interface endpoint: private DNS on, and its security
/// groups admitting the function's HTTPS.
fn through_endpoint(
    endpoint: &VpcEndpoint,
    network: &NetworkFacts,
    vpc: &VpcAttachment,
    region: &str,
    api: &str,
) -> Verdict {
    let found = format!(
        "{} ({}) is available, private DNS {}",
        endpoint.id,
        endpoint.service_name,
        if endpoint.private_dns { "on" } else { "off" }
    );
    if !endpoint.private_dns {
        return Verdict::fail(format!(
            "Private DNS is off on the {api} endpoint {}, so the API's public name does not resolve to it: setSecret's lookup fails",
            endpoint.id
        ))
        .evidence(ENDPOINTS, found)
        .fix_plan(
            "Turn private DNS on for the endpoint:",
            FixPlan::of(enable_private_dns(
                &endpoint.id,
                &network.vpc_id,
                &endpoint.service_name,
                region,
            )),
        );
    }
    match network::endpoint_admits(network, endpoint, vpc) {
        Some(rule) => Verdict::pass(format!(
            "The function reaches the {api} through the interface endpoint {}",
            endpoint.id
        ))
        .evidence(ENDPOINTS, found)
        .evidence(GROUPS, format!("endpoint ingress: {rule}")),
        None => {
            let mut fix = FixPlan::default();
            fix.extend(
                endpoint
                    .security_group_ids
                    .first()
                    .zip(vpc.security_group_ids.first())
                    .map(|(endpoint_group, function_group)| {
                        allow_ingress_from_group(
                            endpoint_group,
                            HTTPS,
                            function_group,
                            Some(region),
                        )
                    }),
            );
            Verdict::fail(format!(
                    "The {api} endpoint's security groups ({}) admit no TCP 443 from the function: setSecret's lookup fails",
                    endpoint.security_group_ids.join(", ")
                ))
                .evidence(ENDPOINTS, found)
                .fix_plan("Let the function's HTTPS in:", fix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{in_vpc, multi_user, network_mut};
    use crate::facts::VpcEndpoint;
    use crate::finding::Status;

    const DATABASE: &str = "arn:aws:rds:us-east-1:111122223333:cluster:prod-db";

    /// `in_vpc()` rotated by the multi-user template, with a master secret RDS manages.
    fn rds_managed_master() -> Facts {
        let mut facts = multi_user();
        let in_vpc = in_vpc();
        facts.rotation_function = in_vpc.rotation_function;
        facts.network = in_vpc.network;
        crate::checks::testing::master_managed_by_rds(&mut facts, DATABASE);
        facts
    }

    #[test]
    fn a_master_secret_that_names_its_host_needs_no_rds_api() {
        assert_eq!(CHECK.verdict(&multi_user()).status, Status::Skip);
        assert_eq!(CHECK.verdict(&in_vpc()).status, Status::Skip);
    }

    #[test]
    fn a_nat_gateway_reaches_the_rds_api() {
        let verdict = CHECK.verdict(&rds_managed_master());
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
    }

    #[test]
    fn no_path_fails_with_the_rds_endpoint_to_create() {
        let mut facts = rds_managed_master();
        network_mut(&mut facts).subnets[0].routes.pop();
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        let commands = verdict.fix.unwrap().commands;
        assert!(
            commands[0].contains("--service-name com.amazonaws.us-east-1.rds"),
            "{commands:?}"
        );
    }

    #[test]
    fn an_rds_endpoint_must_admit_the_function() {
        let mut facts = rds_managed_master();
        let network = network_mut(&mut facts);
        network.subnets[0].routes.pop();
        network.endpoints.push(VpcEndpoint {
            id: "vpce-rds".into(),
            service_name: "com.amazonaws.us-east-1.rds".into(),
            state: "available".into(),
            private_dns: true,
            subnet_ids: vec!["subnet-fn-a".into()],
            security_group_ids: vec!["sg-fn".into()],
            dns_names: Vec::new(),
            policy: None,
            tags: Default::default(),
        });
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(verdict.summary.contains("admit no TCP 443"));
    }
}
