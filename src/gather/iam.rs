//! IAM: the rotation function's role, and every policy attached to it.

use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::operation::get_role::GetRoleError;
use futures_util::future::join_all;

use super::errors::lookup_error;
use super::{Gatherer, names_next};
use crate::actions::iam::GET_POLICY;
use crate::actions::iam::GET_POLICY_VERSION as GET_VERSION;
use crate::actions::iam::GET_ROLE;
use crate::actions::iam::GET_ROLE_POLICY as GET_INLINE;
use crate::actions::iam::LIST_ATTACHED_ROLE_POLICIES as LIST_ATTACHED;
use crate::actions::iam::LIST_ROLE_POLICIES as LIST_INLINE;
use crate::facts::{Fact, LookupError, NamedPolicy, RoleFacts};

/// The role and its policies. Any policy rotdoctor cannot read makes the
/// whole role unavailable: deciding on part of the policies could be wrong.
pub async fn role(gatherer: &Gatherer, role_arn: &str) -> Fact<RoleFacts> {
    let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let iam = &gatherer.iam;
    let (role, inline_names, attached) = tokio::join!(
        gatherer.call(GET_ROLE, name, iam.get_role().role_name(name).send()),
        gatherer.pages(
            LIST_INLINE,
            name,
            usize::MAX,
            iam.list_role_policies()
                .role_name(name)
                .into_paginator()
                .send(),
            |page| names_next(page.marker())
        ),
        gatherer.pages(
            LIST_ATTACHED,
            name,
            usize::MAX,
            iam.list_attached_role_policies()
                .role_name(name)
                .into_paginator()
                .send(),
            |page| names_next(page.marker())
        ),
    );
    let role = match role {
        Ok(output) => output,
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), GetRoleError::NoSuchEntityException(_)) =>
        {
            return Fact::Absent;
        }
        Err(error) => return Fact::Unavailable(lookup_error(GET_ROLE, &error)),
    };
    let Some(role) = role.role() else {
        return Fact::Absent;
    };
    let inline_names = match inline_names {
        Ok(pages) => pages
            .into_iter()
            .flat_map(|page| page.policy_names)
            .collect::<Vec<_>>(),
        Err(error) => return Fact::Unavailable(lookup_error(LIST_INLINE, &error)),
    };
    let attached = match attached {
        Ok(pages) => pages
            .into_iter()
            .flat_map(|page| page.attached_policies.unwrap_or_default())
            .collect::<Vec<_>>(),
        Err(error) => return Fact::Unavailable(lookup_error(LIST_ATTACHED, &error)),
    };
    let boundary_arn = role
        .permissions_boundary()
        .and_then(|boundary| boundary.permissions_boundary_arn());

    let inline = join_all(
        inline_names
            .iter()
            .map(|policy| inline_policy(gatherer, name, policy)),
    );
    let managed = join_all(
        attached
            .iter()
            .filter_map(|policy| policy.policy_arn())
            .map(|arn| managed_policy(gatherer, arn)),
    );
    let boundary = async {
        match boundary_arn {
            Some(arn) => Some(managed_policy(gatherer, arn).await),
            None => None,
        }
    };
    let (inline, managed, boundary) = tokio::join!(inline, managed, boundary);
    let policies = inline
        .into_iter()
        .chain(managed)
        .collect::<Result<Vec<_>, _>>();
    match (policies, boundary.transpose()) {
        (Ok(policies), Ok(permissions_boundary)) => Fact::Found(RoleFacts {
            arn: role.arn().to_string(),
            name: role.role_name().to_string(),
            policies,
            permissions_boundary,
            tags: role
                .tags()
                .iter()
                .map(|tag| (tag.key().to_string(), tag.value().to_string()))
                .collect(),
        }),
        (Err(error), _) | (_, Err(error)) => Fact::Unavailable(error),
    }
}

async fn inline_policy(
    gatherer: &Gatherer,
    role: &str,
    policy: &str,
) -> Result<NamedPolicy, LookupError> {
    let request = gatherer
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send();
    let output = gatherer
        .call(GET_INLINE, policy, request)
        .await
        .map_err(|error| lookup_error(GET_INLINE, &error))?;
    Ok(NamedPolicy {
        name: format!("inline policy {policy}"),
        arn: None,
        document: document(GET_INLINE, output.policy_document())?,
    })
}

/// A managed policy's default version, fetched once per run.
async fn managed_policy(gatherer: &Gatherer, arn: &str) -> Result<NamedPolicy, LookupError> {
    let fetch = async {
        let request = gatherer.iam.get_policy().policy_arn(arn).send();
        let policy = gatherer
            .call(GET_POLICY, arn, request)
            .await
            .map_err(|error| lookup_error(GET_POLICY, &error))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1");
        let request = gatherer
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send();
        let output = gatherer
            .call(GET_VERSION, arn, request)
            .await
            .map_err(|error| lookup_error(GET_VERSION, &error))?;
        let text = output
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or("{}");
        Ok(NamedPolicy {
            name: format!("managed policy {}", arn.rsplit('/').next().unwrap_or(arn)),
            arn: Some(arn.to_string()),
            document: document(GET_VERSION, text)?,
        })
    };
    gatherer.shared.managed_policies.get(arn, fetch).await
}

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators return
/// them as plain JSON, so decode only what is encoded.
fn document(action: &str, text: &str) -> Result<serde_json::Value, LookupError> {
    let decoded = if text.trim_start().starts_with('{') {
        text.to_string()
    } else {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    serde_json::from_str(&decoded).map_err(|error| LookupError {
        action: action.to_string(),
        code: "MalformedPolicy".to_string(),
        message: format!("the policy document is not valid JSON: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_only_when_encoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            document(GET_INLINE, encoded).unwrap()["Version"],
            "2012-10-17"
        );
        // A literal % in plain JSON stays as it is.
        let plain = r#"{"Statement":[{"Sid":"100%","Effect":"Allow"}]}"#;
        assert_eq!(
            document(GET_VERSION, plain).unwrap()["Statement"][0]["Sid"],
            "100%"
        );
    }
}
