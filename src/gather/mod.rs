//! Gathering: AWS API calls turned into [`Facts`]. The only code that talks to AWS.
//!
//! Every call here is read-only. Calls that do not depend on each other run
//! concurrently; the longest chain for one secret is DescribeSecret, then the
//! function's configuration and policy side by side.

mod calls;
mod errors;
mod lambda;
mod secret_value;
mod secretsmanager;

use std::time::Instant;

use aws_config::SdkConfig;
use jiff::Timestamp;

pub use calls::{ApiCall, CallLog};

use crate::facts::{Fact, Facts};

/// Why gathering about a secret could not even start.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// Bad input: the secret does not exist or its id is not valid.
    #[error("{0}")]
    Input(String),
    /// rotdoctor cannot reach AWS at all (endpoint, network, credentials).
    #[error("{0}")]
    Unreachable(String),
}

/// The AWS clients facts are gathered with.
#[derive(Clone)]
pub struct Gatherer {
    secrets: aws_sdk_secretsmanager::Client,
    lambda: aws_sdk_lambda::Client,
    calls: CallLog,
}

impl Gatherer {
    pub fn new(config: &SdkConfig) -> Self {
        Gatherer {
            secrets: aws_sdk_secretsmanager::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            calls: CallLog::default(),
        }
    }

    /// Every API call made so far, for `-v`.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.calls.snapshot()
    }

    /// Gathers the facts about several secrets concurrently, in the order given.
    pub async fn gather_all(&self, secret_ids: &[String]) -> Vec<Result<Facts, GatherError>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, id) in secret_ids.iter().enumerate() {
            let gatherer = self.clone();
            let id = id.clone();
            tasks.spawn(async move { (index, gatherer.gather(&id).await) });
        }
        let mut results = Vec::with_capacity(secret_ids.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => results.push(result),
                Err(panic) => std::panic::resume_unwind(panic.into_panic()),
            }
        }
        results.sort_by_key(|(index, _)| *index);
        results.into_iter().map(|(_, result)| result).collect()
    }

    /// Gathers everything the checks need about one secret.
    pub async fn gather(&self, secret_id: &str) -> Result<Facts, GatherError> {
        let collected_at = Timestamp::now();
        let (secret, secret_value) = tokio::join!(
            secretsmanager::describe_secret(self, secret_id),
            secret_value::get_secret_value(self, secret_id),
        );
        let mut facts = Facts {
            secret_id: secret_id.to_string(),
            collected_at,
            secret: secret?,
            secret_value,
            rotation_function: Fact::NotCollected,
            function_policy: Fact::NotCollected,
        };
        let function_arn = facts
            .secret
            .found()
            .and_then(|secret| secret.rotation_lambda_arn.clone());
        if let Some(arn) = function_arn {
            let (function, policy) = tokio::join!(
                lambda::get_function(self, &arn),
                lambda::get_policy(self, &arn),
            );
            facts.rotation_function = function;
            facts.function_policy = policy;
        }
        Ok(facts)
    }

    /// Runs one API call and records how long it took.
    async fn call<T>(
        &self,
        action: &'static str,
        target: &str,
        call: impl Future<Output = T>,
    ) -> T {
        let started = Instant::now();
        let output = call.await;
        self.calls.record(action, target, started, Instant::now());
        output
    }
}

/// An SDK timestamp as ours.
fn timestamp(date: &aws_sdk_secretsmanager::primitives::DateTime) -> Option<Timestamp> {
    Timestamp::new(date.secs(), date.subsec_nanos() as i32).ok()
}
