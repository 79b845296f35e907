//! The parts of an ARN (`arn:partition:service:region:account:resource`)
//! that fix commands and checks need.

/// The region, e.g. `us-east-1`; none for a global resource or a non-ARN.
pub fn region(arn: &str) -> Option<&str> {
    part(arn, 3)
}

/// The account id, e.g. `111122223333`.
pub fn account(arn: &str) -> Option<&str> {
    part(arn, 4)
}

/// The same ARN in another region (a replica secret's primary).
pub fn in_region(arn: &str, region: &str) -> String {
    let mut parts = arn.splitn(6, ':').collect::<Vec<_>>();
    if let Some(part) = parts.get_mut(3) {
        *part = region;
    }
    parts.join(":")
}

fn part(arn: &str, index: usize) -> Option<&str> {
    arn.split(':').nth(index).filter(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn parts() {
        let arn = "arn:aws:lambda:us-east-1:111122223333:function:rotate";
        assert_eq!(super::region(arn), Some("us-east-1"));
        assert_eq!(super::account(arn), Some("111122223333"));
        assert_eq!(super::region("arn:aws:iam::111122223333:role/x"), None);
        assert_eq!(super::region("prod/db"), None);
        assert_eq!(
            super::in_region(
                "arn:aws:secretsmanager:eu-west-1:1:secret:db:x",
                "us-east-1"
            ),
            "arn:aws:secretsmanager:us-east-1:1:secret:db:x"
        );
    }
}
