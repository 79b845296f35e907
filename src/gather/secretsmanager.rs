//! Secrets Manager: the secret's metadata and resource policy. No call here
//! reads a secret value (that is `secret_value.rs`).

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::describe_secret::{
    DescribeSecretError, DescribeSecretOutput,
};

use aws_sdk_secretsmanager::operation::get_resource_policy::GetResourcePolicyError;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};

use super::errors::{incomplete, lookup_error, unreachable};
use super::{GatherError, Gatherer, names_next, timestamp};
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::actions::secretsmanager::GET_RESOURCE_POLICY as GET_POLICY;
use crate::actions::secretsmanager::LIST_SECRETS as LIST;
use crate::facts::{Fact, LookupError, PolicyDocument, RotationRules, SecretFacts, SecretVersion};

/// `DescribeSecret`. A secret that does not exist, or an id AWS rejects, is
/// bad input; an unreachable endpoint stops everything; any other error
/// (access denied above all) leaves the secret `Unavailable` and the run goes on.
pub async fn describe_secret(
    gatherer: &Gatherer,
    secret_id: &str,
) -> Result<Fact<SecretFacts>, GatherError> {
    let result = gatherer
        .call(
            DESCRIBE,
            secret_id,
            gatherer
                .secrets
                .describe_secret()
                .secret_id(secret_id)
                .send(),
        )
        .await;
    match result {
        Ok(output) if output.arn().is_none() => Ok(Fact::Unavailable(incomplete(DESCRIBE, "ARN"))),
        Ok(output) => Ok(Fact::Found(secret_facts(secret_id, output))),
        Err(SdkError::ServiceError(error)) => match error.err() {
            DescribeSecretError::ResourceNotFoundException(_) => Err(GatherError::Input(format!(
                "secret {secret_id} not found (check its name or ARN, and the region)"
            ))),
            DescribeSecretError::InvalidParameterException(_) => Err(GatherError::Input(format!(
                "{secret_id} is not a valid secret id: {}",
                error
                    .err()
                    .message()
                    .unwrap_or("rejected by Secrets Manager")
            ))),
            other => Ok(Fact::Unavailable(LookupError {
                action: DESCRIBE.to_string(),
                code: other.code().unwrap_or("ServiceError").to_string(),
                message: other.message().unwrap_or_default().to_string(),
            })),
        },
        Err(error) => Err(unreachable(DESCRIBE, &error)),
    }
}

/// `DescribeSecret` on a secret another one refers to (a master secret):
/// that it does not exist is a finding, not bad input.
pub async fn describe_other(gatherer: &Gatherer, arn: &str) -> Fact<SecretFacts> {
    let request = gatherer.secrets.describe_secret().secret_id(arn).send();
    match gatherer.call(DESCRIBE, arn, request).await {
        Ok(output) if output.arn().is_none() => Fact::Unavailable(incomplete(DESCRIBE, "ARN")),
        Ok(output) => Fact::Found(secret_facts(arn, output)),
        Err(SdkError::ServiceError(error))
            if matches!(
                error.err(),
                DescribeSecretError::ResourceNotFoundException(_)
            ) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(lookup_error(DESCRIBE, &error)),
    }
}

/// `GetResourcePolicy`: absent when the secret has none.
pub async fn get_resource_policy(gatherer: &Gatherer, secret_id: &str) -> Fact<PolicyDocument> {
    let request = gatherer
        .secrets
        .get_resource_policy()
        .secret_id(secret_id)
        .send();
    match gatherer.call(GET_POLICY, secret_id, request).await {
        // AWS names the secret even when it has no policy.
        Ok(output) if output.arn().is_none() => Fact::Unavailable(incomplete(GET_POLICY, "ARN")),
        Ok(output) => match output.resource_policy().map(serde_json::from_str) {
            Some(Ok(document)) => Fact::Found(PolicyDocument(document)),
            Some(Err(error)) => Fact::Unavailable(LookupError {
                action: GET_POLICY.to_string(),
                code: "MalformedPolicy".to_string(),
                message: format!("the resource policy is not valid JSON: {error}"),
            }),
            None => Fact::Absent,
        },
        Err(SdkError::ServiceError(error))
            if matches!(
                error.err(),
                GetResourcePolicyError::ResourceNotFoundException(_)
            ) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(lookup_error(GET_POLICY, &error)),
    }
}

/// DescribeSecret's output and ListSecrets' entries carry the same fields
/// under the same getter names, but for the versions map: one mapping serves
/// both.
macro_rules! secret_facts {
    ($output:expr, $secret_id:expr, $versions:expr) => {{
        let output = $output;
        let mut versions = $versions
            .map(|map| {
                map.iter()
                    .map(|(id, stages)| SecretVersion {
                        id: id.clone(),
                        stages: stages.clone(),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        versions.sort_by(|a, b| a.id.cmp(&b.id));
        SecretFacts {
            arn: output.arn().unwrap_or($secret_id).to_string(),
            name: output.name().unwrap_or($secret_id).to_string(),
            kms_key_id: output.kms_key_id().map(str::to_string),
            // Absent for a secret never configured for rotation.
            rotation_enabled: output.rotation_enabled().unwrap_or(false),
            rotation_lambda_arn: output
                .rotation_lambda_arn()
                .filter(|arn| !arn.is_empty())
                .map(str::to_string),
            rotation_rules: output.rotation_rules().map(|rules| RotationRules {
                automatically_after_days: rules.automatically_after_days(),
                schedule_expression: rules.schedule_expression().map(str::to_string),
                duration: rules.duration().map(str::to_string),
            }),
            owning_service: output.owning_service().map(str::to_string),
            primary_region: output.primary_region().map(str::to_string),
            created: output.created_date().and_then(timestamp),
            last_changed: output.last_changed_date().and_then(timestamp),
            last_rotated: output.last_rotated_date().and_then(timestamp),
            next_rotation: output.next_rotation_date().and_then(timestamp),
            deleted: output.deleted_date().and_then(timestamp),
            versions,
            rds_database_arn: output
                .tags()
                .iter()
                .find(|tag| {
                    tag.key().is_some_and(|key| {
                        key.eq_ignore_ascii_case("aws:rds:primaryDBInstanceArn")
                            || key.eq_ignore_ascii_case("aws:rds:primaryDBClusterArn")
                    })
                })
                .and_then(|tag| tag.value())
                .map(str::to_string),
            tags: output
                .tags()
                .iter()
                .filter_map(|tag| Some((tag.key()?.to_string(), tag.value()?.to_string())))
                .collect(),
        }
    }};
}

fn secret_facts(secret_id: &str, output: DescribeSecretOutput) -> SecretFacts {
    secret_facts!(&output, secret_id, output.version_ids_to_stages())
}

/// Which secrets `check --all` looks at.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    /// Also secrets without rotation configured.
    pub include_unrotated: bool,
    pub name_prefix: Option<String>,
    /// Every one of these `(key, value)` tags.
    pub tags: Vec<(String, String)>,
}

/// `ListSecrets`, every page: it returns what DescribeSecret would, so the
/// listed secrets need no DescribeSecret of their own.
pub async fn list_secrets(
    gatherer: &Gatherer,
    fleet: &Fleet,
) -> Result<Vec<SecretFacts>, GatherError> {
    let mut request = gatherer.secrets.list_secrets();
    if let Some(prefix) = &fleet.name_prefix {
        let filter = Filter::builder()
            .key(FilterNameStringType::Name)
            .values(prefix)
            .build();
        request = request.filters(filter);
    }
    let pages = gatherer
        .pages(
            LIST,
            "--all",
            usize::MAX,
            request.into_paginator().send(),
            |page| names_next(page.next_token()),
        )
        .await
        .map_err(|error| unreachable(LIST, &error))?;
    Ok(pages
        .iter()
        .flat_map(|page| page.secret_list())
        .filter(|entry| fleet.include_unrotated || entry.rotation_enabled() == Some(true))
        .filter(|entry| {
            fleet.tags.iter().all(|(key, value)| {
                entry
                    .tags()
                    .iter()
                    .any(|t| t.key() == Some(key.as_str()) && t.value() == Some(value.as_str()))
            })
        })
        .map(|entry| secret_facts!(entry, "", entry.secret_versions_to_stages()))
        .collect())
}
