//! A client-side request budget per API action, in one account and Region:
//! a scan spends at most a share of each published quota, so that it never
//! throttles the account's own workloads, which share those quotas.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// AWS's published request quotas per account and Region (requests a
/// second, and the burst AWS's bucket holds), for the actions a scan makes
/// most or whose quota is low. rotdoctor's buckets fill at a share of the
/// rate; `scripts/bench` holds every second to the same share of rate plus
/// burst. Sources: the Secrets Manager, CloudTrail,
/// Lambda and EC2 quota pages. An action not listed is limited by AWS
/// alone, and the SDK's retries.
const QUOTAS: &[(&str, f64, f64)] = &[
    ("secretsmanager:ListSecrets", 100.0, 100.0),
    ("secretsmanager:BatchGetSecretValue", 100.0, 100.0),
    ("secretsmanager:GetResourcePolicy", 50.0, 50.0),
    ("cloudtrail:LookupEvents", 2.0, 2.0),
    ("lambda:GetFunction", 100.0, 100.0),
    ("lambda:GetPolicy", 15.0, 15.0),
    ("ec2:DescribeVpcEndpoints", 20.0, 100.0),
    ("ec2:DescribeRouteTables", 20.0, 100.0),
    ("ec2:DescribeSecurityGroups", 20.0, 100.0),
    ("ec2:DescribeSubnets", 20.0, 100.0),
    ("ec2:DescribeNetworkAcls", 20.0, 100.0),
    ("ec2:DescribeNatGateways", 20.0, 100.0),
    ("ec2:DescribeNetworkInterfaces", 20.0, 100.0),
    ("securityhub:BatchImportFindings", 10.0, 30.0),
];

/// The share of each quota rotdoctor takes by default: half, leaving the
/// rest to whatever else runs in the account.
pub const DEFAULT_SHARE_PERCENT: u8 = 50;

/// How many seconds of its rate a bucket may hold. AWS's buckets allow a
/// burst, but rotdoctor sends at an even pace: a task that has taken a
/// token may wait on a busy machine before it signs and sends, and a full
/// burst of such late requests would arrive bunched with the next second's.
/// Holding a tenth of a second keeps every second within the share of
/// AWS's rate plus burst whatever the client's delays (up to a second).
const HELD_SECONDS: f64 = 0.1;

/// One bucket per limited action.
pub struct Budget {
    buckets: HashMap<&'static str, Mutex<Bucket>>,
}

impl Budget {
    /// Buckets filling at `share_percent` of each quota's rate (at least one
    /// request a second), each holding a tenth of a second of it (at least
    /// one request).
    pub fn new(share_percent: u8) -> Self {
        let share = f64::from(share_percent.clamp(1, 100)) / 100.0;
        let now = Instant::now();
        Budget {
            buckets: QUOTAS
                .iter()
                .map(|&(action, rate, _burst)| {
                    let rate = (rate * share).max(1.0);
                    let bucket = Bucket::new(rate, (rate * HELD_SECONDS).max(1.0), now);
                    (action, Mutex::new(bucket))
                })
                .collect(),
        }
    }

    /// Waits until `action` may be called within the budget.
    pub async fn spend(&self, action: &str) {
        let Some(bucket) = self.buckets.get(action) else {
            return;
        };
        loop {
            let wait = match bucket.lock() {
                Ok(mut bucket) => bucket.take(Instant::now()),
                Err(_) => return,
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

/// A token bucket: `rate` tokens a second, up to `burst`.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Bucket {
            rate,
            burst,
            tokens: burst,
            refilled: now,
        }
    }

    /// Takes a token at `now`, or says how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_burst_through_then_its_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(1.0, 2.0, start);
        assert_eq!(bucket.take(start), None);
        assert_eq!(bucket.take(start), None);
        let wait = bucket.take(start).unwrap();
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-9, "{wait:?}");
        assert_eq!(bucket.take(start + Duration::from_secs(1)), None);
        // Idle time refills up to the burst, never beyond.
        let later = start + Duration::from_secs(60);
        assert_eq!(bucket.take(later), None);
        assert_eq!(bucket.take(later), None);
        assert!(bucket.take(later).is_some());
    }

    #[test]
    fn the_share_scales_every_quota_and_keeps_at_least_one_request() {
        let budget = Budget::new(50);
        let trail = budget.buckets["cloudtrail:LookupEvents"].lock().unwrap();
        assert_eq!((trail.rate, trail.burst), (1.0, 1.0));
        let policy = budget.buckets["secretsmanager:GetResourcePolicy"]
            .lock()
            .unwrap();
        assert_eq!((policy.rate, policy.burst), (25.0, 2.5));
    }
}
