//! Gathering: AWS API calls turned into [`Facts`]. The only code that talks to AWS.
//!
//! Every call here is read-only. Calls that do not depend on each other run
//! concurrently; the longest chain for one secret is DescribeSecret, then the
//! function's configuration and policy side by side.

mod calls;
mod errors;
mod iam;
mod kms;
mod lambda;
mod memo;
mod secret_value;
mod secretsmanager;

use std::sync::Arc;
use std::time::Instant;

use aws_config::SdkConfig;
use jiff::Timestamp;

pub use calls::{ApiCall, CallLog};

use crate::facts::{
    Fact, Facts, FunctionFacts, KeyFacts, LookupError, MasterSecretFacts, NamedPolicy,
    PolicyDocument, RoleFacts,
};
use memo::Memo;

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
    iam: aws_sdk_iam::Client,
    kms: aws_sdk_kms::Client,
    shared: Arc<Shared>,
    calls: CallLog,
}

/// Facts several secrets may share, fetched once per run.
#[derive(Default)]
struct Shared {
    functions: Memo<Fact<FunctionFacts>>,
    function_policies: Memo<Fact<PolicyDocument>>,
    roles: Memo<Fact<RoleFacts>>,
    managed_policies: Memo<Result<NamedPolicy, LookupError>>,
    keys: Memo<Fact<KeyFacts>>,
}

impl Gatherer {
    pub fn new(config: &SdkConfig) -> Self {
        Gatherer {
            secrets: aws_sdk_secretsmanager::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            shared: Arc::default(),
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

    /// Gathers everything the checks need about one secret. The longest
    /// chain: DescribeSecret, GetFunction, ListAttachedRolePolicies,
    /// GetPolicy, GetPolicyVersion.
    pub async fn gather(&self, secret_id: &str) -> Result<Facts, GatherError> {
        let collected_at = Timestamp::now();
        let (secret, secret_value, secret_policy) = tokio::join!(
            secretsmanager::describe_secret(self, secret_id),
            secret_value::get_secret_value(self, secret_id),
            secretsmanager::get_resource_policy(self, secret_id),
        );
        let secret = secret?;
        let found = secret.found();
        let function_arn = found.and_then(|s| s.rotation_lambda_arn.clone());
        let key_id = found.and_then(|s| s.customer_key().map(str::to_string));
        let masterarn = match secret_value.found() {
            Some(crate::facts::SecretShape::Object(object)) => object.masterarn.clone(),
            _ => None,
        };

        let function_and_role = async {
            let Some(arn) = &function_arn else {
                return (Fact::NotCollected, Fact::NotCollected);
            };
            let function = self
                .shared
                .functions
                .get(arn, lambda::get_function(self, arn))
                .await;
            let role = match function.found().and_then(|f| f.role.clone()) {
                Some(role) => {
                    let fetch = Box::pin(iam::role(self, &role));
                    self.shared.roles.get(&role, fetch).await
                }
                None => Fact::NotCollected,
            };
            (function, role)
        };
        let function_policy = async {
            match &function_arn {
                Some(arn) => {
                    self.shared
                        .function_policies
                        .get(arn, lambda::get_policy(self, arn))
                        .await
                }
                None => Fact::NotCollected,
            }
        };
        let secret_key = async {
            match &key_id {
                Some(key) => kms::key(self, key).await,
                None => Fact::NotCollected,
            }
        };
        let master_secret = async {
            match &masterarn {
                Some(arn) => Box::pin(self.master_secret(arn)).await,
                None => Fact::NotCollected,
            }
        };
        let ((rotation_function, rotation_role), function_policy, secret_key, master_secret) = tokio::join!(
            function_and_role,
            function_policy,
            secret_key,
            master_secret
        );

        Ok(Facts {
            secret_id: secret_id.to_string(),
            collected_at,
            secret,
            secret_value,
            rotation_function,
            function_policy,
            rotation_role,
            secret_policy,
            secret_key,
            master_secret,
        })
    }

    async fn master_secret(&self, masterarn: &str) -> Fact<MasterSecretFacts> {
        let (secret, policy) = tokio::join!(
            secretsmanager::describe_other(self, masterarn),
            secretsmanager::get_resource_policy(self, masterarn),
        );
        let key = match secret.found().and_then(|s| s.customer_key()) {
            Some(key) => kms::key(self, key).await,
            None => Fact::NotCollected,
        };
        // A master secret that does not exist has no policy or key to speak of.
        let (policy, key) = match secret {
            Fact::Absent => (Fact::NotCollected, Fact::NotCollected),
            _ => (policy, key),
        };
        Fact::Found(MasterSecretFacts {
            masterarn: masterarn.to_string(),
            secret,
            policy,
            key,
        })
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
