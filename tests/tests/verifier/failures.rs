//! When AWS or the configuration fails: a denied HeadObject fails exactly its message, a bad
//! variable stops the cold start, a failed PutMetricData falls back to EMF.

use aws_sdk_s3::types::ServerSideEncryption;
use e2e_tests::emulator::Emulator;
use e2e_tests::proxy::{Fault, FaultProxy};
use e2e_tests::runtime_api::{LambdaProcess, Outcome, binary_path};
use e2e_tests::target::{Target, emulator_only};
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::support::{emf_sum, json_lines, verdict_lines, verifier, wait};

#[tokio::test]
async fn a_denied_head_object_fails_exactly_its_sqs_message() {
    if emulator_only(
        "a_denied_head_object_fails_exactly_its_sqs_message",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN two objects in D and an S3 endpoint that denies HeadObject on one of them
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    for key in ["allowed.txt", "denied.txt"] {
        world
            .b
            .s3
            .put_object()
            .bucket(&world.destination_bucket)
            .key(key)
            .body(b"x".to_vec().into())
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&world.destination_key_arn)
            .send()
            .await
            .unwrap();
    }
    let event = world.sqs_lambda_event(2, wait()).await.unwrap();
    let denied_id = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"].as_str().unwrap().contains("denied.txt"))
        .map(|r| r["messageId"].clone())
        .unwrap();
    let proxy = FaultProxy::start(Emulator::shared().unwrap().endpoint())
        .await
        .unwrap();
    proxy.add_fault(Fault {
        path_contains: "/denied.txt".into(),
        status: 403,
        code: "AccessDenied".into(),
    });

    // WHEN the batch is verified through that endpoint
    let mut f = verifier(
        &world,
        &[
            ("AWS_ENDPOINT_URL_S3", proxy.endpoint()),
            ("REQUIRE_REPLICA_STATUS", "false"),
        ],
    )
    .await;
    let response = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN exactly the denied message is returned for retry, and each replica cost one call
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": denied_id}]})
    );
    assert_eq!(proxy.traffic().calls().get("HEAD"), Some(&2));
    let lines = json_lines(&f);
    let errors = verdict_lines(&lines, "Error");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["reason"]
            .as_str()
            .unwrap()
            .contains("AccessDenied")
    );
    assert_eq!(emf_sum(&lines, "VerificationErrors"), 1.0);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 1.0);

    // AND invoked directly, the same error fails the invocation so Lambda retries it
    let direct: Value = serde_json::from_str(
        event["Records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["messageId"] == denied_id)
            .unwrap()["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let out = f.invoke(&direct).await.unwrap();
    assert!(
        matches!(&out, Outcome::Error { error_type, .. } if error_type == "TransientVerificationError"),
        "{out:?}"
    );
}

#[tokio::test]
async fn bad_configuration_stops_the_cold_start_with_the_variable_named() {
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let mut env = world.b.lambda_env();
    env.push((
        "EXPECTED_KMS_KEY_ARN".into(),
        world.destination_key_arn.clone(),
    ));
    env.push(("METRICS_SINK".into(), "stdout".into()));
    let err = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("METRICS_SINK"), "{err:#}");
}

#[tokio::test]
async fn a_failed_put_metric_data_is_logged_and_its_metrics_written_as_emf() {
    if emulator_only(
        "a_failed_put_metric_data_is_logged_and_its_metrics_written_as_emf",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN a CloudWatch endpoint that fails every call, and an object to verify
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key("plain.txt")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let event = world.sqs_lambda_event(1, wait()).await.unwrap();
    let proxy = FaultProxy::start(Emulator::shared().unwrap().endpoint())
        .await
        .unwrap();
    proxy.add_fault(Fault {
        path_contains: "/operation/PutMetricData".into(),
        status: 400,
        code: "InvalidParameterValue".into(),
    });

    // WHEN the verifier publishes with PutMetricData through it
    let mut f = verifier(
        &world,
        &[
            ("METRICS_SINK", "cloudwatch"),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", proxy.endpoint()),
        ],
    )
    .await;
    f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN the failure is logged with what it carried, and the metrics still reach stdout as EMF
    let lines = json_lines(&f);
    let failure = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("PutMetricData failed"))
        })
        .unwrap();
    assert!(
        failure["metrics"]
            .as_str()
            .unwrap()
            .contains("ReplicaNotKmsEncrypted"),
        "{failure}"
    );
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 1.0);
}
