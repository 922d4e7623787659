//! Turning SDK errors into [`FetchError`]s that keep what AWS said.

use aws_sdk_securityhub::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_securityhub::operation::RequestId;

use crate::sources::FetchError;

/// The AWS error code, message and request id of a failed call.
pub fn fetch_error<E>(operation: &str, error: E) -> FetchError
where
    E: ProvideErrorMetadata + RequestId + std::error::Error + 'static,
{
    FetchError {
        operation: operation.to_owned(),
        code: error.code().map(str::to_owned),
        message: error.message().map(str::to_owned).unwrap_or_else(|| DisplayErrorContext(&error).to_string()),
        // The response's header, or what the SDK kept in the error's metadata.
        request_id: error.request_id().or_else(|| error.meta().request_id()).map(str::to_owned),
    }
}
