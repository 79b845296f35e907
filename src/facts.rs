//! What rotdoctor learned about a secret: built by `gather`, read by `checks`.
//!
//! Facts are our own serializable types (never AWS SDK types), so that
//! `--save-facts` and `--facts` round-trip, fixtures survive SDK upgrades, and
//! every check can be tested on data written by hand. Nothing in here may hold
//! a secret value: the gathering code reduces values to their shape first.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Bump when a change to the facts file breaks files written by older versions.
pub const FACTS_SCHEMA_VERSION: u32 = 1;

/// A facts file: what `--save-facts` writes and `--facts` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactsFile {
    pub schema_version: u32,
    pub secrets: Vec<Facts>,
}

/// Everything gathered about one secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The secret as the user named it (a name or an ARN).
    pub secret_id: String,
    /// The single notion of "now" for every time-based check.
    pub collected_at: Timestamp,
    /// `secretsmanager:DescribeSecret`.
    pub secret: Fact<SecretFacts>,
    /// `lambda:GetFunctionConfiguration` on the secret's rotation function.
    #[serde(default)]
    pub rotation_function: Fact<FunctionFacts>,
    /// `lambda:GetPolicy` on the rotation function: its resource-based policy.
    #[serde(default)]
    pub function_policy: Fact<PolicyDocument>,
}

/// How the lookup of one fact went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Fact<T> {
    /// rotdoctor looked and found it.
    Found(T),
    /// rotdoctor looked and AWS says it does not exist (a function with no
    /// resource policy, a deleted function). This is evidence about the secret.
    Absent,
    /// Nobody looked: no selected check needs it, or what it hangs off is missing.
    #[default]
    NotCollected,
    /// rotdoctor could not look: it was denied or the call failed. This is
    /// rotdoctor's own problem, never evidence that something is broken.
    Unavailable(LookupError),
}

impl<T> Fact<T> {
    /// The value, when it was found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Fact::Found(value) => Some(value),
            _ => None,
        }
    }
}

/// Why a lookup could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupError {
    /// The IAM action of the call that failed, for example `lambda:GetPolicy`.
    pub action: String,
    /// The AWS error code (`AccessDeniedException`), or the kind of failure
    /// when AWS gave none (`Timeout`, `Dispatch`, `Response`).
    pub code: String,
    pub message: String,
}

impl LookupError {
    /// Whether AWS refused rotdoctor's own credentials, as opposed to a call
    /// that failed for another reason.
    pub fn is_access_denied(&self) -> bool {
        let code = self.code.to_ascii_lowercase();
        code.contains("accessdenied") || code.contains("unauthorized")
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.action, self.code, self.message)
    }
}

/// The secret's metadata, from `DescribeSecret`. No value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretFacts {
    pub arn: String,
    pub name: String,
    /// Absent when the secret uses the AWS managed key `aws/secretsmanager`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `RotationEnabled`; AWS omits it for a secret never configured for rotation.
    pub rotation_enabled: bool,
    #[serde(default)]
    pub rotation_lambda_arn: Option<String>,
    /// Also present after rotation was turned off: the previous schedule.
    #[serde(default)]
    pub rotation_rules: Option<RotationRules>,
    /// The service that manages the secret (`rds`, ...), for managed rotation.
    #[serde(default)]
    pub owning_service: Option<String>,
    #[serde(default)]
    pub created: Option<Timestamp>,
    #[serde(default)]
    pub last_changed: Option<Timestamp>,
    #[serde(default)]
    pub last_rotated: Option<Timestamp>,
    #[serde(default)]
    pub next_rotation: Option<Timestamp>,
    /// Set when the secret is scheduled for deletion.
    #[serde(default)]
    pub deleted: Option<Timestamp>,
    /// `VersionIdsToStages`, sorted by version id.
    #[serde(default)]
    pub versions: Vec<SecretVersion>,
}

impl SecretFacts {
    /// The account that owns the secret, from its ARN.
    pub fn account(&self) -> Option<&str> {
        self.arn
            .split(':')
            .nth(4)
            .filter(|account| !account.is_empty())
    }

    /// The secret's region, from its ARN.
    pub fn region(&self) -> Option<&str> {
        self.arn
            .split(':')
            .nth(3)
            .filter(|region| !region.is_empty())
    }

    /// Managed rotation: a service owns the secret and rotates it without a
    /// Lambda function of the user's.
    pub fn managed_by(&self) -> Option<&str> {
        match (&self.owning_service, &self.rotation_lambda_arn) {
            (Some(service), None) => Some(service),
            _ => None,
        }
    }
}

/// `RotationRules` as DescribeSecret returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationRules {
    #[serde(default)]
    pub automatically_after_days: Option<i64>,
    #[serde(default)]
    pub schedule_expression: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
}

/// One version of the secret and its staging labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretVersion {
    pub id: String,
    pub stages: Vec<String>,
}

impl SecretVersion {
    pub fn has_stage(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

/// The rotation function's configuration, from `GetFunctionConfiguration`.
///
/// Environment variables are deliberately not kept: they may hold credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionFacts {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub runtime: Option<String>,
    /// `Pending`, `Active`, `Inactive` or `Failed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub state_reason: Option<String>,
    /// `Successful`, `Failed` or `InProgress`.
    #[serde(default)]
    pub last_update_status: Option<String>,
    #[serde(default)]
    pub last_update_status_reason: Option<String>,
}

/// A resource-based policy as AWS returned it, parsed from its JSON string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PolicyDocument(pub serde_json::Value);
