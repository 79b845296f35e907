//! CloudFormation: which CDK construct made a stack's resource, from the
//! `aws:cdk:path` metadata CDK writes into the templates it synthesizes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_sdk_cloudformation::error::SdkError;

use super::Gatherer;
use super::errors::lookup_error;
use crate::actions::cloudformation::GET_TEMPLATE;
use crate::facts::{Fact, LookupError};

/// Every construct path in a stack's template, by logical id.
pub type StackPaths = Fact<Arc<BTreeMap<String, String>>>;

/// For each stack, the construct paths of the logical ids asked about:
/// each template read once per run, and nothing of it kept but the paths.
pub async fn construct_paths(
    gatherer: &Gatherer,
    wanted: BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, Fact<BTreeMap<String, String>>> {
    let lookups = wanted.into_iter().map(|(stack, logical_ids)| async move {
        let paths = gatherer
            .shared
            .templates
            .get(&stack, template_paths(gatherer, &stack))
            .await;
        let paths = match paths {
            Fact::Found(paths) => Fact::Found(
                paths
                    .iter()
                    .filter(|(id, _)| logical_ids.contains(*id))
                    .map(|(id, path)| (id.clone(), path.clone()))
                    .collect(),
            ),
            Fact::Absent => Fact::Absent,
            Fact::NotCollected => Fact::NotCollected,
            Fact::Unavailable(error) => Fact::Unavailable(error),
        };
        (stack, paths)
    });
    futures_util::future::join_all(lookups)
        .await
        .into_iter()
        .collect()
}

async fn template_paths(gatherer: &Gatherer, stack: &str) -> StackPaths {
    let request = gatherer
        .cloudformation
        .get_template()
        .stack_name(stack)
        .send();
    match gatherer.call(GET_TEMPLATE, stack, request).await {
        Ok(output) => Fact::Found(Arc::new(
            output.template_body().map(paths_in).unwrap_or_default(),
        )),
        // The stack the tags name is gone ("Stack with id ... does not exist").
        Err(SdkError::ServiceError(error))
            if aws_sdk_cloudformation::error::ProvideErrorMetadata::code(error.err())
                == Some("ValidationError") =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(unquoted(lookup_error(GET_TEMPLATE, &error))),
    }
}

/// An answer the SDK could not read is not quoted: a template may hold
/// secret values in its literals.
fn unquoted(mut error: LookupError) -> LookupError {
    if error.code == "Response" {
        error.message = format!(
            "could not read the answer of {GET_TEMPLATE} (not quoted: a template may hold secret values)"
        );
    }
    error
}

/// `Resources.<logical id>.Metadata["aws:cdk:path"]` of a template. CDK
/// deploys JSON; a template that is not JSON was not synthesized by it.
fn paths_in(body: &str) -> BTreeMap<String, String> {
    let Ok(template) = serde_json::from_str::<serde_json::Value>(body) else {
        return BTreeMap::new();
    };
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(id, resource)| {
            let path = resource["Metadata"]["aws:cdk:path"].as_str()?;
            Some((id.clone(), path.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_come_from_each_resources_metadata() {
        let body = r#"{"Resources": {
            "RotationRoleA1B2C3": {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": "orders-db/RotationRole/Resource"}},
            "Handwritten": {"Type": "AWS::SNS::Topic"},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Metadata": {"aws:cdk:path": "orders-db/CDKMetadata/Default"}}
        }}"#;
        let paths = paths_in(body);
        assert_eq!(
            paths.get("RotationRoleA1B2C3").map(String::as_str),
            Some("orders-db/RotationRole/Resource")
        );
        assert!(!paths.contains_key("Handwritten"));
        assert!(paths_in("Resources:\n  Role:\n    Type: AWS::IAM::Role\n").is_empty());
    }
}
