//! `check` over several accounts and Regions: each scanned on its own and
//! concurrently, an account or Region that cannot be checked becoming an
//! entry of the report rather than the end of the run.

use std::fs;
use std::path::Path;

use super::progress::Progress;
use super::{Exit, Stop, gather_here, person_watching, since, trace_calls};
use aws_sdk_secretsmanager::config::SharedCredentialsProvider;

use crate::aws;
use crate::cli::{CheckArgs, Cli};
use crate::facts::Facts;
use crate::gather::{Fleet, Gatherer};
use crate::report::SecretReport;
use crate::scope::{self, Account};

/// What a run found: every secret's facts, and an entry for each account
/// or Region it could not check.
pub struct Scan {
    pub facts: Vec<Facts>,
    pub failed: Vec<SecretReport>,
    /// Several accounts or Regions: headings say where each secret is.
    pub over_scopes: bool,
    pub account_names: std::collections::BTreeMap<String, String>,
    /// The assumed role of each account checked through one, by account
    /// id: `--security-hub` imports each account's findings with it.
    pub assumed: std::collections::BTreeMap<String, SharedCredentialsProvider>,
}

impl Scan {
    pub fn of(facts: Vec<Facts>) -> Self {
        Scan {
            facts,
            failed: Vec::new(),
            over_scopes: false,
            account_names: Default::default(),
            assumed: Default::default(),
        }
    }
}

/// The facts of every secret `check` covers: the named ones, or those
/// `--all` lists in each account and Region asked for.
pub async fn gather(cli: &Cli, args: &CheckArgs) -> Result<Scan, Stop> {
    let since = since(args)?;
    if args.regions.is_empty() && args.accounts.is_none() && !args.org {
        return gather_here(cli, args, since, &args.secrets)
            .await
            .map(Scan::of);
    }
    let regions = regions_asked(&args.regions)?;
    let listed = match &args.accounts {
        Some(path) => Some(read_accounts(path)?),
        None => None,
    };
    let base = aws::load(&cli.aws)
        .await
        .map_err(|error| Stop(Exit::CannotRun, error.to_string()))?;
    let listed = match listed {
        Some(listed) => Some(listed),
        None if args.org => Some(
            aws::organization_accounts(&base)
                .await
                .map_err(|why| Stop(Exit::CannotRun, format!("--org: {why}")))?,
        ),
        None => None,
    };
    let accounts: Vec<Option<Account>> = match listed {
        Some(listed) => {
            // The caller's own account needs no role: its own credentials read it.
            let own = aws::own_account(&base).await;
            listed
                .into_iter()
                .map(|account| {
                    let mine = own.as_deref() == Some(account.id.as_str());
                    Some(Account {
                        assume: !mine,
                        ..account
                    })
                })
                .collect()
        }
        None => vec![None],
    };
    let home = base.region().map(|r| r.to_string()).unwrap_or_default();
    let regions = &regions;
    // A person watching a terminal sees the scan move; -v prints each
    // account and Region as it finishes.
    let progress = Progress::new(person_watching(), cli.verbose);
    let progress = &progress;
    let mut assumed = std::collections::BTreeMap::new();
    for account in accounts.iter().flatten().filter(|a| a.assume) {
        let name = account.role_name.as_deref().unwrap_or(&args.role_name);
        let role = scope::role_arn(&account.id, name, &home);
        let credentials = aws::assumed_role(&base, &role, args.external_id.as_deref()).await;
        assumed.insert(account.id.clone(), credentials);
    }
    let scans = accounts.iter().map(|account| {
        let plan = AccountScan {
            cli,
            args,
            base: &base,
            home: &home,
            account: account.as_ref(),
            credentials: account.as_ref().and_then(|a| assumed.get(&a.id)),
            since,
            progress,
        };
        async move { plan.run(regions).await }
    });
    let mut scan = Scan {
        over_scopes: true,
        account_names: accounts
            .iter()
            .flatten()
            .filter_map(|a| Some((a.id.clone(), a.name.clone()?)))
            .collect(),
        ..Scan::of(Vec::new())
    };
    for (facts, failed) in futures_util::future::join_all(scans).await {
        scan.facts.extend(facts);
        scan.failed.extend(failed);
    }
    scan.assumed = assumed;
    progress.done();
    Ok(scan)
}

/// The Regions `--regions` names: `None` for every enabled one (`all`).
fn regions_asked(regions: &[String]) -> Result<Option<Vec<String>>, Stop> {
    if regions.iter().any(|r| r == "all") {
        if regions.len() > 1 {
            return Err(Stop(
                Exit::BadInput,
                "--regions all stands alone: it means every Region enabled in the account"
                    .to_string(),
            ));
        }
        return Ok(None);
    }
    if let Some(bad) = regions.iter().find(|r| !scope::is_region_name(r)) {
        return Err(Stop(
            Exit::BadInput,
            format!("--regions: {bad:?} is not a Region name (us-east-1, eu-west-2, ...)"),
        ));
    }
    Ok(Some(regions.to_vec()))
}

fn read_accounts(path: &Path) -> Result<Vec<Account>, Stop> {
    let unreadable = |why: String| {
        Stop(
            Exit::BadInput,
            format!("cannot read accounts file {}: {why}", path.display()),
        )
    };
    let text = fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    scope::parse_accounts(&text).map_err(unreadable)
}

/// One account of a scan (the caller's own when `account` is none), over
/// its Regions, each concurrently.
struct AccountScan<'a> {
    cli: &'a Cli,
    args: &'a CheckArgs,
    base: &'a aws_config::SdkConfig,
    home: &'a str,
    account: Option<&'a Account>,
    /// The account's assumed role; none for the caller's own account.
    credentials: Option<&'a SharedCredentialsProvider>,
    since: jiff::Timestamp,
    progress: &'a Progress,
}

impl AccountScan<'_> {
    async fn run(&self, asked: &Option<Vec<String>>) -> (Vec<Facts>, Vec<SecretReport>) {
        let account_id = self.account.map(|a| a.id.clone());
        let credentials = self.credentials;
        let regions = match (self.account.filter(|a| !a.regions.is_empty()), asked) {
            (Some(account), _) => account.regions.clone(),
            (None, Some(regions)) if !regions.is_empty() => regions.clone(),
            (None, Some(_)) => vec![self.home.to_string()],
            (None, None) => {
                let config = aws::scoped(self.base, self.home, credentials);
                match Gatherer::new(&config, self.since, 1)
                    .enabled_regions()
                    .await
                {
                    Ok(regions) => regions,
                    Err(error) => {
                        let failure = SecretReport::scope_failure(
                            account_id,
                            Some(self.home.to_string()),
                            &error.action,
                            format!("{}: {}", error.code, error.message),
                            jiff::Timestamp::now(),
                        );
                        return (Vec::new(), vec![failure]);
                    }
                }
            }
        };
        let scans = regions
            .iter()
            .map(|region| self.region(region, credentials, account_id.clone()));
        let mut facts = Vec::new();
        let mut failed = Vec::new();
        for result in futures_util::future::join_all(scans).await {
            match result {
                Ok(found) => facts.extend(found),
                Err(failure) => failed.push(*failure),
            }
        }
        (facts, failed)
    }

    /// Every secret of one account and Region, or why there are none.
    async fn region(
        &self,
        region: &str,
        credentials: Option<&SharedCredentialsProvider>,
        account: Option<String>,
    ) -> Result<Vec<Facts>, Box<SecretReport>> {
        let config = aws::scoped(self.base, region, credentials);
        let gatherer = Gatherer::new(&config, self.since, usize::from(self.args.concurrency))
            .reading(self.args.reads())
            .quota_share(self.args.quota_share);
        let label = scope::label(
            account.as_deref(),
            self.account.and_then(|a| a.name.as_deref()),
            region,
        );
        let failure = |reason: String| {
            self.progress
                .finished(&label, format!("rotdoctor: {label}: could not be checked"));
            Box::new(SecretReport::scope_failure(
                account.clone(),
                Some(region.to_string()),
                crate::actions::secretsmanager::LIST_SECRETS,
                reason,
                jiff::Timestamp::now(),
            ))
        };
        self.progress.examined(&label, 0, 0);
        let targets = gatherer
            .list(&self.fleet())
            .await
            .map_err(|error| failure(error.to_string()))?;
        let results = gatherer
            .gather_all(targets, |done, listed| {
                self.progress.examined(&label, done, listed)
            })
            .await;
        trace_calls(self.cli, &gatherer);
        let facts = results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| failure(error.to_string()))?;
        self.progress.finished(
            &label,
            format!("rotdoctor: {label}: examined {} secrets", facts.len()),
        );
        Ok(facts)
    }

    fn fleet(&self) -> Fleet {
        Fleet {
            include_unrotated: self.args.include_unrotated,
            name_prefix: self.args.name_prefix.clone(),
            tags: self.args.tag.clone(),
        }
    }
}
