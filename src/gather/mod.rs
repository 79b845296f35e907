//! Gathering: AWS API calls turned into [`Facts`]. The only code that talks to AWS.
//!
//! Every call here is read-only. Calls that do not depend on each other run
//! concurrently, and each starts as soon as the facts it needs are known.

mod budget;
mod calls;
mod cloudformation;
mod cloudtrail;
mod ec2;
mod errors;
mod iam;
mod kms;
mod lambda;
mod logs;
mod memo;
mod rds;
mod secret_value;
mod secretsmanager;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use aws_config::SdkConfig;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use jiff::Timestamp;
use tokio::sync::oneshot;

pub use budget::{Budget, DEFAULT_SHARE_PERCENT};
pub use calls::{ApiCall, CallLog};
pub use secretsmanager::Fleet;

use crate::facts::{
    DatabaseParameters, Fact, Facts, FunctionFacts, FunctionLog, KeyFacts, LookupError,
    MasterSecretFacts, NamedPolicy, NetworkFacts, PolicyDocument, RoleFacts, SecretFacts,
    SecretShape, TrailEvent, rds_managed_database,
};
use crate::{checks, reads};
use memo::Memo;

/// A finished gathering task: the secret's position, and its facts.
type Joined = Result<(usize, Result<Facts, GatherError>), tokio::task::JoinError>;

/// A secret to gather facts about.
#[derive(Debug, Clone)]
pub enum Target {
    /// As the user named it: DescribeSecret resolves it.
    Named(String),
    /// As ListSecrets described it.
    Listed(Box<SecretFacts>),
}

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

/// The rotation function's facts and those that hang off it.
struct FunctionSide {
    function: Fact<FunctionFacts>,
    role: Fact<RoleFacts>,
    network: Fact<NetworkFacts>,
    log: Fact<FunctionLog>,
}

/// The AWS clients facts are gathered with.
#[derive(Clone)]
pub struct Gatherer {
    secrets: aws_sdk_secretsmanager::Client,
    lambda: aws_sdk_lambda::Client,
    iam: aws_sdk_iam::Client,
    kms: aws_sdk_kms::Client,
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    trail: aws_sdk_cloudtrail::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    cloudformation: aws_sdk_cloudformation::Client,
    /// The start of the history window (`--since`).
    since: Timestamp,
    /// How many secrets are gathered at once.
    concurrency: usize,
    /// The read-only actions the selected checks stand on: no other call is
    /// made, so rotdoctor stays inside the policy `rotdoctor permissions`
    /// prints for them.
    wanted: Arc<BTreeSet<&'static str>>,
    shared: Arc<Shared>,
    calls: CallLog,
    /// Secret values read this run, kept only to mask them in log lines:
    /// the second line of defence behind the keyword masking.
    read_values: Arc<std::sync::Mutex<Vec<String>>>,
    /// The listed secrets, as their values are read in batches.
    batches: Arc<secret_value::Batches>,
    /// For a scan: the share of each API quota this account and Region's
    /// calls may use. A check of named secrets makes too few calls to need it.
    budget: Option<Arc<budget::Budget>>,
}

/// Facts several secrets may share, fetched once per run.
#[derive(Default)]
struct Shared {
    functions: Memo<Fact<FunctionFacts>>,
    function_policies: Memo<Fact<PolicyDocument>>,
    roles: Memo<Fact<RoleFacts>>,
    managed_policies: Memo<Result<NamedPolicy, LookupError>>,
    keys: Memo<Fact<KeyFacts>>,
    /// Multi-user secrets of one database share its master secret.
    masters: Memo<Fact<MasterSecretFacts>>,
    trail: Memo<Fact<Vec<TrailEvent>>>,
    databases: Memo<Result<rds::Listing, LookupError>>,
    proxies: Memo<Result<Arc<Vec<aws_sdk_rds::types::DbProxy>>, LookupError>>,
    parameters: Memo<Fact<DatabaseParameters>>,
    networks: Memo<Fact<NetworkFacts>>,
    logs: Memo<Fact<FunctionLog>>,
    batches: Memo<secret_value::BatchShapes>,
    /// The construct paths of the stacks' templates.
    templates: Memo<cloudformation::StackPaths>,
}

impl Gatherer {
    /// Clients for every service rotdoctor reads; history from `since` on;
    /// at most `concurrency` secrets at a time.
    pub fn new(config: &SdkConfig, since: Timestamp, concurrency: usize) -> Self {
        Gatherer {
            secrets: aws_sdk_secretsmanager::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            trail: aws_sdk_cloudtrail::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            cloudformation: aws_sdk_cloudformation::Client::new(config),
            since,
            concurrency: concurrency.max(1),
            wanted: Arc::new(reads::every_action().into_iter().collect()),
            shared: Arc::default(),
            calls: CallLog::default(),
            read_values: Arc::default(),
            batches: Arc::default(),
            budget: None,
        }
    }

    /// Spends at most `percent` of each API quota that bounds a scan.
    pub fn quota_share(mut self, percent: u8) -> Self {
        self.budget = Some(Arc::new(budget::Budget::new(percent)));
        self
    }

    /// Waits until the budget allows one more request of `action`.
    async fn spend(&self, action: &str) {
        if let Some(budget) = &self.budget {
            budget.spend(action).await;
        }
    }

    /// Gathers only the facts these actions fetch (those of the checks selected).
    pub fn reading(mut self, actions: Vec<&'static str>) -> Self {
        self.wanted = Arc::new(actions.into_iter().collect());
        self
    }

    /// Every API call made so far, for `-v`.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.calls.snapshot()
    }

    /// The Regions enabled for the account (`ec2:DescribeRegions` lists
    /// only those unless asked for all), for `--regions all`.
    pub async fn enabled_regions(&self) -> Result<Vec<String>, LookupError> {
        let action = crate::actions::ec2::DESCRIBE_REGIONS;
        let request = self.ec2.describe_regions().send();
        let output = self
            .call(action, "all", request)
            .await
            .map_err(|error| errors::lookup_error(action, &error))?;
        let mut regions = output
            .regions()
            .iter()
            .filter_map(|region| region.region_name())
            .map(str::to_string)
            .collect::<Vec<_>>();
        regions.sort();
        Ok(regions)
    }

    /// The secrets `check --all` covers, already described by ListSecrets.
    pub async fn list(&self, fleet: &Fleet) -> Result<Vec<Target>, GatherError> {
        let secrets = secretsmanager::list_secrets(self, fleet).await?;
        Ok(secrets
            .into_iter()
            .map(|s| Target::Listed(Box::new(s)))
            .collect())
    }

    /// Gathers the facts about several secrets concurrently, a bounded
    /// number at a time, in the order given. `progress` hears (done, total)
    /// after each secret, and (total, total) once all are done: the app
    /// decides whether and how to show it.
    ///
    /// What CloudTrail says comes last: the run's rotation outcomes, which
    /// depend on no other fact, are looked up beside the secrets rather
    /// than inside their slots, and the refusals they call for once they
    /// are known. At LookupEvents' pace (a request a second per event name
    /// and page) the first secrets would otherwise hold every slot for
    /// seconds while the other secrets' lookups wait.
    pub async fn gather_all(
        &self,
        targets: Vec<Target>,
        mut progress: impl FnMut(usize, usize),
    ) -> Vec<Result<Facts, GatherError>> {
        let count = targets.len();
        if count == 0 {
            return Vec::new();
        }
        let listed = targets.iter().filter_map(|target| match target {
            Target::Listed(secret) => Some(secret.name.clone()),
            Target::Named(_) => None,
        });
        let this = Gatherer {
            batches: Arc::new(secret_value::Batches::of(listed)),
            ..self.clone()
        };
        let outcomes = tokio::spawn({
            let gatherer = this.clone();
            async move { gatherer.rotation_outcomes().await }
        });
        let mut results = Vec::with_capacity(count);
        let mut tasks = tokio::task::JoinSet::new();
        let mut collect = |joined: Option<Joined>| {
            match joined {
                Some(Ok(result)) => results.push(result),
                Some(Err(panic)) => std::panic::resume_unwind(panic.into_panic()),
                None => return,
            }
            progress(results.len(), count);
        };
        for (index, target) in targets.into_iter().enumerate() {
            // At most `concurrency` secrets are in flight, however many are listed.
            while tasks.len() >= self.concurrency {
                collect(tasks.join_next().await);
            }
            let gatherer = this.clone();
            tasks.spawn(async move { (index, gatherer.gather_own(target).await) });
        }
        while !tasks.is_empty() {
            collect(tasks.join_next().await);
        }
        let outcomes = match outcomes.await {
            Ok(outcomes) => outcomes,
            Err(panic) => std::panic::resume_unwind(panic.into_panic()),
        };
        results.sort_by_key(|(index, _)| *index);
        let (this, outcomes) = (&this, &outcomes);
        let finished = results
            .into_iter()
            .map(|(_, facts)| async move { Ok(this.with_trail(facts?, outcomes).await) });
        futures_util::future::join_all(finished).await
    }

    /// A secret's facts with what CloudTrail says of it: its rotation
    /// outcomes and, only where they show its rotation failed or overdue
    /// (CloudTrail allows two lookups a second), the calls its function's
    /// role session was refused.
    async fn with_trail(&self, mut facts: Facts, outcomes: &Fact<Vec<TrailEvent>>) -> Facts {
        let Some(secret) = facts.secret.found() else {
            return facts;
        };
        let outcomes = cloudtrail::about(outcomes, &secret.arn);
        let worth = checks::refusals_worth_looking_up(secret, &outcomes, facts.collected_at);
        let session = facts.rotation_function.found().map(|f| f.name.as_str());
        facts.denied_calls = match session {
            Some(session) if worth => {
                self.when(reads::TRAIL, Some(session), |session| {
                    cloudtrail::denied_calls(self, session)
                })
                .await
            }
            _ => Fact::NotCollected,
        };
        facts.rotation_events = outcomes;
        facts
    }

    /// The account and Region's rotation outcomes in CloudTrail, for every
    /// secret of the run.
    async fn rotation_outcomes(&self) -> Fact<Vec<TrailEvent>> {
        self.when(reads::TRAIL, Some(cloudtrail::OUTCOMES), |names| {
            cloudtrail::rotation_events(self, names)
        })
        .await
    }

    /// The secret's own facts (the longest chain: DescribeSecret,
    /// GetFunction, ListAttachedRolePolicies, GetPolicy, GetPolicyVersion).
    /// Each lookup starts as soon as what it hangs off is known: the
    /// function's side (DescribeSecret, GetFunction, then its role, network
    /// and log) runs alongside the value's side (GetSecretValue,
    /// then the master secret and the database).
    async fn gather_own(&self, target: Target) -> Result<Facts, GatherError> {
        let collected_at = Timestamp::now();
        let (secret_id, listed) = match target {
            Target::Named(id) => (id, None),
            Target::Listed(secret) => (secret.name.clone(), Some(*secret)),
        };
        let secret_id = secret_id.as_str();
        // The function's network is read together with the database's subnets
        // and security groups, which the value's side finds.
        let (placement_found, placement) = oneshot::channel();

        let secret_side = async {
            let secret = match listed {
                Some(secret) => Fact::Found(secret),
                None => secretsmanager::describe_secret(self, secret_id).await?,
            };
            let found = secret.found();
            let region = found.and_then(|s| s.region()).unwrap_or_default();
            let function_arn = found.and_then(|s| s.rotation_lambda_arn.as_deref());
            let key_id = found.and_then(|s| s.customer_key());
            let (function, function_policy, secret_key) = tokio::join!(
                Box::pin(self.function_side(function_arn, region, placement)),
                self.when(reads::FUNCTION_POLICY, function_arn, |arn| self
                    .shared
                    .function_policies
                    .get(arn, lambda::get_policy(self, arn))),
                self.when(reads::KEY, key_id, |key| kms::key(self, key)),
            );
            Ok((secret, function, function_policy, secret_key))
        };

        let value_side = async {
            let secret_value = self
                .when(reads::SECRET_VALUE, Some(secret_id), |id| {
                    secret_value::current_value(self, id)
                })
                .await;
            let object = match secret_value.found() {
                Some(SecretShape::Object(object)) => Some(object),
                _ => None,
            };
            let masterarn = object.and_then(|o| o.masterarn.as_deref());
            let host = object.and_then(|o| o.host.as_deref());
            let (master_secret, database) = tokio::join!(
                self.when(reads::SECRET, masterarn, |arn| self
                    .shared
                    .masters
                    .get(arn, Box::pin(self.master_secret(arn)))),
                self.when(reads::DATABASE, host, |host| Box::pin(rds::database(
                    self, host
                ))),
            );
            let where_database_is = match database.found() {
                Some(db) => (db.subnet_ids.clone(), db.security_group_ids.clone()),
                None => Default::default(),
            };
            // Unheard when the function is not in a VPC: nothing waits then.
            let _ = placement_found.send(where_database_is);
            let group = database.found().and_then(|db| db.parameter_group.as_ref());
            let database_parameters = self
                .when(reads::DATABASE_PARAMETERS, group, |group| {
                    // Instance and cluster parameter groups are named apart.
                    let key = format!("{} {}", group.read_by(), group.name);
                    async move {
                        self.shared
                            .parameters
                            .get(&key, rds::parameters(self, group))
                            .await
                    }
                })
                .await;
            (secret_value, master_secret, (database, database_parameters))
        };

        let (
            secret_side,
            (secret_value, master_secret, (database, database_parameters)),
            secret_policy,
        ) = tokio::join!(
            secret_side,
            value_side,
            self.when(reads::SECRET_POLICY, Some(secret_id), |id| {
                secretsmanager::get_resource_policy(self, id)
            }),
        );
        let (secret, function, function_policy, secret_key) = secret_side?;

        let mut facts = Facts {
            secret_id: secret_id.to_string(),
            collected_at,
            secret,
            secret_value,
            rotation_function: function.function,
            function_policy,
            rotation_role: function.role,
            secret_policy,
            secret_key,
            master_secret,
            network: function.network,
            database,
            database_parameters,
            lookback_start: Some(self.since),
            // Filled in by `with_trail`, once the run's outcomes are known.
            rotation_events: Fact::NotCollected,
            denied_calls: Fact::NotCollected,
            function_log: self.mask_read_values(function.log),
            construct_paths: Default::default(),
        };
        // Which stack made a resource shows in its tags, read above; which
        // CDK construct, only in the stack's template.
        let stacks = crate::iac::stacks_named(&facts);
        if !stacks.is_empty() && reads::ORIGIN.iter().all(|a| self.wanted.contains(a)) {
            facts.construct_paths = cloudformation::construct_paths(self, stacks).await;
        }
        Ok(facts)
    }

    /// Keeps the secret values in `text` (a SecretString), to mask them in
    /// log lines read this run: the whole text, and each JSON string value
    /// that is not configuration.
    pub(crate) fn remember_values(&self, text: &str) {
        let mut values = secret_value::values_to_mask(text);
        if let Ok(mut read) = self.read_values.lock() {
            read.append(&mut values);
        }
    }

    /// The log with every secret value read so far masked. Every value this
    /// secret's facts hold has been read by now: its value and its master's
    /// are awaited before the facts are put together.
    fn mask_read_values(&self, log: Fact<FunctionLog>) -> Fact<FunctionLog> {
        let Fact::Found(mut log) = log else {
            return log;
        };
        let values = self
            .read_values
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        for event in &mut log.events {
            event.message = crate::redact::mask_exact(&event.message, &values);
        }
        Fact::Found(log)
    }

    /// The rotation function and what hangs off it. `placement` brings the
    /// database's subnets and security groups, which the network reads.
    async fn function_side(
        &self,
        function_arn: Option<&str>,
        region: &str,
        placement: oneshot::Receiver<(Vec<String>, Vec<String>)>,
    ) -> FunctionSide {
        let function = self
            .when(reads::FUNCTION, function_arn, |arn| {
                self.shared
                    .functions
                    .get(arn, lambda::get_function(self, arn))
            })
            .await;
        let found = function.found();
        let role_arn = found.and_then(|f| f.role.as_deref());
        let vpc = found.and_then(|f| f.vpc.as_ref());
        let log_group = found.map(|f| f.log_group());
        let (role, network, log) = tokio::join!(
            self.when(reads::ROLE, role_arn, |role| self
                .shared
                .roles
                .get(role, Box::pin(iam::role(self, role)))),
            self.when(reads::NETWORK, vpc, |vpc| async move {
                let (subnets, groups) = placement.await.unwrap_or_default();
                // Secrets that share a function and a database share its network.
                let key = format!("{vpc:?} {subnets:?} {groups:?}");
                let fetch = Box::pin(ec2::network(self, vpc, &subnets, &groups, region));
                self.shared.networks.get(&key, fetch).await
            }),
            self.when(reads::LOGS, log_group.as_deref(), |group| self
                .shared
                .logs
                .get(group, Box::pin(logs::function_log(self, group, self.since)))),
        );
        FunctionSide {
            function,
            role,
            network,
            log,
        }
    }

    /// `DescribeSecret` then `GetFunction`: what `rotdoctor logs` starts from.
    pub async fn secret_and_function(
        &self,
        secret_id: &str,
    ) -> Result<(Fact<SecretFacts>, Fact<FunctionFacts>), GatherError> {
        let secret = secretsmanager::describe_secret(self, secret_id).await?;
        let function = match secret
            .found()
            .and_then(|s| s.rotation_lambda_arn.as_deref())
        {
            Some(arn) => Box::pin(lambda::get_function(self, arn)).await,
            None => Fact::NotCollected,
        };
        Ok((secret, function))
    }

    /// When the latest rotation attempt of `secret_arn` started: absent when
    /// CloudTrail shows none in the window.
    pub async fn last_rotation_attempt(&self, secret_arn: &str) -> Fact<Timestamp> {
        let started = cloudtrail::rotation_events(self, cloudtrail::STARTS).await;
        match cloudtrail::about(&started, secret_arn) {
            Fact::Found(events) => match events.last() {
                Some(event) => Fact::Found(event.time),
                None => Fact::Absent,
            },
            Fact::Unavailable(error) => Fact::Unavailable(error),
            _ => Fact::Absent,
        }
    }

    /// The function's log events in `group` since `since`, bounded.
    pub async fn function_log(&self, group: &str, since: Timestamp) -> Fact<FunctionLog> {
        logs::function_log(self, group, since).await
    }

    /// Looks a fact up only when what it hangs off is known and a selected
    /// check reads it; `actions` are those the lookup calls.
    async fn when<'a, K: ?Sized, T, F>(
        &'a self,
        actions: &[&str],
        key: Option<&'a K>,
        fetch: impl FnOnce(&'a K) -> F,
    ) -> Fact<T>
    where
        F: Future<Output = Fact<T>>,
    {
        let wanted = actions.iter().all(|action| self.wanted.contains(action));
        match key {
            Some(key) if wanted => fetch(key).await,
            _ => Fact::NotCollected,
        }
    }

    async fn master_secret(&self, masterarn: &str) -> Fact<MasterSecretFacts> {
        let (secret, policy, value) = tokio::join!(
            secretsmanager::describe_other(self, masterarn),
            self.when(reads::SECRET_POLICY, Some(masterarn), |arn| {
                secretsmanager::get_resource_policy(self, arn)
            }),
            self.when(reads::SECRET_VALUE, Some(masterarn), |arn| {
                secret_value::get_secret_value(self, arn)
            }),
        );
        // Only where the master's credentials log in matters: its user name
        // and the shape of its password are not kept.
        let value = match value {
            Fact::Found(SecretShape::Object(mut object)) => {
                object.username = None;
                object.password = None;
                Fact::Found(SecretShape::Object(object))
            }
            other => other,
        };
        let found = secret.found();
        let key_id = found.and_then(|s| s.customer_key());
        let tagged = rds_managed_database(&secret, &value);
        let (key, database) = tokio::join!(
            self.when(reads::KEY, key_id, |key| kms::key(self, key)),
            self.when(reads::DATABASE, tagged, |arn| Box::pin(
                rds::database_by_arn(self, arn)
            )),
        );
        // A master secret that does not exist has nothing else to speak of.
        let (policy, key, value) = match secret {
            Fact::Absent => (Fact::NotCollected, Fact::NotCollected, Fact::NotCollected),
            _ => (policy, key, value),
        };
        Fact::Found(MasterSecretFacts {
            masterarn: masterarn.to_string(),
            secret,
            policy,
            key,
            value,
            database,
        })
    }

    /// Runs one API call and records how long it took.
    async fn call<T>(
        &self,
        action: &'static str,
        target: &str,
        call: impl Future<Output = T>,
    ) -> T {
        self.spend(action).await;
        let started = Instant::now();
        let output = call.await;
        self.calls.record(action, target, started, Instant::now());
        output
    }

    /// Runs a paginated call to its end, or to `limit` pages: each page is
    /// spent from the budget and recorded as the request it is. `more` says
    /// whether an answer names a next page (its token or marker), so that no
    /// budget is spent on the request the paginator will not send.
    async fn pages<P, E>(
        &self,
        action: &'static str,
        target: &str,
        limit: usize,
        mut stream: PaginationStream<Result<P, E>>,
        more: impl Fn(&P) -> bool,
    ) -> Result<Vec<P>, E> {
        let mut pages = Vec::new();
        while pages.len() < limit {
            self.spend(action).await;
            let started = Instant::now();
            let Some(page) = stream.next().await else {
                break;
            };
            self.calls.record(action, target, started, Instant::now());
            let page = page?;
            let last = !more(&page);
            pages.push(page);
            if last {
                break;
            }
        }
        Ok(pages)
    }
}

/// Whether a page's token (or marker) names a next page, as the SDK's
/// paginators decide it.
fn names_next(token: Option<&str>) -> bool {
    token.is_some_and(|token| !token.is_empty())
}

/// An SDK timestamp as ours.
fn timestamp(date: &aws_sdk_secretsmanager::primitives::DateTime) -> Option<Timestamp> {
    Timestamp::new(date.secs(), date.subsec_nanos() as i32).ok()
}
