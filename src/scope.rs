//! Where a scan runs: the accounts of `--accounts` (each through a role
//! rotdoctor assumes) and the Regions of `--regions`, each pair checked on
//! its own, so that one failing does not stop the others.

use std::collections::BTreeSet;

use serde::Deserialize;

/// One account of an accounts file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Its Regions, when they differ from `--regions`.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The role to assume there, when it differs from `--role-name`.
    #[serde(default)]
    pub role_name: Option<String>,
    /// Whether its secrets are read through the role: not in the caller's
    /// own account.
    #[serde(skip, default = "yes")]
    pub assume: bool,
}

fn yes() -> bool {
    true
}

/// Reads an accounts file: a JSON array of `{"id", "name", "regions",
/// "role_name"}`, or lines of `id[,name[,regions separated by spaces[,role
/// name]]]`, with `#` comments and blank lines ignored.
pub fn parse_accounts(text: &str) -> Result<Vec<Account>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let accounts = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<Account>>(text).map_err(|e| e.to_string())?
    } else {
        text.lines()
            .enumerate()
            .map(|(n, line)| (n + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
            .map(|(n, line)| account_line(line).map_err(|why| format!("line {n}: {why}")))
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut seen = BTreeSet::new();
    for account in &accounts {
        if account.id.len() != 12 || !account.id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{:?} is not a 12-digit account id", account.id));
        }
        if !seen.insert(&account.id) {
            return Err(format!("account {} is listed twice", account.id));
        }
        if let Some(region) = account.regions.iter().find(|r| !is_region_name(r)) {
            return Err(format!("{region:?} is not a Region name"));
        }
    }
    if accounts.is_empty() {
        return Err("it lists no account".to_string());
    }
    Ok(accounts)
}

fn account_line(line: &str) -> Result<Account, String> {
    let mut fields = line.split(',').map(str::trim);
    let id = fields.next().unwrap_or_default().to_string();
    let name = fields.next().filter(|f| !f.is_empty()).map(str::to_string);
    let regions = fields
        .next()
        .map(|f| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let role_name = fields.next().filter(|f| !f.is_empty()).map(str::to_string);
    if fields.next().is_some() {
        return Err("more than four fields (id, name, regions, role name)".to_string());
    }
    Ok(Account {
        id,
        name,
        regions,
        role_name,
        assume: true,
    })
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: letters,
/// digits and dashes, ending in a digit.
pub fn is_region_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().last().is_some_and(|b| b.is_ascii_digit())
        && name.contains('-')
}

/// The ARN of a role in an account, in the partition of `region`.
pub fn role_arn(account: &str, role_name: &str, region: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// How one account and Region are named in headings.
pub fn label(account: Option<&str>, name: Option<&str>, region: &str) -> String {
    match (account, name) {
        (Some(account), Some(name)) => format!("{name} {account} {region}"),
        (Some(account), None) => format!("{account} {region}"),
        _ => region.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_json_read_the_same() {
        let lines =
            "# prod accounts\n111122223333\n444455556666, payments, us-east-1 eu-west-1, Auditor\n";
        let json = r#"[{"id": "111122223333"},
            {"id": "444455556666", "name": "payments", "regions": ["us-east-1", "eu-west-1"], "role_name": "Auditor"}]"#;
        let from_lines = parse_accounts(lines).unwrap();
        assert_eq!(from_lines, parse_accounts(json).unwrap());
        assert_eq!(from_lines[1].regions, ["us-east-1", "eu-west-1"]);
        assert_eq!(from_lines[1].role_name.as_deref(), Some("Auditor"));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse_accounts("12345").unwrap_err().contains("12-digit"));
        assert!(
            parse_accounts("111122223333\n111122223333")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            parse_accounts("111122223333,a,moon-base")
                .unwrap_err()
                .contains("Region")
        );
        assert!(
            parse_accounts("# nothing\n")
                .unwrap_err()
                .contains("no account")
        );
        assert!(
            parse_accounts("111122223333,a,b,c,d")
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn roles_are_in_the_regions_partition() {
        assert_eq!(
            role_arn("111122223333", "Auditor", "cn-north-1"),
            "arn:aws-cn:iam::111122223333:role/Auditor"
        );
        assert_eq!(
            role_arn("111122223333", "Auditor", "eu-west-1"),
            "arn:aws:iam::111122223333:role/Auditor"
        );
    }
}
