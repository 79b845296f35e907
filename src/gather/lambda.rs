//! Lambda: the rotation function's configuration and resource-based policy.

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationError;
use aws_sdk_lambda::operation::get_policy::GetPolicyError;

use super::Gatherer;
use super::errors::lookup_error;
use crate::facts::{Fact, FunctionFacts, LookupError, PolicyDocument};

const GET_FUNCTION: &str = "lambda:GetFunctionConfiguration";
const GET_POLICY: &str = "lambda:GetPolicy";

pub async fn get_function_configuration(gatherer: &Gatherer, arn: &str) -> Fact<FunctionFacts> {
    let request = gatherer
        .lambda
        .get_function_configuration()
        .function_name(arn)
        .send();
    match gatherer.call(GET_FUNCTION, arn, request).await {
        Ok(output) => Fact::Found(FunctionFacts {
            arn: output.function_arn().unwrap_or(arn).to_string(),
            name: output.function_name().unwrap_or(arn).to_string(),
            role: output.role().map(str::to_string),
            runtime: output.runtime().map(|r| r.as_str().to_string()),
            state: output.state().map(|s| s.as_str().to_string()),
            state_reason: output.state_reason().map(str::to_string),
            last_update_status: output.last_update_status().map(|s| s.as_str().to_string()),
            last_update_status_reason: output.last_update_status_reason().map(str::to_string),
        }),
        Err(SdkError::ServiceError(error))
            if matches!(
                error.err(),
                GetFunctionConfigurationError::ResourceNotFoundException(_)
            ) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(lookup_error(GET_FUNCTION, &error)),
    }
}

pub async fn get_policy(gatherer: &Gatherer, arn: &str) -> Fact<PolicyDocument> {
    let request = gatherer.lambda.get_policy().function_name(arn).send();
    match gatherer.call(GET_POLICY, arn, request).await {
        Ok(output) => match output.policy().map(serde_json::from_str) {
            Some(Ok(document)) => Fact::Found(PolicyDocument(document)),
            Some(Err(error)) => Fact::Unavailable(LookupError {
                action: GET_POLICY.to_string(),
                code: "MalformedPolicy".to_string(),
                message: format!("the policy is not valid JSON: {error}"),
            }),
            None => Fact::Absent,
        },
        // The function has no resource-based policy (or does not exist).
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), GetPolicyError::ResourceNotFoundException(_)) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(lookup_error(GET_POLICY, &error)),
    }
}
