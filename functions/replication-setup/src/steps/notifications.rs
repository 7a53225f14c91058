//! Step 7's input: D's s3:ObjectCreated:* notifications to the verifier's queue, one
//! configuration per queue shared by every pair into D; and S's s3:Replication:* events to it,
//! planned the same way ([`notification::Kind`]).

use aws_sdk_s3::error::ProvideErrorMetadata;
use replication_aws::convert;
use replication_core::notification::{self, unvalidated};
use replication_core::policy::SidScope;

use super::{AccountClients, StepError, aws_error, code_is};

/// Optional: D's `s3:ObjectCreated:*` notifications to the verifier's queue, in one
/// QueueConfiguration per queue shared by every pair into D ([`notification::plan`]); other
/// notification configurations are kept as read. `queue = None` takes this pair out, and the
/// configuration goes with its last pair.
///
/// # Errors
/// When our configuration would overlap another (S3 refuses that), or S3 refuses (for example
/// when the queue policy does not let S3 send).
pub async fn set_notification(
    c: &AccountClients,
    kind: &'static notification::Kind,
    bucket: &str,
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<(), StepError> {
    match prepare_notification(c, kind, bucket, scope, queue).await? {
        Some(config) if queue.is_some() => put_notification(c, bucket, config).await,
        Some(config) => take_out_notification(c, bucket, config).await,
        None => Ok(()),
    }
}

/// Write what [`prepare_notification`] planned, with S3's validation of every destination.
///
/// # Errors
/// When S3 refuses: a destination it cannot validate (ours or another's, a queue gone or
/// closed to S3) becomes [`StepError::UnvalidatedDestinations`], naming each entry and the fix.
pub async fn put_notification(
    c: &AccountClients,
    bucket: &str,
    config: aws_sdk_s3::types::NotificationConfiguration,
) -> Result<(), StepError> {
    let step = format!("set_notification({bucket})");
    let Err(e) =
        c.s3.put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(config.clone())
            .send()
            .await
    else {
        return Ok(());
    };
    let body = e
        .raw_response()
        .and_then(|r| r.body().bytes())
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let bad = unvalidated::from_error_body(&body);
    if code_is(&e, &["InvalidArgument"])
        && e.message()
            .is_some_and(|m| m.starts_with(unvalidated::UNABLE_TO_VALIDATE))
        && !bad.is_empty()
    {
        let entries = convert::written_entries(&config);
        return Err(StepError::UnvalidatedDestinations {
            step,
            reason: unvalidated::describe(bucket, &bad, &entries),
        });
    }
    Err(aws_error(step, &e))
}

/// Write D's configuration with this pair taken out. Only entries that were already there are
/// written, so S3's destination check is skipped (`x-amz-skip-destination-validation`, S3 API
/// Reference, PutBucketNotificationConfiguration): another team's entry to a queue that has
/// since gone must not keep a Delete from removing ours.
async fn take_out_notification(
    c: &AccountClients,
    bucket: &str,
    config: aws_sdk_s3::types::NotificationConfiguration,
) -> Result<(), StepError> {
    c.s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(config)
        .skip_destination_validation(true)
        .send()
        .await
        .map_err(|e| aws_error(format!("set_notification({bucket})"), &e))?;
    Ok(())
}

/// The read and plan half of [`set_notification`]: the bucket's whole notification configuration as it
/// should be written, or `None` when it already is. Run before any write, so that a conflict
/// fails the request before anything has changed.
///
/// # Errors
/// When our configuration would overlap another, or S3 refuses the read.
pub async fn prepare_notification(
    c: &AccountClients,
    kind: &'static notification::Kind,
    bucket: &str,
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<Option<aws_sdk_s3::types::NotificationConfiguration>, StepError> {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
    let step = format!("set_notification({bucket})");
    let current = match c
        .s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if queue.is_none() && code_is(&e, &["NoSuchBucket"]) => return Ok(None),
        Err(e) => return Err(aws_error(&step, &e)),
    };
    let (queues, others) = convert::notification_entries(&current);
    let Some(planned) = notification::plan_for(kind, &queues, &others, scope, queue)? else {
        return Ok(None);
    };
    let mut written = Vec::with_capacity(planned.len());
    for p in planned {
        written.push(match p {
            notification::Planned::Keep(i) => current.queue_configurations()[i].clone(),
            notification::Planned::Ours { id, queue } => QueueConfiguration::builder()
                .id(id)
                .queue_arn(queue)
                .events(Event::from(kind.event))
                .build()
                .map_err(|e| StepError::Invalid {
                    step: step.clone(),
                    message: e.to_string(),
                })?,
        });
    }
    Ok(Some(
        NotificationConfiguration::builder()
            .set_topic_configurations(Some(current.topic_configurations().to_vec()))
            .set_queue_configurations(Some(written))
            .set_lambda_function_configurations(Some(
                current.lambda_function_configurations().to_vec(),
            ))
            .set_event_bridge_configuration(current.event_bridge_configuration().cloned())
            .build(),
    ))
}

/// D's delivery to EventBridge on (`EventBridgeNotifications`): the whole configuration as read,
/// with `EventBridgeConfiguration` added; nothing is written when it is already on. S3 sends a
/// bucket's events to EventBridge once it is on, with no event types to choose and no overlap
/// with any other configuration (S3 User Guide, "Using EventBridge"). It is left on when this
/// pair goes: other rules on the default bus may route D's events by then.
///
/// # Errors
/// When S3 refuses the read or the write (a destination of another configuration it cannot
/// validate is named, as in [`put_notification`]).
pub async fn enable_event_bridge(c: &AccountClients, bucket: &str) -> Result<bool, StepError> {
    use aws_sdk_s3::types::{EventBridgeConfiguration, NotificationConfiguration};
    let step = format!("enable_event_bridge({bucket})");
    let current =
        c.s3.get_bucket_notification_configuration()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    if current.event_bridge_configuration().is_some() {
        return Ok(false);
    }
    let config = NotificationConfiguration::builder()
        .set_topic_configurations(Some(current.topic_configurations().to_vec()))
        .set_queue_configurations(Some(current.queue_configurations().to_vec()))
        .set_lambda_function_configurations(Some(current.lambda_function_configurations().to_vec()))
        .event_bridge_configuration(EventBridgeConfiguration::builder().build())
        .build();
    put_notification(c, bucket, config).await?;
    Ok(true)
}
