//! SDK errors as facts: what failed, with AWS's code and message.

use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

use super::GatherError;
use crate::aws::innermost_cause;
use crate::facts::LookupError;

/// Any failed call, as the fact's `Unavailable` error.
pub fn lookup_error<E>(action: &str, error: &SdkError<E, HttpResponse>) -> LookupError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message) = match error {
        SdkError::ServiceError(service) => match service.err().code() {
            Some(code) => (
                code.to_string(),
                service.err().message().unwrap_or("no message").to_string(),
            ),
            // Refused, by a proxy or an emulator that sends no AWS error body.
            None if matches!(service.raw().status().as_u16(), 401 | 403) => (
                format!("HTTP {}", service.raw().status().as_u16()),
                service
                    .err()
                    .message()
                    .unwrap_or("refused, with no error code")
                    .to_string(),
            ),
            // An answer the SDK could not read as an error either (a cut or
            // empty body): say so, with the status it came with.
            None => (
                "Response".to_string(),
                format!(
                    "could not read the answer of {action} (HTTP {}{})",
                    service.raw().status().as_u16(),
                    service
                        .err()
                        .message()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ),
            ),
        },
        SdkError::DispatchFailure(failure) if failure.is_timeout() => timed_out(action),
        SdkError::TimeoutError(_) => timed_out(action),
        SdkError::DispatchFailure(_) => ("Dispatch".to_string(), innermost_cause(error)),
        SdkError::ResponseError(_) => (
            "Response".to_string(),
            format!(
                "could not read the answer of {action}: {}",
                innermost_cause(error)
            ),
        ),
        _ => ("Request".to_string(), innermost_cause(error)),
    };
    LookupError {
        action: action.to_string(),
        code,
        message,
    }
}

/// A failed call whose answer holds a secret value (GetSecretValue): an
/// answer the SDK could not read is not quoted, since the reason it gives
/// may repeat part of the text it read.
pub fn value_lookup_error<E>(action: &str, error: &SdkError<E, HttpResponse>) -> LookupError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut looked_up = lookup_error(action, error);
    if looked_up.code == "Response" {
        looked_up.message =
            format!("could not read the answer of {action} (not quoted: it holds a secret value)");
    }
    looked_up
}

fn timed_out(action: &str) -> (String, String) {
    (
        "Timeout".to_string(),
        format!(
            "{action} did not answer within {} s (--timeout)",
            crate::aws::call_timeout().as_secs()
        ),
    )
}

/// An answer that lacks what AWS always sends: not evidence of anything.
pub fn incomplete(action: &str, missing: &str) -> LookupError {
    LookupError {
        action: action.to_string(),
        code: "IncompleteAnswer".to_string(),
        message: format!("incomplete answer from {action}: no {missing}"),
    }
}

/// The first failed call, when AWS cannot be reached at all.
pub fn unreachable<E>(action: &str, error: &SdkError<E, HttpResponse>) -> GatherError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    GatherError::Unreachable(format!(
        "{action} failed: {}",
        lookup_error(action, error).message
    ))
}

#[cfg(test)]
mod tests {
    use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    /// The reason the SDK gives for an answer it could not read may quote it.
    #[test]
    fn an_unreadable_secret_value_answer_is_not_quoted() {
        let raw = HttpResponse::new(
            StatusCode::try_from(200).unwrap(),
            SdkBody::from(r#"{"SecretString": "Canary-pw"#),
        );
        let error = SdkError::<GetSecretValueError, HttpResponse>::response_error(
            "unexpected end of input after \"Canary-pw",
            raw,
        );
        let looked_up = value_lookup_error("secretsmanager:GetSecretValue", &error);
        assert_eq!(looked_up.code, "Response");
        assert!(
            !looked_up.message.contains("Canary"),
            "{}",
            looked_up.message
        );
        assert!(
            lookup_error("secretsmanager:GetSecretValue", &error)
                .message
                .contains("Canary")
        );
    }
}
