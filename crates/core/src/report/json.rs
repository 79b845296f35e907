//! The JSON report: one document on stdout, a public contract.
//!
//! ```text
//! {"schema_version": 1,
//!  "secrets": [{"secret": {"id", "arn", "name", "account", "region"},
//!               "collected_at",
//!               "diagnosis": one line (only when a check fails),
//!               "findings": [{"check", "status", "title", "summary",
//!                             "evidence": [{"source", "observed"}],
//!                             "fix": {"summary", "commands"} | null,
//!                             "suppressed": reason (only when suppressed),
//!                             "caused_by": check (only for a problem that
//!                                          follows from another's)}]}],
//!  "summary": {"pass", "warn", "fail", "skip", "error", "suppressed"}}
//! ```
//! An account or Region rotdoctor could not list is an entry whose secret id
//! is `*`, with one `error` finding of the check `scan`.
//! Fields may be added; none of these may change without a new schema version.

use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use super::{SecretReport, Summary};
use crate::finding::Finding;

/// Bump on any change that could break a consumer of the JSON report.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    secrets: Vec<SecretEntry<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct SecretEntry<'a> {
    secret: SecretId<'a>,
    collected_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnosis: Option<&'a str>,
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct SecretId<'a> {
    id: &'a str,
    arn: Option<&'a str>,
    name: Option<&'a str>,
    account: Option<&'a str>,
    region: Option<&'a str>,
}

pub fn render(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        secrets: reports
            .iter()
            .map(|report| SecretEntry {
                secret: SecretId {
                    id: &report.id,
                    arn: report.arn.as_deref(),
                    name: report.name.as_deref(),
                    account: report.account.as_deref(),
                    region: report.region.as_deref(),
                },
                collected_at: report.collected_at,
                diagnosis: report.diagnosis.as_deref(),
                findings: &report.findings,
            })
            .collect(),
        summary: Summary::of(reports),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
