//! rotdoctor's diagnosis, without the AWS SDK: what was learned about a
//! secret ([`facts`]), one pure check per rotation failure mode ([`checks`]),
//! the AWS decision logic they stand on ([`iam`], [`policy`], [`network`],
//! [`schedule`], [`template`], [`signatures`]), the fixes they print
//! ([`command`]) and the reports ([`report`]).
//!
//! The `rotdoctor` crate gathers the facts with the AWS SDK and runs the
//! command line; everything here is testable on facts written by hand.

pub mod actions;
pub mod arn;
pub mod checks;
pub mod command;
pub mod event;
pub mod facts;
pub mod finding;
pub mod iac;
pub mod iam;
pub mod network;
pub mod policy;
pub mod reads;
pub mod redact;
pub mod report;
pub mod schedule;
pub mod signatures;
pub mod suppress;
pub mod template;
