//! Custom::ReplicationSource: Create and Update (versioning, the replication role, KA's key policy,
//! the rules on S; in single-stack mode the destination side too), Delete, the canary, and the
//! lookups the scheduled check shares.

use std::time::{Duration, Instant};

use replication_core::arn::KmsKeyRef;
use replication_core::arn::{AccountId, RoleArn};
use replication_core::notification::REPLICATION_EVENTS;
use replication_core::plan;
use replication_core::policy::SidScope;
use replication_core::properties::{
    DefaultEncryption, PolicyWrites, ResolvedKey, SourceFacts, SourceProperties, UpdateKind,
};
use replication_core::source_encryption::source_encryption_warnings;

use crate::checks;
use crate::context::{Done, Failure, Setup, properties_error};
use crate::destination::{
    apply_destination, deploy_time_check, in_bucket_region, key_for_delete, remove_destination,
    reported_policies,
};
use crate::existing_objects::existing_objects_job;
use crate::outputs::{self, CanaryData, Encryption, SourceData};
use crate::request::Props;
use crate::response::CfnRequest;
use crate::steps::{self, AccountClients};

/// The longest a canary is waited for.
const CANARY_WAIT: Duration = Duration::from_secs(60);

/// The pause before a failed canary is tried once more.
const CANARY_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The source side, looked up and validated: what Create, Update and the scheduled check share.
pub(crate) struct Prepared {
    pub(crate) facts: SourceFacts,
    pub(crate) spec: replication_core::properties::SourceSpec,
    pub(crate) existing_role: Option<aws_sdk_iam::types::Role>,
    /// Clients in A, in S's region.
    pub(crate) home: AccountClients,
    /// Clients in B, in D's region (single-stack mode).
    pub(crate) remote: Option<AccountClients>,
}

pub(crate) async fn prepare_source(
    props: &SourceProperties,
    setup: &Setup,
    account: AccountId,
) -> Result<Prepared, Failure> {
    // Every client addresses the region of the bucket (and key) it acts on: S's for A's calls,
    // D's for B's (single-stack mode).
    let source_region = steps::bucket_region(&setup.home, props.source_bucket.as_str()).await?;
    let home = setup.home.in_region(source_region.as_str());
    let c = &home;
    let remote = match &props.destination_access_role_arn {
        Some(role) => {
            let b = setup.assume(role).await?;
            let region = steps::bucket_region(&b, props.destination_bucket.as_str()).await?;
            Some((b.in_region(region.as_str()), region))
        }
        None => None,
    };
    let (destination_key, destination_bucket_region, destination_encryption) = match &remote {
        Some((b, region)) => (
            steps::describe_key(b, &props.destination_kms_key, "DestinationKmsKeyArn").await?,
            Some(region.clone()),
            steps::bucket_encryption(b, props.destination_bucket.as_str()).await?,
        ),
        None => match props.destination_kms_key.as_key_arn() {
            Some(arn) => (ResolvedKey::from_arn(arn.clone()), None, None),
            None => {
                return Err(Failure::Properties(
                    "DestinationKmsKeyArn: a key id or alias cannot be resolved from the source account; give the key ARN or set DestinationAccessRoleArn".into(),
                ));
            }
        },
    };
    let source_key = steps::describe_key(c, &props.source_kms_key, "SourceKmsKeyArn").await?;
    let source_encryption = resolve_default_alias(
        c,
        steps::bucket_encryption(c, props.source_bucket.as_str()).await?,
        (&props.source_kms_key, &source_key),
    )
    .await;
    let facts = SourceFacts {
        account_id: account,
        source_bucket_region: source_region,
        source_key,
        destination_key,
        destination_bucket_region,
        source_encryption,
        destination_encryption,
        source_object_lock: steps::bucket_object_lock(c, props.source_bucket.as_str()).await?,
    };
    let mut spec = props.validate(&facts).map_err(properties_error)?;
    // An existing role keeps its path: every document names it by the ARN IAM gives it (a role
    // ARN is arn:aws:iam::<account>:role/<path><name>, IAM User Guide, "IAM identifiers"), not
    // by one built from the name, which S3, KMS and aws:PrincipalArn would not match.
    let existing_role = steps::get_role(c, spec.role_arn.name()).await?;
    if let Some(arn) = existing_role.as_ref().map(|r| r.arn())
        && arn != spec.role_arn.to_string()
    {
        spec.role_arn = RoleArn::parse(arn).map_err(|e| Failure::UnusableRoleArn(e.to_string()))?;
    }

    Ok(Prepared {
        facts,
        spec,
        existing_role,
        home,
        remote: remote.map(|(b, _)| b),
    })
}

pub(super) async fn apply_source_request(
    props: &Props<SourceProperties>,
    cfn: &CfnRequest,
    setup: &Setup,
    account: AccountId,
    deadline: Instant,
) -> Result<Done, Failure> {
    let old = props.old();
    let props = props.new.as_ref().map_err(properties_error)?;
    let Prepared {
        facts,
        spec,
        existing_role,
        home,
        remote,
    } = prepare_source(props, setup, account).await?;
    let c = &home;

    // Refused before any write: a role this project did not create keeps its owner's trust.
    if spec.role_trust_conditions
        && let Some(role) = existing_role.as_ref().filter(|r| !steps::is_managed(r))
    {
        return Err(Failure::Properties(format!(
            "RoleTrustConditions: the role {} was not created by s3-kms-replication, so its trust \
             policy is its owner's to change; add the aws:SourceAccount and aws:SourceArn \
             conditions there, or remove RoleTrustConditions",
            role.arn()
        )));
    }
    // IAM cannot move a role to another path (UpdateRole takes no Path): a role of ours under
    // another path than RolePath is refused before any write, with the ways out.
    if let Some(role) = existing_role
        .as_ref()
        .filter(|r| steps::is_managed(r) && r.path() != props.role_path())
    {
        return Err(Failure::Properties(format!(
            "RolePath: the role {} was created by s3-kms-replication under the path {}, and IAM \
             cannot change a role's path; keep RolePath {}, or give a new RoleName as well (a \
             role of that name is created under {} and the old one removed; the destination's \
             ReplicationRoleArn must name the new role)",
            role.arn(),
            role.path(),
            role.path(),
            props.role_path()
        )));
    }
    // PolicyWrites: Report: the documents as they are, checked before any write.
    let writes = props.policy_writes;
    let (reported_ka, reported_b) =
        reported_source_policies(c, remote.as_ref(), &spec, writes, props.deploy_time_checks)
            .await?;
    // S's replication events to the verifier's queue: planned before any write and written
    // first, as D's notification is, so that a refusal (an overlapping configuration, a queue
    // whose policy does not admit S) fails the request before anything else has changed.
    replication_events_notification(c, old, props, &spec).await?;
    let destination_written = match &remote {
        Some(b) => Some(
            apply_destination(
                b,
                &spec.destination_spec(),
                facts.destination_key.state.clone(),
                facts.destination_encryption.clone(),
                reported_b,
            )
            .await?
            .1,
        ),
        None => None,
    };
    let versioning_was_enabled = steps::enable_versioning(c, spec.source_bucket.as_str()).await?;
    // Of the same role only: a role renamed by this Update starts from nothing.
    let previous_settings = old
        .filter(|o| o.effective_role_name() == spec.role_arn.name())
        .map(SourceProperties::role_settings);
    let role = steps::ensure_replication_role(c, &spec, existing_role, previous_settings, deadline)
        .await?;
    let source_key_policy = match reported_ka {
        Some(found) => found,
        None => {
            steps::merge_key_policy(
                c,
                &spec.source_key,
                &spec.sid_scope(),
                &plan::source_key_policy_statements(&spec),
            )
            .await?
        }
    };
    // The old properties' rules, when they are on this S: an Update replaces them.
    let previous = plan::PreviousRules::of_update(old, &spec);
    let owner = previous.as_ref().map(plan::PreviousRules::owner);
    let replication = steps::put_replication_rule(c, &spec, owner.as_ref(), deadline).await?;
    if let Some(old) = old {
        release_old_source_grants(c, remote.as_ref(), old, (&spec, writes)).await?;
    }
    let written = checks::SourceWritten {
        replication,
        role_arn: role.arn.clone(),
        trust: role.trust.clone(),
        key_policy: source_key_policy,
        key_state: facts.source_key.state.clone(),
        encryption: facts.source_encryption.clone(),
    };
    deploy_time_check(props.deploy_time_checks, || {
        checks::source(&spec, &written, destination_written.as_ref(), writes)
    })?;
    let canary = if props.canary {
        // Bounded: a minute at most, and never into the answer's margin.
        let bound = deadline.min(Instant::now() + CANARY_WAIT);
        let mut outcome = steps::canary(c, &spec, &cfn.request_id, bound).await?;
        // A role or grant seconds old may not be visible to S3 yet (IAM is eventually
        // consistent), and S3 never retries a failed object: one more canary, if time allows.
        if outcome.status == "FAILED" && Instant::now() + CANARY_RETRY_AFTER < bound {
            tokio::time::sleep(CANARY_RETRY_AFTER).await;
            let name = format!("{}-retry", cfn.request_id);
            outcome = steps::canary(c, &spec, &name, bound).await?;
        }
        if outcome.status == "FAILED" {
            return Err(Failure::Canary {
                key: outcome.key,
                waited_ms: outcome.waited.as_millis(),
            });
        }
        Some(outcome)
    } else {
        None
    };
    // Last: only a pair that passed its checks (and its canary) replicates S's existing objects.
    let existing_objects = existing_objects_job(cfn, props, old, &spec, setup).await?;

    let mut data = SourceData::new(
        &spec,
        (role.arn, role.managed),
        versioning_was_enabled,
        facts.source_encryption.as_ref(),
    );
    data.source_encryption_warning = warn_of_source_encryption(&spec, &facts);
    data.canary = canary.map(|c| CanaryData {
        canary_note: (c.status == "PENDING").then(|| {
            format!(
                "still pending after {} s; S3 replication without RTC promises no time",
                c.waited.as_secs()
            )
        }),
        canary_status: c.status,
        canary_key: c.key,
    });
    data.existing_objects = existing_objects;
    data.role_settings_not_applied = role.settings_not_applied;
    if remote.is_some() {
        data.destination_encryption = Some(Encryption::new(facts.destination_encryption.as_ref()));
    }
    let planned = plan::source_resource_policy_statements(&spec, remote.is_some());
    Ok(Done {
        physical_id: props.physical_resource_id(),
        data: outputs::with_statements(outputs::to_data(&data), writes, &planned),
    })
}

/// With `PolicyWrites: Report`, KA's key policy (and in single-stack mode D's bucket policy and
/// KB's key policy) as they are, read before any write; with the deploy-time check on, a
/// statement of the pair that they lack fails the request there, all documents in one Reason.
/// `(None, None)` with `Apply`.
async fn reported_source_policies(
    c: &AccountClients,
    remote: Option<&AccountClients>,
    spec: &replication_core::properties::SourceSpec,
    writes: PolicyWrites,
    check: bool,
) -> Result<
    (
        Option<serde_json::Value>,
        Option<checks::DestinationPolicies>,
    ),
    Failure,
> {
    if writes.applies() {
        return Ok((None, None));
    }
    let ka = steps::read_key_policy(c, &spec.source_key).await?;
    let b = match remote {
        Some(b) => reported_policies(b, &spec.destination_spec(), writes, false).await?,
        None => None,
    };
    if check {
        let destination = spec.destination_spec();
        let mut documents = vec![(plan::source_policy_statements(spec), Some(&ka))];
        if let Some(found) = &b {
            documents.extend(found.with_planned(&destination));
        }
        checks::require_statements(&documents, 3000).map_err(Failure::DeployTimeCheck)?;
    }
    Ok((Some(ka), b))
}

/// The key ARN of the alias S's default encryption names, if it names one other than an AWS
/// managed key's (`DescribeKey`; a key id or ARN is compared as it is). Unresolvable stays
/// unresolved: the warning then says it cannot tell.
async fn resolve_default_alias(
    c: &AccountClients,
    encryption: Option<DefaultEncryption>,
    source_key: (&KmsKeyRef, &ResolvedKey),
) -> Option<DefaultEncryption> {
    let mut e = encryption?;
    if let Some(alias) = e.alias_to_resolve() {
        // The alias SourceKmsKeyArn names was described a moment ago: no second DescribeKey.
        if &alias == source_key.0 {
            e.kms_key_arn = Some(source_key.1.arn.to_string());
        } else {
            match steps::describe_key(c, &alias, "S's default encryption").await {
                Ok(key) => e.kms_key_arn = Some(key.arn.to_string()),
                Err(error) => tracing::info!(%alias, %error, "S's default key alias not resolved"),
            }
        }
    }
    Some(e)
}

/// S's default encryption against KA: each warning logged at warn level, and the text for
/// `SourceEncryptionWarning` (empty when there is none).
fn warn_of_source_encryption(
    spec: &replication_core::properties::SourceSpec,
    facts: &SourceFacts,
) -> String {
    let warnings = source_encryption_warnings(
        spec.source_bucket.as_str(),
        facts.source_encryption.as_ref(),
        &spec.source_key,
    );
    for w in &warnings {
        tracing::warn!(
            bucket = %spec.source_bucket,
            document = %w.document,
            problem = %w.problem,
            fix = %w.fix,
            "S's default encryption: some objects replicate other than under KB, or fail"
        );
    }
    outputs::warning_text(&warnings)
}

/// S's `s3:Replication:*` events to `ReplicationEventsQueueArn` (joining the configuration of
/// the pairs from S that name the same queue), or, when an in-place Update drops the queue, this
/// pair out of it. A replacement's old resource leaves on its Delete.
async fn replication_events_notification(
    c: &AccountClients,
    old: Option<&SourceProperties>,
    props: &SourceProperties,
    spec: &replication_core::properties::SourceSpec,
) -> Result<(), Failure> {
    let bucket = spec.source_bucket.as_str();
    let scope = spec.sid_scope();
    if let Some(queue) = &spec.replication_events_queue {
        let queue = queue.to_string();
        let planned =
            steps::prepare_notification(c, &REPLICATION_EVENTS, bucket, &scope, Some(&queue))
                .await?;
        if let Some(config) = planned {
            steps::put_notification(c, bucket, config).await?;
        }
    } else if let Some(old) = old
        && old.replication_events_queue_arn.is_some()
        && !matches!(props.update_kind(old), UpdateKind::Replacement { .. })
    {
        steps::set_notification(c, &REPLICATION_EVENTS, bucket, &scope, None).await?;
    }
    Ok(())
}

/// After an Update of one pair (the same Sid scope), our grants leave the key and the role
/// that the old properties named and the new ones do not (issue 8, defect 4). Keys are compared
/// by ARN, so an alias of the same key is not "another key".
///
/// Key policies are touched only when the old and the new properties both say
/// `PolicyWrites: Apply`: with `Report` on either side, the statements on the old key are their
/// owner's (or were applied by them) and stay.
pub(super) async fn release_old_source_grants(
    c: &AccountClients,
    remote: Option<&AccountClients>,
    old: &SourceProperties,
    (spec, writes): (&replication_core::properties::SourceSpec, PolicyWrites),
) -> Result<(), Failure> {
    let scope = spec.sid_scope();
    let policies = writes.applies() && old.policy_writes.applies();
    let old_scope = SidScope::for_replication(
        &spec.source_account,
        &old.source_bucket,
        &old.destination_bucket,
    );
    if old_scope != scope {
        return Ok(()); // a replacement: CloudFormation's Delete of the old resource cleans up
    }
    if policies
        && let Some(key) = key_for_delete(c, &old.source_kms_key, "SourceKmsKeyArn").await?
        && key != spec.source_key
    {
        steps::remove_key_policy_statements(c, &key, &scope).await?;
    }
    let old_role = old.effective_role_name();
    if old_role != spec.role_arn.name() {
        steps::remove_replication_role(c, &old_role, &scope).await?;
    }
    if let Some(b) = remote
        && policies
        && let Some(key) =
            key_for_delete(b, &old.destination_kms_key, "DestinationKmsKeyArn").await?
        && key != spec.destination_key
    {
        steps::remove_key_policy_statements(b, &key, &scope).await?;
    }
    Ok(())
}

pub(super) async fn delete_source(
    props: &Props<SourceProperties>,
    setup: &Setup,
    account: Option<AccountId>,
) -> Result<(), Failure> {
    let Ok(props) = &props.new else {
        tracing::warn!(
            "Delete with unparseable properties: nothing of ours can be named, nothing removed"
        );
        return Ok(());
    };
    let regional = in_bucket_region(&setup.home, props.source_bucket.as_str()).await;
    let c = &regional;
    let rule_ids: Vec<String> = props.rules.iter().map(|r| r.id.clone()).collect();
    let owner = plan::RuleOwner {
        ids: &rule_ids,
        destination_bucket: props.destination_bucket.as_str(),
        destination_account: props.destination_account_id.as_str(),
    };
    let still_used_by =
        steps::remove_replication_rules(c, props.source_bucket.as_str(), &owner).await?;
    let account = account.ok_or(Failure::UnknownAccount)?;
    let scope =
        SidScope::for_replication(&account, &props.source_bucket, &props.destination_bucket);
    // Rules from S to D remain: a replacement's new resource (same Sid scope, such as a change
    // of DestinationAccountId alone) or someone else still replicates through the scope's
    // grants. They stay; only a role that the configuration no longer uses loses our policy.
    if let Some(role) = still_used_by {
        let old_role = props.effective_role_name();
        tracing::info!(
            rules_to = %props.destination_bucket,
            role = %role,
            "rules to the destination remain; the pair's grants are kept"
        );
        if role.rsplit('/').next() != Some(old_role.as_str()) {
            steps::remove_replication_role(c, &old_role, &scope).await?;
        }
        return Ok(());
    }
    if props.replication_events_queue_arn.is_some() {
        steps::set_notification(
            c,
            &REPLICATION_EVENTS,
            props.source_bucket.as_str(),
            &scope,
            None,
        )
        .await?;
    }
    // PolicyWrites: Report: KA's key policy is its owner's; nothing is removed from it.
    if props.policy_writes.applies()
        && let Some(key) = key_for_delete(c, &props.source_kms_key, "SourceKmsKeyArn").await?
    {
        steps::remove_key_policy_statements(c, &key, &scope).await?;
    }
    steps::remove_replication_role(c, &props.effective_role_name(), &scope).await?;
    if let Some(role) = &props.destination_access_role_arn {
        let b = setup.assume(role).await?;
        let b = in_bucket_region(&b, props.destination_bucket.as_str()).await;
        remove_destination(
            &b,
            props.destination_bucket.as_str(),
            &props.destination_kms_key,
            &scope,
            props.policy_writes,
        )
        .await?;
    }
    Ok(())
}
