//! The AWS configuration, resolved the way the AWS CLI resolves it.
//!
//! The SDK's default chain gives `AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`), profiles, SSO and
//! `credential_process` with no code of ours; the flags override them.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::{ProvideCredentials, SharedCredentialsProvider};

/// The flags that say which account, region and endpoint to talk to.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// Use this named profile from the AWS config files [env: AWS_PROFILE]
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The region of the secrets [env: AWS_REGION]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS request to this URL (an emulator, a VPC endpoint) [env: AWS_ENDPOINT_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Give up on an AWS call that has not answered, retries included, after this many seconds
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// `--timeout`'s default: far above any healthy AWS call, short enough that a
/// stuck connection does not stall a CI gate.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 60;
/// A TCP or TLS connection that takes longer is not coming.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

static CALL_TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// The time one AWS call may take, retries included (`--timeout`).
pub fn call_timeout() -> Duration {
    *CALL_TIMEOUT.get_or_init(|| Duration::from_secs(DEFAULT_TIMEOUT_SECONDS))
}

/// Why rotdoctor cannot talk to AWS at all.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no AWS region: pass --region, set AWS_REGION, or set a region in your profile")]
    NoRegion,
    #[error(
        "no AWS credentials: {0}; set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    NoCredentials(String),
}

/// Loads the configuration and makes sure it has a region and credentials,
/// so that a missing one is reported once, clearly, before any call.
pub async fn load(args: &AwsArgs) -> Result<SdkConfig, ConfigError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let timeout = Duration::from_secs(args.timeout);
    let _ = CALL_TIMEOUT.set(timeout);
    loader = loader.timeout_config(timeout_config(timeout));
    let config = loader.load().await;
    let retries = retry_config(
        config.retry_config(),
        std::env::var_os("AWS_RETRY_MODE").is_some()
            || std::env::var_os("AWS_MAX_ATTEMPTS").is_some(),
    );
    let config = config.into_builder().retry_config(retries).build();
    if config.region().is_none() {
        return Err(ConfigError::NoRegion);
    }
    let Some(credentials) = config.credentials_provider() else {
        return Err(ConfigError::NoCredentials(
            "no credentials provider".to_string(),
        ));
    };
    let provided = tokio::time::timeout(timeout, credentials.provide_credentials()).await;
    let Ok(provided) = provided else {
        return Err(ConfigError::NoCredentials(format!(
            "the credential chain did not answer within {} s",
            timeout.as_secs()
        )));
    };
    if let Err(error) = provided {
        // The chain explains every provider it tried, one per line: keep the gist.
        let cause = innermost_cause(&error);
        let gist = cause
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches(". Attempted:");
        return Err(ConfigError::NoCredentials(gist.to_string()));
    }
    Ok(config)
}

/// Credentials of `role_arn`, assumed with the base ones. One provider per
/// account, shared by its Regions' configurations: their clients share the
/// SDK's identity cache, so the role is assumed once and refreshed before
/// it expires. CloudTrail shows the session as rotdoctor's.
pub async fn assumed_role(
    base: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
) -> SharedCredentialsProvider {
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(format!("rotdoctor-{}", jiff::Timestamp::now().as_second()))
        .configure(base);
    if let Some(id) = external_id {
        provider = provider.external_id(id);
    }
    SharedCredentialsProvider::new(provider.build().await)
}

/// The configuration for one account and Region of a scan: the base one in
/// `region`, with another account's credentials when given.
pub fn scoped(
    base: &SdkConfig,
    region: &str,
    credentials: Option<&SharedCredentialsProvider>,
) -> SdkConfig {
    let mut config = base.to_builder().region(Region::new(region.to_string()));
    if let Some(credentials) = credentials {
        config = config.credentials_provider(credentials.clone());
    }
    config.build()
}

/// The caller's account (`sts:GetCallerIdentity`, which needs no
/// permission); `None` when STS does not answer.
pub async fn own_account(base: &SdkConfig) -> Option<String> {
    let sts = aws_sdk_sts::Client::new(base);
    let identity = sts.get_caller_identity().send().await.ok()?;
    identity.account().map(str::to_string)
}

/// The organization's active accounts (`organizations:ListAccounts`).
pub async fn organization_accounts(base: &SdkConfig) -> Result<Vec<crate::scope::Account>, String> {
    use aws_sdk_organizations::types::AccountStatus;
    let organizations = aws_sdk_organizations::Client::new(base);
    let pages = organizations
        .list_accounts()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|error| {
            format!(
                "cannot list the organization's accounts ({}); run from the management account or a delegated administrator",
                innermost_cause(&error)
            )
        })?;
    let accounts = pages
        .into_iter()
        .flat_map(|page| page.accounts.unwrap_or_default())
        .filter(|account| account.status() == Some(&AccountStatus::Active))
        .filter_map(|account| {
            Some(crate::scope::Account {
                id: account.id()?.to_string(),
                name: account.name().map(str::to_string),
                regions: Vec::new(),
                role_name: None,
                assume: true,
            })
        })
        .collect::<Vec<_>>();
    if accounts.is_empty() {
        return Err(
            "the organization lists no active account; run from the management account or a delegated administrator"
                .to_string(),
        );
    }
    Ok(accounts)
}

/// Every call, every attempt and every read is bounded: a connection that
/// is accepted and never answered makes its call fail (its fact `error`)
/// instead of stalling the run.
fn timeout_config(timeout: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .read_timeout(timeout)
        .operation_attempt_timeout(timeout)
        .operation_timeout(timeout)
        .build()
}

/// How many attempts a call gets when the user sets none: at 30% of
/// requests throttled, 3 attempts (the SDK's default) leave about one call
/// in 40 failed, 10 leave about one in 170,000. The whole call, retries
/// included, stays bounded by `--timeout`.
const DEFAULT_ATTEMPTS: u32 = 10;

/// Standard retries with more attempts than the SDK's default, unless
/// `AWS_RETRY_MODE` or `AWS_MAX_ATTEMPTS` says otherwise. Standard, not
/// adaptive: adaptive mode measured 9 to 30 times slower at 30% throttling,
/// and still failed calls at 3 attempts. A call that still fails makes its
/// fact unavailable: an `error`, never a wrong verdict.
fn retry_config(loaded: Option<&RetryConfig>, set_by_user: bool) -> RetryConfig {
    let loaded = loaded.cloned().unwrap_or_else(RetryConfig::standard);
    if set_by_user {
        loaded
    } else {
        loaded
            .with_retry_mode(RetryMode::Standard)
            .with_max_attempts(DEFAULT_ATTEMPTS)
    }
}

/// The innermost cause of an SDK error, which says what actually went wrong
/// ("Connection refused") where the outer ones only say "dispatch failure".
pub fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost: &dyn std::error::Error = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_standard_with_ten_attempts_unless_the_user_sets_them() {
        let chosen = retry_config(Some(&RetryConfig::adaptive()), false);
        assert_eq!(chosen.mode(), RetryMode::Standard);
        assert_eq!(chosen.max_attempts(), DEFAULT_ATTEMPTS);
        let loaded = RetryConfig::adaptive().with_max_attempts(5);
        assert_eq!(retry_config(Some(&loaded), true), loaded);
        assert_eq!(retry_config(None, false).max_attempts(), DEFAULT_ATTEMPTS);
    }
}
