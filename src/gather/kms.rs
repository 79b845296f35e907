//! KMS: a secret's customer managed key, its state and its key policy.

use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::describe_key::DescribeKeyError;
use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyError;

use super::Gatherer;
use super::errors::lookup_error;
use crate::actions::kms::DESCRIBE_KEY;
use crate::actions::kms::GET_KEY_POLICY;
use crate::facts::{Fact, KeyFacts, LookupError, PolicyDocument};

/// The key, fetched once per run.
pub async fn key(gatherer: &Gatherer, key_id: &str) -> Fact<KeyFacts> {
    gatherer
        .shared
        .keys
        .get(key_id, fetch(gatherer, key_id))
        .await
}

async fn fetch(gatherer: &Gatherer, key_id: &str) -> Fact<KeyFacts> {
    let request = gatherer.kms.describe_key().key_id(key_id).send();
    let metadata = match gatherer.call(DESCRIBE_KEY, key_id, request).await {
        Ok(output) => match output.key_metadata() {
            Some(metadata) => metadata.clone(),
            None => return Fact::Absent,
        },
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), DescribeKeyError::NotFoundException(_)) =>
        {
            return Fact::Absent;
        }
        Err(error) => return Fact::Unavailable(lookup_error(DESCRIBE_KEY, &error)),
    };
    let arn = metadata.arn().unwrap_or(key_id).to_string();
    let request = gatherer
        .kms
        .get_key_policy()
        .key_id(&arn)
        .policy_name("default")
        .send();
    let policy = match gatherer.call(GET_KEY_POLICY, &arn, request).await {
        Ok(output) => match output.policy().map(serde_json::from_str) {
            Some(Ok(document)) => Fact::Found(PolicyDocument(document)),
            Some(Err(error)) => Fact::Unavailable(LookupError {
                action: GET_KEY_POLICY.to_string(),
                code: "MalformedPolicy".to_string(),
                message: format!("the key policy is not valid JSON: {error}"),
            }),
            None => Fact::Absent,
        },
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), GetKeyPolicyError::NotFoundException(_)) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(lookup_error(GET_KEY_POLICY, &error)),
    };
    Fact::Found(KeyFacts {
        arn,
        manager: metadata
            .key_manager()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        state: metadata
            .key_state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        policy,
    })
}
