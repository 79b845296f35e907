//! `check --security-hub`: the ASFF findings imported into Security Hub
//! with BatchImportFindings, each into its secret's own account and Region
//! (the account's default product takes only its own findings), 100 a call
//! and within the rate budget's share of the API's 10 calls a second. This
//! and the on-failure function's SNS message are rotdoctor's only writes.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::config::SharedCredentialsProvider;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};

use crate::actions::securityhub::BATCH_IMPORT_FINDINGS;
use crate::gather::Budget;
use crate::report::asff::{AsffFinding, BATCH_MAX};

/// The account and Region whose Security Hub takes a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Destination {
    pub account: String,
    pub region: String,
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.account, self.region)
    }
}

/// The findings, by the Security Hub that takes them.
fn by_destination(findings: Vec<AsffFinding>) -> BTreeMap<Destination, Vec<AsffFinding>> {
    let mut grouped = BTreeMap::<Destination, Vec<AsffFinding>>::new();
    for finding in findings {
        let destination = Destination {
            account: finding.aws_account_id.clone(),
            region: finding.region().to_string(),
        };
        grouped.entry(destination).or_default().push(finding);
    }
    grouped
}

/// Imports every finding into its destination, all destinations at once:
/// each with the base configuration in its Region, and the account's
/// assumed role where `assumed` has one. One outcome per destination.
pub async fn import_all(
    base: &SdkConfig,
    findings: Vec<AsffFinding>,
    assumed: &BTreeMap<String, SharedCredentialsProvider>,
) -> Vec<(Destination, Result<usize, String>)> {
    let imports = by_destination(findings).into_iter().map(|(to, findings)| {
        let config = crate::aws::scoped(base, &to.region, assumed.get(&to.account));
        // Quotas are per account and Region: a budget for each.
        let budget = Budget::new(crate::gather::DEFAULT_SHARE_PERCENT);
        async move {
            let outcome = import(&config, &findings, &budget).await;
            (to, outcome)
        }
    });
    futures_util::future::join_all(imports).await
}

/// Imports one destination's findings (`config` is scoped to it); `Ok`
/// with how many were imported, or what Security Hub refused.
async fn import(
    config: &SdkConfig,
    findings: &[AsffFinding],
    budget: &Budget,
) -> Result<usize, String> {
    let client = aws_sdk_securityhub::Client::new(config);
    let mut imported = 0;
    for batch in findings.chunks(BATCH_MAX) {
        budget.spend(BATCH_IMPORT_FINDINGS).await;
        let answer = client
            .batch_import_findings()
            .set_findings(Some(batch.iter().map(sdk_finding).collect()))
            .send()
            .await
            .map_err(|error| {
                format!(
                    "{BATCH_IMPORT_FINDINGS}: {} ({imported} of {} imported)",
                    crate::aws::innermost_cause(&error),
                    findings.len()
                )
            })?;
        imported += usize::try_from(answer.success_count().unwrap_or(0)).unwrap_or(0);
        if let Some(refused) = answer.failed_findings().first() {
            return Err(format!(
                "{BATCH_IMPORT_FINDINGS} refused {} of {} findings, first {}: {} {}",
                answer.failed_count().unwrap_or(0),
                batch.len(),
                refused.id().unwrap_or("?"),
                refused.error_code().unwrap_or(""),
                refused.error_message().unwrap_or(""),
            ));
        }
    }
    Ok(imported)
}

/// The SDK's form of the finding: the same fields, field by field.
fn sdk_finding(finding: &AsffFinding) -> AwsSecurityFinding {
    let recommendation = &finding.remediation.recommendation;
    let mut built = AwsSecurityFinding::builder()
        .schema_version(finding.schema_version)
        .id(&finding.id)
        .product_arn(&finding.product_arn)
        .generator_id(&finding.generator_id)
        .aws_account_id(&finding.aws_account_id)
        .created_at(&finding.created_at)
        .updated_at(&finding.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(finding.severity.label))
                .build(),
        )
        .title(&finding.title)
        .description(&finding.description)
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(&recommendation.text)
                        .set_url(recommendation.url.map(str::to_string))
                        .build(),
                )
                .build(),
        )
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(finding.compliance.status))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(finding.workflow.status))
                .build(),
        )
        .record_state(RecordState::from(finding.record_state));
    for kind in &finding.types {
        built = built.types(*kind);
    }
    for (key, value) in &finding.product_fields {
        built = built.product_fields(*key, value);
    }
    for resource in &finding.resources {
        built = built.resources(
            Resource::builder()
                .r#type(resource.kind)
                .id(&resource.id)
                .partition(Partition::from(resource.partition.as_str()))
                .region(&resource.region)
                .build(),
        );
    }
    built.build()
}
