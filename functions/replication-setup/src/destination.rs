//! Custom::ReplicationDestination: Create and Update (versioning, D's bucket policy, KB's key policy,
//! D's notification), Delete, and the lookups the scheduled check shares.

use replication_core::arn::{AccountId, KmsKeyArn, KmsKeyRef};
use replication_core::doctor::Report;
use replication_core::notification;
use replication_core::plan;
use replication_core::policy::SidScope;
use replication_core::properties::{
    DefaultEncryption, DestinationFacts, DestinationProperties, DestinationSpec, PolicyWrites,
    UpdateKind,
};

use crate::checks;
use crate::context::{Done, Failure, Setup, properties_error};
use crate::outputs::{self, DestinationData};
use crate::request::Props;
use crate::steps::{self, AccountClients, StepError};

/// What the destination side looks up before validation, and the clients for D's region,
/// through which every later call on D (and KB, which S3 requires in D's region) goes.
pub(crate) async fn destination_facts(
    home: &AccountClients,
    props: &DestinationProperties,
    account: AccountId,
) -> Result<(DestinationFacts, AccountClients), Failure> {
    let bucket = props.destination_bucket.as_str();
    let region = steps::bucket_region(home, bucket).await?;
    let c = home.in_region(region.as_str());
    let facts = DestinationFacts {
        account_id: account,
        destination_bucket_region: region,
        destination_key: steps::describe_key(
            &c,
            &props.destination_kms_key,
            "DestinationKmsKeyArn",
        )
        .await?,
        destination_encryption: steps::bucket_encryption(&c, bucket).await?,
    };
    Ok((facts, c))
}

/// `home` in `bucket`'s region, for Delete: a bucket that cannot be located (gone, or not
/// readable) is addressed from `home`, whose calls then say so.
pub(super) async fn in_bucket_region(home: &AccountClients, bucket: &str) -> AccountClients {
    match steps::bucket_region(home, bucket).await {
        Ok(region) => home.in_region(region.as_str()),
        Err(_) => home.clone(),
    }
}

pub(super) async fn apply_destination_request(
    props: &Props<DestinationProperties>,
    setup: &Setup,
    account: AccountId,
) -> Result<Done, Failure> {
    let old = props.old();
    let props = props.new.as_ref().map_err(properties_error)?;
    let (facts, regional) = destination_facts(&setup.home, props, account).await?;
    let c = &regional;
    let spec = props.validate(&facts).map_err(properties_error)?;
    let writes = props.policy_writes;
    // PolicyWrites: Report: the documents as they are, checked before any write.
    let reported = reported_policies(c, &spec, writes, props.deploy_time_checks).await?;
    // A queue dropped by an in-place Update: remove our notification. (A replacement's old
    // resource is deleted by CloudFormation, which removes it there.)
    if let Some(old) = old
        && old.notification_queue_arn.is_some()
        && spec.notification_queue.is_none()
        && !matches!(props.update_kind(old), UpdateKind::Replacement { .. })
    {
        steps::set_notification(
            c,
            &notification::OBJECT_CREATED,
            spec.destination_bucket.as_str(),
            &spec.sid_scope(),
            None,
        )
        .await?;
    }
    let (versioning_was_enabled, written) = apply_destination(
        c,
        &spec,
        facts.destination_key.state.clone(),
        facts.destination_encryption.clone(),
        reported,
    )
    .await?;
    deploy_time_check(props.deploy_time_checks, || {
        checks::destination(&spec, &written, writes)
    })?;
    // An in-place move to another KB: our statement leaves the old key (compared by ARN), when
    // this resource wrote it and still writes policies.
    if let Some(old) = old
        && writes.applies()
        && old.policy_writes.applies()
        && !matches!(props.update_kind(old), UpdateKind::Replacement { .. })
        && let Some(key) =
            key_for_delete(c, &old.destination_kms_key, "DestinationKmsKeyArn").await?
        && key != spec.destination_key
    {
        steps::remove_key_policy_statements(c, &key, &spec.sid_scope()).await?;
    }
    let data = DestinationData::new(
        &spec,
        versioning_was_enabled,
        facts.destination_encryption.as_ref(),
    );
    Ok(Done {
        physical_id: props.physical_resource_id(),
        data: outputs::with_statements(
            outputs::to_data(&data),
            writes,
            &plan::destination_policy_statements(&spec),
        ),
    })
}

/// With `PolicyWrites: Report`, D's bucket policy and KB's key policy as they are, read before
/// any write; with the deploy-time check on, a statement of the pair that they lack fails the
/// request there ([`checks::require_statements`]). `None` with `Apply`.
pub(super) async fn reported_policies(
    c: &AccountClients,
    spec: &DestinationSpec,
    writes: PolicyWrites,
    check: bool,
) -> Result<Option<checks::DestinationPolicies>, Failure> {
    if writes.applies() {
        return Ok(None);
    }
    let found = checks::DestinationPolicies {
        bucket_policy: steps::read_bucket_policy(c, spec.destination_bucket.as_str()).await?,
        key_policy: steps::read_key_policy(c, &spec.destination_key).await?,
    };
    if check {
        checks::require_statements(&found.with_planned(spec), 3000)
            .map_err(Failure::DeployTimeCheck)?;
    }
    Ok(Some(found))
}

/// Steps 1, 4, 5 (and the optional notification) in the destination account. Returns whether
/// versioning was already enabled, and the documents as written (for the deploy-time check).
/// With `reported` (`PolicyWrites: Report`), steps 4 and 5 write nothing: the documents are
/// those read before.
pub(super) async fn apply_destination(
    c: &AccountClients,
    spec: &DestinationSpec,
    key_state: Option<String>,
    encryption: Option<DefaultEncryption>,
    reported: Option<checks::DestinationPolicies>,
) -> Result<(bool, checks::DestinationWritten), Failure> {
    let bucket = spec.destination_bucket.as_str();
    // Planned before any write, and written first: a notification that S3 would refuse as
    // overlapping, or because a destination in it (another team's queue since deleted, or ours
    // closed to S3) cannot be validated, fails the request before anything else has changed.
    // Nothing below depends on it.
    let notification = match &spec.notification_queue {
        Some(queue) => {
            let queue = queue.to_string();
            let kind = &notification::OBJECT_CREATED;
            steps::prepare_notification(c, kind, bucket, &spec.sid_scope(), Some(&queue)).await?
        }
        None => None,
    };
    if let Some(config) = notification {
        steps::put_notification(c, bucket, config).await?;
    }
    if spec.event_bridge {
        steps::enable_event_bridge(c, bucket).await?;
    }
    let was_enabled = steps::enable_versioning(c, bucket).await?;
    let policies = match reported {
        Some(found) => found,
        None => checks::DestinationPolicies {
            bucket_policy: Some(steps::merge_bucket_policy(c, spec).await?),
            key_policy: steps::merge_key_policy(
                c,
                &spec.destination_key,
                &spec.sid_scope(),
                &plan::destination_key_policy_statements(spec),
            )
            .await?,
        },
    };
    let written = checks::DestinationWritten {
        bucket_policy: policies.bucket_policy,
        key_policy: policies.key_policy,
        key_state,
        encryption,
    };
    Ok((was_enabled, written))
}

/// Fails with the findings when the deploy-time check (on, unless `DeployTimeChecks` is false)
/// finds anything.
pub(super) fn deploy_time_check(
    enabled: bool,
    report: impl FnOnce() -> Report,
) -> Result<(), Failure> {
    if !enabled {
        return Ok(());
    }
    let report = report();
    tracing::info!(
        findings = report.findings.len(),
        checks = report.checks.len(),
        "deploy-time check"
    );
    match checks::failure(&report, 3000) {
        Some(reason) => Err(Failure::DeployTimeCheck(reason)),
        None => Ok(()),
    }
}

/// Resolve a key reference for Delete: an ARN as is, anything else with DescribeKey; a key
/// that is gone is `None` (nothing to clean).
pub(super) async fn key_for_delete(
    c: &AccountClients,
    key: &KmsKeyRef,
    property: &str,
) -> Result<Option<KmsKeyArn>, Failure> {
    if let Some(arn) = key.as_key_arn() {
        return Ok(Some(arn.clone()));
    }
    match steps::describe_key(c, key, property).await {
        Ok(k) => Ok(Some(k.arn)),
        Err(StepError::Aws { code, .. }) if code == "NotFoundException" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn delete_destination(
    props: &Props<DestinationProperties>,
    setup: &Setup,
) -> Result<(), Failure> {
    let Ok(props) = &props.new else {
        tracing::warn!(
            "Delete with unparseable properties: nothing of ours can be named, nothing removed"
        );
        return Ok(());
    };
    let scope = SidScope::for_replication(
        &props.source_account_id,
        &props.source_bucket,
        &props.destination_bucket,
    );
    let bucket = props.destination_bucket.to_string();
    remove_destination(
        &in_bucket_region(&setup.home, &bucket).await,
        &bucket,
        &props.destination_kms_key,
        &scope,
        props.policy_writes,
    )
    .await
}

/// Delete on the destination side: our notification entry, and with `PolicyWrites: Apply` our
/// statements in D's bucket policy and KB's key policy. With `Report` no policy is touched:
/// the statements are their owner's to remove, including any this resource wrote before it was
/// switched to `Report`.
pub(super) async fn remove_destination(
    c: &AccountClients,
    bucket: &str,
    key: &KmsKeyRef,
    scope: &SidScope,
    writes: PolicyWrites,
) -> Result<(), Failure> {
    if writes.applies() {
        steps::remove_bucket_policy_statements(c, bucket, scope).await?;
        if let Some(key) = key_for_delete(c, key, "DestinationKmsKeyArn").await? {
            steps::remove_key_policy_statements(c, &key, scope).await?;
        }
    }
    steps::set_notification(c, &notification::OBJECT_CREATED, bucket, scope, None).await?;
    Ok(())
}
