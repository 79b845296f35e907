//! The AWS configuration, resolved the way the AWS CLI resolves it.
//!
//! The SDK's default chain gives `AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`), profiles, SSO and
//! `credential_process` with no code of ours; the flags override them.

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::ProvideCredentials;

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
    let config = loader.load().await;
    let retries = retry_config(
        config.retry_config(),
        std::env::var_os("AWS_RETRY_MODE").is_some(),
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
    if let Err(error) = credentials.provide_credentials().await {
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

/// Adaptive retries unless `AWS_RETRY_MODE` says otherwise: on throttling
/// they slow every client down instead of spending their attempts, which a
/// fleet scan needs. The number of attempts stays the user's
/// (`AWS_MAX_ATTEMPTS`, `max_attempts`, 3 by default). A call that still
/// fails makes its fact unavailable: an `error`, never a wrong verdict.
fn retry_config(loaded: Option<&RetryConfig>, mode_set_by_user: bool) -> RetryConfig {
    let loaded = loaded.cloned().unwrap_or_else(RetryConfig::standard);
    if mode_set_by_user {
        loaded
    } else {
        loaded.with_retry_mode(RetryMode::Adaptive)
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
    fn retries_are_adaptive_unless_the_user_picks_a_mode() {
        let loaded = RetryConfig::standard().with_max_attempts(5);
        let chosen = retry_config(Some(&loaded), false);
        assert_eq!(chosen.mode(), RetryMode::Adaptive);
        assert_eq!(chosen.max_attempts(), 5, "the user's attempts are kept");
        assert_eq!(retry_config(Some(&loaded), true), loaded);
        assert_eq!(retry_config(None, false).mode(), RetryMode::Adaptive);
    }
}
