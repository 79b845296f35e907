//! Reading a VPC's configuration as paths: routes, network ACLs and
//! security groups, evaluated the way AWS documents them.
//!
//! Only IPv4 and TCP matter here: the rotation function speaks HTTPS to
//! Secrets Manager and TCP to its database.
//! See: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>
//! and <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>

use std::fmt;

use crate::facts::{
    AclEntry, NetworkFacts, Route, SecurityGroup, SecurityGroupRule, Subnet, VpcAttachment,
    VpcEndpoint,
};

/// An IPv4 CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl Cidr {
    pub const ANYWHERE: Cidr = Cidr { base: 0, prefix: 0 };

    /// `10.0.1.0/24`, or a bare address as a /32. None for IPv6 or garbage.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, prefix.parse::<u8>().ok()?),
            None => (text, 32),
        };
        let address: std::net::Ipv4Addr = address.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        Some(Cidr {
            base: u32::from(address) & mask(prefix),
            prefix,
        })
    }

    /// Whether every address of `other` is in this block.
    pub fn contains(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && (other.base & mask(self.prefix)) == self.base
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.base), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

/// The other end of a connection, as security group rules can name it.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub cidrs: Vec<Cidr>,
    pub groups: Vec<String>,
}

/// Which way traffic crosses a security group or network ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// The first rule of `groups` that lets TCP `port` through to or from `peer`:
/// security groups allow only, so any one rule is enough.
pub fn security_groups_allow(
    groups: &[&SecurityGroup],
    direction: Direction,
    port: u16,
    peer: &Peer,
) -> Option<String> {
    groups.iter().find_map(|group| {
        let rules = match direction {
            Direction::Ingress => &group.ingress,
            Direction::Egress => &group.egress,
        };
        rules
            .iter()
            .find(|rule| covers_port(rule, port) && reaches(rule, peer))
            .map(|rule| {
                format!(
                    "{} ({}) {}",
                    group.id,
                    group.name,
                    describe_rule(rule, direction)
                )
            })
    })
}

fn covers_port(rule: &SecurityGroupRule, port: u16) -> bool {
    let port = i32::from(port);
    match rule.protocol.as_str() {
        "-1" | "all" => true,
        "tcp" | "6" => rule
            .ports
            .is_none_or(|(from, to)| from <= port && port <= to),
        _ => false,
    }
}

/// The rule names one of the peer's groups, or its CIDRs cover every one of the peer's.
fn reaches(rule: &SecurityGroupRule, peer: &Peer) -> bool {
    if rule.groups.iter().any(|g| peer.groups.contains(g)) {
        return true;
    }
    let blocks = rule
        .cidrs
        .iter()
        .filter_map(|c| Cidr::parse(c))
        .collect::<Vec<_>>();
    !peer.cidrs.is_empty()
        && peer
            .cidrs
            .iter()
            .all(|p| blocks.iter().any(|b| b.contains(p)))
}

fn describe_rule(rule: &SecurityGroupRule, direction: Direction) -> String {
    let ports = match (rule.protocol.as_str(), rule.ports) {
        ("-1" | "all", _) => "all traffic".to_string(),
        (protocol, Some((from, to))) if from == to => format!("{protocol} {from}"),
        (protocol, Some((from, to))) => format!("{protocol} {from}-{to}"),
        (protocol, None) => format!("{protocol} all ports"),
    };
    let peers = rule
        .cidrs
        .iter()
        .chain(rule.groups.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match direction {
        Direction::Ingress => format!("admits {ports} from {peers}"),
        Direction::Egress => format!("allows {ports} to {peers}"),
    }
}

/// The function as traffic from it looks: its subnets' CIDRs and its groups.
pub fn function_peer(network: &NetworkFacts, function: &VpcAttachment) -> Peer {
    Peer {
        cidrs: network
            .subnets
            .iter()
            .filter(|s| function.subnet_ids.contains(&s.id))
            .filter_map(|s| Cidr::parse(&s.cidr))
            .collect(),
        groups: function.security_group_ids.clone(),
    }
}

/// The rule of `endpoint`'s security groups that admits HTTPS from the
/// function, if one does.
pub fn endpoint_admits(
    network: &NetworkFacts,
    endpoint: &VpcEndpoint,
    function: &VpcAttachment,
) -> Option<String> {
    let groups = network
        .security_groups
        .iter()
        .filter(|g| endpoint.security_group_ids.contains(&g.id))
        .collect::<Vec<_>>();
    security_groups_allow(
        &groups,
        Direction::Ingress,
        443,
        &function_peer(network, function),
    )
}

/// What a network ACL decided, and how to change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclDecision {
    pub allowed: bool,
    /// The deciding entry, or the default deny.
    pub why: String,
    /// When denied: the highest rule number free in that direction that
    /// comes before the deciding entry, for an entry that allows the traffic.
    pub free_rule_number: Option<i32>,
}

/// The default rule of every network ACL, evaluated last.
const DEFAULT_RULE: i32 = 32767;

/// What a network ACL decides for TCP traffic on `ports` to or from `peer`:
/// the lowest-numbered matching entry, else the default deny.
pub fn acl_allows(
    entries: &[AclEntry],
    direction: Direction,
    ports: (u16, u16),
    peer: &Cidr,
) -> AclDecision {
    let mut entries = entries
        .iter()
        .filter(|e| e.egress == (direction == Direction::Egress))
        .collect::<Vec<_>>();
    entries.sort_by_key(|e| e.rule_number);
    let (low, high) = (i32::from(ports.0), i32::from(ports.1));
    let matching = entries.iter().find(|entry| {
        let protocol = matches!(entry.protocol.as_str(), "-1" | "6" | "tcp");
        let covered = entry
            .ports
            .is_none_or(|(from, to)| from <= low && high <= to);
        let reaches = Cidr::parse(&entry.cidr).is_some_and(|block| block.contains(peer));
        protocol && covered && reaches
    });
    let (allowed, deciding, why) = match matching {
        Some(entry) => (
            entry.allow,
            entry.rule_number,
            format!(
                "rule {} {} {} {}",
                entry.rule_number,
                if entry.allow { "allows" } else { "denies" },
                if direction == Direction::Egress {
                    "to"
                } else {
                    "from"
                },
                entry.cidr
            ),
        ),
        None => (
            false,
            DEFAULT_RULE,
            "no rule matches, so the default rule denies".to_string(),
        ),
    };
    let free_rule_number = (!allowed)
        .then(|| {
            (1..deciding)
                .rev()
                .find(|n| entries.iter().all(|e| e.rule_number != *n))
        })
        .flatten();
    AclDecision {
        allowed,
        why,
        free_rule_number,
    }
}

/// The route a subnet uses for `destination`: the most specific one containing it.
pub fn route_to<'a>(subnet: &'a Subnet, destination: &Cidr) -> Option<&'a Route> {
    subnet
        .routes
        .iter()
        .filter_map(|route| Cidr::parse(&route.destination).map(|block| (block, route)))
        .filter(|(block, _)| block.contains(destination))
        .max_by_key(|(block, _)| block.prefix)
        .map(|(_, route)| route)
}

/// Lambda's return traffic arrives on ephemeral ports.
pub const EPHEMERAL: (u16, u16) = (1024, 65535);

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap()
    }

    fn rule(
        protocol: &str,
        ports: Option<(i32, i32)>,
        cidrs: &[&str],
        groups: &[&str],
    ) -> SecurityGroupRule {
        SecurityGroupRule {
            protocol: protocol.to_string(),
            ports,
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn group(ingress: Vec<SecurityGroupRule>, egress: Vec<SecurityGroupRule>) -> SecurityGroup {
        SecurityGroup {
            id: "sg-1".to_string(),
            name: "db".to_string(),
            ingress,
            egress,
            tags: Default::default(),
        }
    }

    #[test]
    fn cidrs() {
        assert!(cidr("10.0.0.0/16").contains(&cidr("10.0.3.0/24")));
        assert!(!cidr("10.0.3.0/24").contains(&cidr("10.0.0.0/16")));
        assert!(Cidr::ANYWHERE.contains(&cidr("192.168.1.7")));
        assert!(!cidr("10.1.0.0/16").contains(&cidr("10.0.3.0/24")));
        assert_eq!(cidr("10.0.3.9/24").to_string(), "10.0.3.0/24");
        assert_eq!(Cidr::parse("::/0"), None);
    }

    #[test]
    fn security_groups_match_port_and_peer() {
        let from_function = Peer {
            cidrs: vec![cidr("10.0.1.0/24")],
            groups: vec!["sg-fn".to_string()],
        };
        let by_group = group(
            vec![rule("tcp", Some((5432, 5432)), &[], &["sg-fn"])],
            vec![],
        );
        assert!(
            security_groups_allow(&[&by_group], Direction::Ingress, 5432, &from_function).is_some()
        );
        assert!(
            security_groups_allow(&[&by_group], Direction::Ingress, 3306, &from_function).is_none()
        );
        let by_vpc_cidr = group(
            vec![rule("tcp", Some((0, 65535)), &["10.0.0.0/16"], &[])],
            vec![],
        );
        let found = security_groups_allow(&[&by_vpc_cidr], Direction::Ingress, 443, &from_function)
            .unwrap();
        assert_eq!(found, "sg-1 (db) admits tcp 0-65535 from 10.0.0.0/16");
        let all_out = group(vec![], vec![rule("-1", None, &["0.0.0.0/0"], &[])]);
        let anywhere = Peer {
            cidrs: vec![Cidr::ANYWHERE],
            groups: vec![],
        };
        assert!(security_groups_allow(&[&all_out], Direction::Egress, 443, &anywhere).is_some());
        let other_subnet = group(
            vec![rule("tcp", Some((443, 443)), &["10.0.9.0/24"], &[])],
            vec![],
        );
        assert!(
            security_groups_allow(&[&other_subnet], Direction::Ingress, 443, &from_function)
                .is_none()
        );
    }

    fn entry(
        rule_number: i32,
        egress: bool,
        allow: bool,
        cidr: &str,
        ports: Option<(i32, i32)>,
    ) -> AclEntry {
        AclEntry {
            rule_number,
            egress,
            protocol: "6".to_string(),
            allow,
            cidr: cidr.to_string(),
            ports,
        }
    }

    #[test]
    fn network_acls_take_the_lowest_matching_rule() {
        let entries = vec![
            entry(200, true, true, "0.0.0.0/0", None),
            entry(100, true, false, "0.0.0.0/0", Some((443, 443))),
            entry(32767, true, false, "0.0.0.0/0", None),
        ];
        let denied = acl_allows(&entries, Direction::Egress, (443, 443), &Cidr::ANYWHERE);
        assert!(!denied.allowed);
        assert_eq!(denied.why, "rule 100 denies to 0.0.0.0/0");
        assert_eq!(
            denied.free_rule_number,
            Some(99),
            "an allow entry goes just before it"
        );
        assert!(acl_allows(&entries, Direction::Egress, (5432, 5432), &Cidr::ANYWHERE).allowed);
        let empty = acl_allows(&[], Direction::Ingress, EPHEMERAL, &Cidr::ANYWHERE);
        assert!(!empty.allowed);
        assert!(empty.why.contains("default rule denies"));
        assert_eq!(empty.free_rule_number, Some(32766));
    }

    #[test]
    fn routes_take_the_most_specific() {
        let subnet = Subnet {
            id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            cidr: "10.0.1.0/24".into(),
            route_table_id: "rtb-1".into(),
            routes: vec![
                Route {
                    destination: "10.0.0.0/16".into(),
                    target: "local".into(),
                    state: "active".into(),
                },
                Route {
                    destination: "0.0.0.0/0".into(),
                    target: "nat-1".into(),
                    state: "active".into(),
                },
            ],
            network_acl_id: "acl-1".into(),
            acl_entries: vec![],
            network_acl_tags: Default::default(),
        };
        assert_eq!(
            route_to(&subnet, &cidr("10.0.5.5")).unwrap().target,
            "local"
        );
        assert_eq!(route_to(&subnet, &Cidr::ANYWHERE).unwrap().target, "nat-1");
    }
}
