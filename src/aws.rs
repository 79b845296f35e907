//! The AWS configuration, resolved the way the AWS CLI resolves it.
//!
//! The SDK's default chain gives `AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`), profiles, SSO and
//! `credential_process` with no code of ours; the flags override them.

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

/// The innermost cause of an SDK error, which says what actually went wrong
/// ("Connection refused") where the outer ones only say "dispatch failure".
pub fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost: &dyn std::error::Error = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}
