//! rotdoctor: diagnoses why AWS Secrets Manager rotation fails.
//!
//! The pipeline: [`gather`] turns AWS API calls into [`facts::Facts`];
//! [`checks`] turn facts into findings, one pure function per failure mode;
//! [`report`] renders the findings for people or scripts. Everything but
//! gathering and the command line lives in `rotdoctor-core`, which builds
//! without the AWS SDK; it is re-exported here under the same names.

pub use rotdoctor_core::{
    actions, arn, checks, command, event, facts, finding, iac, iam, network, policy, reads, redact,
    report, schedule, signatures, suppress, template,
};

pub mod aws;
pub mod cli;
pub mod gather;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod run;
pub mod scope;
pub mod security_hub;
