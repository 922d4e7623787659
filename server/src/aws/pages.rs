//! Reading every page of a paginated call at the source's pace.

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::operation::RequestId;
use aws_smithy_async::future::pagination_stream::PaginationStream;

use super::error::fetch_error;
use super::rate::RateLimiter;
use crate::sources::FetchError;

/// Every page of a paginator, each request waiting for the limiter first;
/// `pages_read` counts them. The first failure ends the reading.
pub async fn every_page<O, E>(
    mut pages: PaginationStream<Result<O, E>>,
    limiter: &RateLimiter,
    operation: &str,
    pages_read: &mut u32,
) -> Result<Vec<O>, FetchError>
where
    E: ProvideErrorMetadata + RequestId + std::error::Error + 'static,
{
    let mut outputs = Vec::new();
    loop {
        limiter.acquire().await;
        let Some(page) = pages.next().await else { return Ok(outputs) };
        outputs.push(page.map_err(|error| fetch_error(operation, error))?);
        *pages_read += 1;
    }
}
