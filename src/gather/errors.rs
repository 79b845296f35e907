//! SDK errors as facts: what failed, with AWS's code and message.

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

use super::GatherError;
use crate::aws::innermost_cause;
use crate::facts::LookupError;

/// Any failed call, as the fact's `Unavailable` error.
pub fn lookup_error<E, R>(action: &str, error: &SdkError<E, R>) -> LookupError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let (code, message) = match error {
        SdkError::ServiceError(service) => (
            service.err().code().unwrap_or("ServiceError").to_string(),
            service.err().message().unwrap_or_default().to_string(),
        ),
        SdkError::TimeoutError(_) => ("Timeout".to_string(), "the call timed out".to_string()),
        SdkError::DispatchFailure(_) => ("Dispatch".to_string(), innermost_cause(error)),
        SdkError::ResponseError(_) => ("Response".to_string(), innermost_cause(error)),
        _ => ("Request".to_string(), innermost_cause(error)),
    };
    LookupError { action: action.to_string(), code, message }
}

/// The first failed call, when AWS cannot be reached at all.
pub fn unreachable<E, R>(action: &str, error: &SdkError<E, R>) -> GatherError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    GatherError::Unreachable(format!("{action} failed: {}", lookup_error(action, error).message))
}
