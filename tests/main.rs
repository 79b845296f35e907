//! The integration tests, as one test binary: each file below is a module,
//! so the AWS SDK and rotdoctor are linked once for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

mod common;

mod action;
mod cli;
mod deploy;
mod faults;
mod fix_loop;
mod fixtures;
mod formats;
mod iac;
mod iam_differential;
mod moto;
mod no_leak;
mod scopes;
