//! rotdoctor: diagnoses why AWS Secrets Manager rotation fails.
//!
//! The pipeline: [`gather`] turns AWS API calls into [`facts::Facts`];
//! [`checks`] turn facts into findings, one pure function per failure mode;
//! [`report`] renders the findings for people or scripts.

pub mod arn;
pub mod aws;
pub mod checks;
pub mod cli;
pub mod command;
pub mod facts;
pub mod finding;
pub mod gather;
pub mod iam;
pub mod network;
pub mod policy;
pub mod redact;
pub mod report;
pub mod run;
pub mod schedule;
pub mod signatures;
pub mod suppress;
pub mod template;
