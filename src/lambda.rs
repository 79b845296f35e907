//! The on-failure function: the same checks, run by a Lambda function when
//! EventBridge delivers a rotation failure (and once a day over every
//! secret, since event delivery is best effort), with the diagnosis and fix
//! plan published to an SNS topic and, when configured, the findings
//! imported into Security Hub. Those are its only writes; it logs no secret
//! value, and a failure of its own fails the invocation, so that Lambda's
//! `Errors` metric and its log show it.

use std::collections::BTreeSet;

use aws_config::SdkConfig;
use serde_json::{Value, json};

use crate::checks::{self, Selection};
use crate::facts::TrailEvent;
use crate::finding::Status;
use crate::gather::{Fleet, Gatherer, Target};
use crate::report::{self, SecretReport};

/// How far back a run reads the history, as `check`'s default.
const LOOKBACK_DAYS: i64 = 7;
/// SNS takes messages up to 256 KB; a sweep's report is cut well below.
const MESSAGE_MAX_BYTES: usize = 200 * 1024;

/// Where the function reports, from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporting {
    /// `ROTDOCTOR_SNS_TOPIC_ARN`: every diagnosis goes there.
    pub topic: String,
    /// `ROTDOCTOR_SECURITY_HUB=true`: the findings are imported too.
    pub security_hub: bool,
}

impl Reporting {
    pub const TOPIC: &str = "ROTDOCTOR_SNS_TOPIC_ARN";
    pub const SECURITY_HUB: &str = "ROTDOCTOR_SECURITY_HUB";

    /// The settings `variable` reads; `Err` says which is missing or wrong.
    pub fn from_variables(variable: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let topic = variable(Self::TOPIC)
            .filter(|topic| !topic.is_empty())
            .ok_or_else(|| {
                format!(
                    "{} is not set: the function has nowhere to report",
                    Self::TOPIC
                )
            })?;
        let security_hub = match variable(Self::SECURITY_HUB).as_deref() {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(format!(
                    "{} is {other:?}: it is true or false",
                    Self::SECURITY_HUB
                ));
            }
        };
        Ok(Reporting {
            topic,
            security_hub,
        })
    }
}

/// What one invocation checks: the secret of a failure event, or, for the
/// scheduled sweep (an EventBridge `Scheduled Event`), every rotating secret.
#[derive(Debug, PartialEq, Eq)]
pub enum Work {
    /// The failure, which names its secret.
    Failure(TrailEvent),
    Sweep,
}

/// The work an event asks for; `Err` names what is wrong with it.
pub fn work_of(event: &Value) -> Result<Work, String> {
    if event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        return Ok(Work::Sweep);
    }
    crate::event::rotation_failure(&event.to_string()).map(Work::Failure)
}

/// Handles one event: checks, then publishes what it found to the topic
/// and, when configured, imports the findings into Security Hub (a passing
/// check archives what an earlier run imported).
pub async fn handle(
    event: Value,
    config: &SdkConfig,
    reporting: &Reporting,
) -> Result<Value, String> {
    let work = work_of(&event)?;
    let since = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * LOOKBACK_DAYS))
        .map_err(|e| e.to_string())?;
    let selection = Selection::default();
    let gatherer = Gatherer::new(config, since, 16).reading(checks::permissions(&selection));
    let targets = match &work {
        Work::Failure(failure) => vec![Target::Named(failure.resource.clone().unwrap_or_default())],
        Work::Sweep => gatherer
            .list(&Fleet::default())
            .await
            .map_err(|e| e.to_string())?,
    };
    let mut reports = Vec::new();
    for result in gatherer.gather_all(targets, |_, _| {}).await {
        let mut facts = result.map_err(|e| e.to_string())?;
        if let Work::Failure(failure) = &work {
            facts = crate::event::with_failure(facts, failure);
        }
        // As `rotdoctor check` reports them: the fixes in the language the
        // resources' tags (and stacks' templates) show.
        let mut findings = checks::run_selected(&facts, &selection);
        crate::iac::annotate(&mut findings, &facts, crate::iac::Choice::Detected);
        reports.push(SecretReport::new(&facts, findings));
    }
    let with_problems = reports
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| matches!(f.status, Status::Fail | Status::Error))
        })
        .count();
    let published = if with_problems > 0 || matches!(work, Work::Failure(_)) {
        publish(config, &reporting.topic, &work, &reports).await?;
        true
    } else {
        false
    };
    let imported = if reporting.security_hub {
        import(config, &reports).await?
    } else {
        0
    };
    Ok(json!({
        "checked": reports.len(),
        "with_problems": with_problems,
        "published": published,
        "imported": imported,
    }))
}

/// The message: each secret's diagnosis and findings as the human report
/// (no color), then the fix plan as a script, root causes first.
pub fn message(reports: &[SecretReport]) -> Result<String, String> {
    colored::control::set_override(false);
    let mut text = Vec::new();
    report::render_human(reports, false, &mut text).map_err(|e| e.to_string())?;
    text.extend_from_slice(b"\n");
    report::render_script(reports, &mut text).map_err(|e| e.to_string())?;
    let mut text = String::from_utf8_lossy(&text).into_owned();
    if text.len() > MESSAGE_MAX_BYTES {
        let mut cut = MESSAGE_MAX_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n[cut: run rotdoctor check for the rest]\n");
    }
    Ok(text)
}

/// The findings into Security Hub; `Err` names every destination that did
/// not take them all.
async fn import(config: &SdkConfig, reports: &[SecretReport]) -> Result<usize, String> {
    let findings = report::asff::findings(reports);
    let outcomes = crate::security_hub::import_all(config, findings, &Default::default()).await;
    let mut imported = 0;
    let mut refused = Vec::new();
    for (to, outcome) in outcomes {
        match outcome {
            Ok(count) => imported += count,
            Err(why) => refused.push(format!("Security Hub in {to}: {why}")),
        }
    }
    if refused.is_empty() {
        Ok(imported)
    } else {
        Err(refused.join("; "))
    }
}

async fn publish(
    config: &SdkConfig,
    topic: &str,
    work: &Work,
    reports: &[SecretReport],
) -> Result<(), String> {
    let secrets = reports
        .iter()
        .map(|r| r.name.clone().unwrap_or_else(|| r.id.clone()))
        .collect::<BTreeSet<_>>();
    let subject = match work {
        Work::Failure(_) => format!(
            "rotdoctor: rotation of {} failed",
            secrets.iter().next().map_or("a secret", String::as_str)
        ),
        Work::Sweep => format!("rotdoctor: daily sweep of {} secrets", reports.len()),
    };
    // SNS subjects are at most 100 characters.
    let subject = subject.chars().take(100).collect::<String>();
    let sns = aws_sdk_sns::Client::new(config);
    sns.publish()
        .topic_arn(topic)
        .subject(subject)
        .message(message(reports)?)
        .send()
        .await
        .map_err(|error| {
            format!(
                "sns:Publish to {topic}: {}",
                crate::aws::innermost_cause(&error)
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporting_needs_a_topic_and_a_plain_security_hub_switch() {
        let from = |vars: &[(&str, &str)]| {
            let vars = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>();
            Reporting::from_variables(|name| vars.get(name).cloned())
        };
        let topic = "arn:aws:sns:us-east-1:111122223333:rotdoctor-findings";
        assert!(from(&[]).unwrap_err().contains(Reporting::TOPIC));
        assert_eq!(
            from(&[(Reporting::TOPIC, topic)]),
            Ok(Reporting {
                topic: topic.to_string(),
                security_hub: false
            })
        );
        assert!(
            from(&[(Reporting::TOPIC, topic), (Reporting::SECURITY_HUB, "true")])
                .unwrap()
                .security_hub
        );
        assert!(
            from(&[(Reporting::TOPIC, topic), (Reporting::SECURITY_HUB, "yes")])
                .unwrap_err()
                .contains("true or false")
        );
    }

    #[test]
    fn a_scheduled_event_sweeps_and_a_failure_checks_its_secret() {
        let schedule =
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(work_of(&schedule), Ok(Work::Sweep));
        let failure = json!({"source": "aws.secretsmanager", "detail-type": "AWS Service Event via CloudTrail",
            "detail": {"eventName": "RotationFailed", "eventTime": "2026-11-30T00:00:00Z",
                       "additionalEventData": {"SecretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"}}});
        let Ok(Work::Failure(read)) = work_of(&failure) else {
            panic!("a failure event is a failure to check")
        };
        assert_eq!(
            read.resource.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
        );
        assert!(work_of(&json!({"source": "aws.s3"})).is_err());
    }
}
