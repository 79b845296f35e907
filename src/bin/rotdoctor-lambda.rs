// The function's own failures go to its log: stderr is the log.
#![allow(clippy::disallowed_macros)]

//! The on-failure function's entry point, for Lambda's `provided.al2023`
//! runtime (built with `--features lambda`; see the README's "On failure").
//! It reads `ROTDOCTOR_SNS_TOPIC_ARN` (and `ROTDOCTOR_SECURITY_HUB`) and
//! handles each event with `rotdoctor::lambda::handle`.

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let reporting = rotdoctor::lambda::Reporting::from_variables(|name| std::env::var(name).ok())
        .inspect_err(|why| eprintln!("rotdoctor: {why}"))?;
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let (config, reporting) = (&config, &reporting);
        async move {
            rotdoctor::lambda::handle(event.payload, config, reporting)
                .await
                .map_err(|why| {
                    // Lambda logs stderr; the failed invocation counts in its Errors metric.
                    eprintln!("rotdoctor: {why}");
                    Error::from(why)
                })
        }
    }))
    .await
}
