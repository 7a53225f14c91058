//! Issue 21 §2: several sources into one D through the destination template's own `Trigger`
//! parameter. With `Trigger=Queue` a second stack's own queue would overlap the first's
//! configuration (S3 allows one unfiltered configuration per event type); `ExistingQueue`
//! joins the first stack's queue, and `EventBridge` gives each stack its own rule.

use aws_sdk_eventbridge::types::Target as RuleTarget;
use e2e_tests::accounts::Account;
use e2e_tests::cleanup::Resource;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::template::{Context, destination_template, verifier_env, world_parameters};
use e2e_tests::unique_name;
use e2e_tests::world::s3_queue;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE, wait};
use crate::role_settings::template_source_props;

/// The template resolver's stand-in for this stack's own queue (`Fn::GetAtt Queue.Arn`).
const TEMPLATE_QUEUE: &str = "arn:aws:sqs:us-east-1:222222222222:Queue";

/// The properties of the destination template's `ReplicationDestination` for `source` (and
/// its replication role `role`), with `extra` parameters; the stack's own queue is `queue`.
fn destination_stack(
    h: &Harness,
    source: &str,
    role: &str,
    queue: &str,
    extra: &[(&str, &str)],
) -> Value {
    let template = destination_template();
    let mut parameters = vec![
        ("SourceBucket", source),
        ("SourceAccountId", Account::A.id()),
        ("ReplicationRoleName", role),
    ];
    parameters.extend_from_slice(extra);
    let overrides = world_parameters(&h.world, &parameters);
    let resolved =
        Context::of(&template, &overrides).properties(&template, "ReplicationDestination");
    serde_json::from_str(&resolved.to_string().replace(TEMPLATE_QUEUE, queue)).unwrap()
}

/// A second source bucket in A (versioning and the rest are the source resource's job), and
/// the name of its replication role.
async fn second_source(h: &Harness) -> (String, String) {
    let w = &h.world;
    let bucket = unique_name("src2");
    w.a.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    w.track(Account::A, Resource::Bucket(bucket.clone()));
    let role = unique_name("replication2");
    w.track(Account::A, Resource::Role(role.clone()));
    (bucket, role)
}

/// Put an SSE-KMS (KA) object in `bucket` and wait for its replication status.
async fn replicate(h: &Harness, bucket: &str, key: &str) -> String {
    let w = &h.world;
    let put =
        w.a.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(b"payload".to_vec().into())
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
            .ssekms_key_id(&w.source_key_arn)
            .send()
            .await
            .unwrap();
    let version = put.version_id.unwrap();
    let deadline = std::time::Instant::now() + wait();
    loop {
        let head =
            w.a.s3
                .head_object()
                .bucket(bucket)
                .key(key)
                .version_id(&version)
                .send()
                .await
                .unwrap();
        let status = head.replication_status.map(|s| s.as_str().to_owned());
        if matches!(status.as_deref(), Some("COMPLETED" | "FAILED"))
            || std::time::Instant::now() > deadline
        {
            return status.unwrap_or_default();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The verifier as the destination template configures it, over what its queue received.
async fn verify_queue(h: &Harness, want: usize, marker: &str) -> Value {
    let w = &h.world;
    let event = w.sqs_lambda_event_with(want, marker, wait()).await.unwrap();
    let env = verifier_env(w, &destination_template(), &world_parameters(w, &[]));
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();
    f.invoke(&event).await.unwrap();
    // The EMF metric documents the verifier logs (its default sink).
    let verified: f64 = f
        .stdout_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l.get("_aws").is_some())
        .filter_map(|l| l.get("ReplicasVerified").and_then(Value::as_f64))
        .sum();
    json!({"messages": event["Records"].as_array().map_or(0, Vec::len), "verified": verified})
}

#[tokio::test]
async fn a_second_source_joins_the_first_stacks_queue_with_existing_queue() {
    // GIVEN the first source's stacks, the destination's with Trigger=Queue (the default)
    let mut h = Harness::new().await;
    let queue = h.world.queue_arn.clone();
    let (s1, r1) = (h.world.source_bucket.clone(), h.role_name.clone());
    let first = destination_stack(&h, &s1, &r1, &queue, &[]);
    assert_eq!(first["NotificationQueueArn"], queue.as_str());
    let answer = h.send("Create", DESTINATION, first, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let answer = h
        .send("Create", SOURCE, template_source_props(&h, &[]), None)
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");

    // WHEN a second source's destination stack keeps Trigger=Queue, with a queue of its own
    let (s2, r2) = second_source(&h).await;
    let (own_url, own_queue) = s3_queue(&h.world.b, "second-verifier").await.unwrap();
    h.world.track(Account::B, Resource::Queue(own_url));
    let clash = destination_stack(&h, &s2, &r2, &own_queue, &[]);
    let refused = h.send("Create", DESTINATION, clash, None).await;
    // THEN it fails, saying which parameters the template offers instead
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    let reason = refused["Reason"].as_str().unwrap();
    assert!(reason.contains("Trigger=ExistingQueue"), "{reason}");
    assert!(reason.contains("Trigger=EventBridge"), "{reason}");

    // WHEN it uses Trigger=ExistingQueue with the first stack's queue
    let second = destination_stack(
        &h,
        &s2,
        &r2,
        &own_queue,
        &[
            ("Trigger", "ExistingQueue"),
            ("ExistingQueueArn", queue.as_str()),
        ],
    );
    assert_eq!(second["NotificationQueueArn"], queue.as_str());
    let answer = h.send("Create", DESTINATION, second, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let props = template_source_props(
        &h,
        &[("SourceBucket", s2.as_str()), ("RoleName", r2.as_str())],
    );
    let answer = h.send("Create", SOURCE, props, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");

    // THEN D has one configuration for both pairs, objects from both sources replicate, and
    // the first stack's verifier judges both replicas
    let shared = h.queue_notifications().await;
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(replicate(&h, &s1, "from-first.txt").await, "COMPLETED");
    assert_eq!(replicate(&h, &s2, "from-second.txt").await, "COMPLETED");
    let judged = verify_queue(&h, 2, "ObjectCreated").await;
    assert_eq!(judged["verified"], 2.0, "{judged}");
}

#[tokio::test]
async fn each_sources_stack_routes_ds_events_with_its_own_eventbridge_rule() {
    // GIVEN two sources' destination stacks for one D, both with Trigger=EventBridge
    let mut h = Harness::new().await;
    let queue = h.world.queue_arn.clone();
    let (s1, r1) = (h.world.source_bucket.clone(), h.role_name.clone());
    let (s2, r2) = second_source(&h).await;
    let (second_url, second_queue) = s3_queue(&h.world.b, "second-verifier").await.unwrap();
    h.world
        .track(Account::B, Resource::Queue(second_url.clone()));
    for (source, role, own) in [(&s1, &r1, &queue), (&s2, &r2, &second_queue)] {
        let props = destination_stack(&h, source, role, own, &[("Trigger", "EventBridge")]);
        assert_eq!(props.get("NotificationQueueArn"), None, "{props}");
        let answer = h.send("Create", DESTINATION, props, None).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    }
    for props in [
        template_source_props(&h, &[]),
        template_source_props(
            &h,
            &[("SourceBucket", s2.as_str()), ("RoleName", r2.as_str())],
        ),
    ] {
        let answer = h.send("Create", SOURCE, props, None).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    }
    // THEN D delivers to EventBridge, and holds no queue configuration of ours
    let config = h.destination_notifications().await;
    let w = &h.world;
    assert!(config.event_bridge_configuration().is_some(), "{config:?}");
    assert!(h.queue_notifications().await.is_empty());

    // WHEN each stack's rule (the template's VerifierEventRule, its pattern as resolved) routes
    // to that stack's queue, and one object from each source replicates
    let template = destination_template();
    let overrides = world_parameters(w, &[("Trigger", "EventBridge")]);
    let cx = Context::of(&template, &overrides);
    assert!(cx.condition("TriggerEventBridge"));
    let rule = cx.properties(&template, "VerifierEventRule");
    let events = aws_sdk_eventbridge::Client::new(&w.b.config);
    for own in [&queue, &second_queue] {
        let name = unique_name("verifier-rule");
        events
            .put_rule()
            .name(&name)
            .event_pattern(rule["EventPattern"].to_string())
            .state(aws_sdk_eventbridge::types::RuleState::Enabled)
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(&name)
            .targets(
                RuleTarget::builder()
                    .id("verifier-queue")
                    .arn(own.as_str())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    assert_eq!(replicate(&h, &s1, "from-first.txt").await, "COMPLETED");
    assert_eq!(replicate(&h, &s2, "from-second.txt").await, "COMPLETED");

    // THEN the first stack's verifier, fed by its own rule, verifies both replicas in D
    let judged = verify_queue(&h, 2, "Object Created").await;
    assert_eq!(judged["verified"], 2.0, "{judged}");
    // AND the second stack's queue got the same two events from its own rule
    let received =
        w.b.sqs
            .receive_message()
            .queue_url(&second_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
    let bodies: Vec<String> = received
        .messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_owned))
        .filter(|b| b.contains("Object Created"))
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
}
