//! Acts 2 and 3: the setup bootstrap answers Create, destination then source.

use std::time::Instant;

use aws_sdk_s3::types::*;
use e2e_tests::accounts::Account;
use e2e_tests::cfn::{Request, ResponseBucket};
use e2e_tests::runtime_api::LambdaProcess;
use serde_json::{Value, json};

use crate::{Deployed, Run, foreign, sids};

/// Acts 2 and 3: the setup bootstrap answers Create, destination then source; each step checked.
pub(crate) async fn setup(run: &mut Run, setup_bin: &std::path::Path) -> anyhow::Result<Deployed> {
    let Run {
        demo,
        w,
        team_role,
        team_role_arn,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        namespace,
        ..
    } = run;
    // 2. The setup bootstrap, destination then source.
    println!("\n[1-6] replication-setup: CloudFormation Create, destination (B) then source (A)");
    let responses = ResponseBucket::create(&w.b).await?;
    let setup_env = |c: &e2e_tests::accounts::Clients| {
        let mut env = c.lambda_env();
        env.push(("METRICS_NAMESPACE".to_owned(), namespace.clone()));
        env
    };
    let mut in_b = LambdaProcess::spawn_in(setup_bin, &setup_env(&w.b), Account::B.id()).await?;
    let mut in_a = LambdaProcess::spawn_in(setup_bin, &setup_env(&w.a), Account::A.id()).await?;
    let destination_props = json!({
        "DestinationBucket": w.destination_bucket, "DestinationKmsKeyArn": w.destination_key_arn,
        "SourceAccountId": Account::A.id(), "SourceBucket": w.source_bucket,
        "ReplicationRoleArn": team_role_arn, "NotificationQueueArn": w.queue_arn});
    let source_props = json!({
        "SourceBucket": w.source_bucket, "SourceKmsKeyArn": w.source_key_arn,
        "DestinationBucket": w.destination_bucket, "DestinationAccountId": Account::B.id(),
        "DestinationKmsKeyArn": w.destination_key_arn, "RoleName": team_role,
        "ReplicationMetrics": "true", "Rules": [{"Id": "to-destination", "Priority": "2"}]});
    let t = Instant::now();
    let dst = responses
        .send(
            &mut in_b,
            Request {
                request_type: "Create",
                resource_type: "Custom::ReplicationDestination",
                properties: destination_props.clone(),
                old_properties: None,
                physical_id: None,
            },
        )
        .await?;
    let src = responses
        .send(
            &mut in_a,
            Request {
                request_type: "Create",
                resource_type: "Custom::ReplicationSource",
                properties: source_props.clone(),
                old_properties: None,
                physical_id: None,
            },
        )
        .await?;
    demo.detail("destination answer", &dst);
    demo.detail("source answer", &src);
    demo.check(
        dst["Status"] == "SUCCESS" && src["Status"] == "SUCCESS",
        "CloudFormation answered SUCCESS twice",
        &format!(
            "{} ms; Reason: {}",
            t.elapsed().as_millis(),
            [&dst, &src]
                .iter()
                .filter_map(|a| a["Reason"].as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    );

    let versioning = |v: Option<BucketVersioningStatus>| {
        v.map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "off".into())
    };
    let vs =
        w.a.s3
            .get_bucket_versioning()
            .bucket(&w.source_bucket)
            .send()
            .await?
            .status;
    let vd =
        w.b.s3
            .get_bucket_versioning()
            .bucket(&w.destination_bucket)
            .send()
            .await?
            .status;
    demo.check(
        vs == Some(BucketVersioningStatus::Enabled) && vd == Some(BucketVersioningStatus::Enabled),
        "step 1 versioning on S and D",
        &format!(
            "S {} (was on: {}), D {} (was on: {})",
            versioning(vs),
            src["Data"]["SourceVersioningWasEnabled"]
                .as_str()
                .unwrap_or("?"),
            versioning(vd.clone()),
            dst["Data"]["DestinationVersioningWasEnabled"]
                .as_str()
                .unwrap_or("?")
        ),
    );

    let inline =
        w.a.iam
            .get_role_policy()
            .role_name(team_role.as_str())
            .policy_name(w.role_policy_name()?)
            .send()
            .await;
    let inline_doc: Value = inline
        .as_ref()
        .ok()
        .and_then(|o| {
            percent_encoding::percent_decode_str(&o.policy_document)
                .decode_utf8()
                .ok()
        })
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    demo.detail("role inline policy", &inline_doc);
    let actions: Vec<String> = inline_doc["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .flat_map(|st| {
                    st["Action"]
                        .as_array()
                        .cloned()
                        .unwrap_or_else(|| vec![st["Action"].clone()])
                })
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    demo.check(
        inline.is_ok()
            && actions
                .iter()
                .any(|a| a == "s3:GetObjectVersionForReplication")
            && !actions.iter().any(|a| a.ends_with('*')),
        "step 2 replication role policy (least privilege, no wildcards)",
        &format!("{team_role}: {}", actions.join(", ")),
    );

    for (step, doc, before) in [
        (
            "step 3 KA key policy",
            w.key_policy(&w.source_key_arn).await?,
            &before_ka,
        ),
        (
            "step 4 KB key policy",
            w.key_policy(&w.destination_key_arn).await?,
            &before_kb,
        ),
        (
            "step 5 D bucket policy",
            w.destination_bucket_policy().await?.unwrap_or(Value::Null),
            &before_bucket_policy,
        ),
    ] {
        demo.detail(step, &doc);
        let (ours, kept) = sids(&doc);
        demo.check(
            !ours.is_empty() && foreign(&doc) == foreign(before),
            step,
            &format!("added {ours:?}; kept {kept:?} unchanged"),
        );
    }
    let rules = w.source_replication_rules().await?;
    let ours = rules.iter().find(|r| r.id() == Some("to-destination"));
    demo.check(
        ours.is_some_and(|r| {
            r.destination()
                .and_then(|d| d.encryption_configuration())
                .and_then(|e| e.replica_kms_key_id())
                == Some(w.destination_key_arn.as_str())
        }) && rules.contains(team_rule),
        "step 6 replication rule on S",
        &format!(
            "rules {:?}; ReplicaKmsKeyID = KB's ARN; team-archive kept",
            rules.iter().filter_map(|r| r.id()).collect::<Vec<_>>()
        ),
    );

    Ok(Deployed {
        responses,
        in_a,
        in_b,
        destination_props,
        source_props,
        dst,
        src,
    })
}
