//! Lambda: the rotation function's configuration, tags and resource-based policy.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::get_function::GetFunctionError;
use aws_sdk_lambda::operation::get_policy::GetPolicyError;

use super::Gatherer;
use super::errors::{incomplete, lookup_error};
use crate::actions::lambda::GET_FUNCTION;
use crate::actions::lambda::GET_POLICY;
use crate::facts::{
    Fact, FunctionFacts, LookupError, PolicyDocument, TEMPLATE_TAGS, TEMPLATE_VARIABLES,
    VpcAttachment,
};
use crate::iac::Origin;

/// `GetFunction`: the configuration, and the tags that name the template.
pub async fn get_function(gatherer: &Gatherer, arn: &str) -> Fact<FunctionFacts> {
    let request = gatherer.lambda.get_function().function_name(arn).send();
    let output = match gatherer.call(GET_FUNCTION, arn, request).await {
        Ok(output) => output,
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), GetFunctionError::ResourceNotFoundException(_)) =>
        {
            return Fact::Absent;
        }
        Err(error) => return Fact::Unavailable(lookup_error(GET_FUNCTION, &error)),
    };
    // AWS always sends the configuration of a function that exists.
    let Some(config) = output
        .configuration()
        .filter(|c| c.function_arn().is_some())
    else {
        return Fact::Unavailable(incomplete(GET_FUNCTION, "function configuration"));
    };
    let variables = config
        .environment()
        .and_then(|environment| environment.variables())
        .cloned()
        .unwrap_or_default();
    let (template, other): (Vec<_>, Vec<_>) = variables
        .into_iter()
        .partition(|(name, _)| TEMPLATE_VARIABLES.contains(&name.as_str()));
    let mut other_environment_names = other.into_iter().map(|(name, _)| name).collect::<Vec<_>>();
    other_environment_names.sort();
    Fact::Found(FunctionFacts {
        arn: config.function_arn().unwrap_or(arn).to_string(),
        name: config.function_name().unwrap_or(arn).to_string(),
        role: config.role().map(str::to_string),
        runtime: config.runtime().map(|r| r.as_str().to_string()),
        timeout: config.timeout(),
        reserved_concurrency: output
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        state: config.state().map(|s| s.as_str().to_string()),
        state_reason: config.state_reason().map(str::to_string),
        last_update_status: config.last_update_status().map(|s| s.as_str().to_string()),
        last_update_status_reason: config.last_update_status_reason().map(str::to_string),
        environment: template.into_iter().collect(),
        other_environment_names,
        template_tags: output.tags().map(template_tags).unwrap_or_default(),
        last_modified: config.last_modified().map(str::to_string),
        description: config.description().map(str::to_string),
        log_group: config
            .logging_config()
            .and_then(|logging| logging.log_group())
            .map(str::to_string),
        vpc: config
            .vpc_config()
            .filter(|vpc| !vpc.subnet_ids().is_empty())
            .map(|vpc| VpcAttachment {
                subnet_ids: vpc.subnet_ids().to_vec(),
                security_group_ids: vpc.security_group_ids().to_vec(),
            }),
    })
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
            // No policy is ResourceNotFoundException, never an empty answer.
            None => Fact::Unavailable(incomplete(GET_POLICY, "policy")),
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

/// The tags that name the function's template, and those that say where it
/// is defined; no other tag of the function's.
fn template_tags(tags: &HashMap<String, String>) -> BTreeMap<String, String> {
    let mut kept = Origin::tags_of(
        tags.iter()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    );
    kept.extend(
        tags.iter()
            .filter(|(key, _)| TEMPLATE_TAGS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone())),
    );
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_template_and_origin_tags_are_kept() {
        let tags = HashMap::from([
            (
                "serverlessrepo:applicationId".to_string(),
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser".to_string(),
            ),
            ("managed_by".to_string(), "terraform".to_string()),
            ("team".to_string(), "payments".to_string()),
        ]);
        let kept = template_tags(&tags);
        assert_eq!(
            kept.keys().map(String::as_str).collect::<Vec<_>>(),
            ["managed_by", "serverlessrepo:applicationId"]
        );
    }
}
