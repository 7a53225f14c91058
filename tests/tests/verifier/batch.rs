//! S3 Batch Operations: every task answered with its verdict.

use e2e_tests::batch::{encode_key, task_event};

use crate::support::{
    emf_sum, json_lines, put_and_replicate, replicated_world, rewrite_under_a_new_key, verifier,
    wait,
};

#[tokio::test]
async fn batch_operations_audit_answers_every_task_with_its_verdict() {
    // GIVEN D holding a verified replica, a replica rewritten under another key, and an object
    // written straight into D (SSE-S3)
    let world = replicated_world().await;
    let good = "audit/good report.txt";
    let rewritten = "audit/rewritten+file.txt";
    let good_version = world.put_source_object(good, "payload").await.unwrap();
    world
        .wait_for_source_status(good, &good_version, wait())
        .await
        .unwrap();
    put_and_replicate(&world, &[rewritten]).await;
    rewrite_under_a_new_key(&world, rewritten).await;
    let plain = "audit/plain.txt";
    world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key(plain)
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let mut f = verifier(&world, &[("MISSING_RETRIES", "0")]).await;
    let d = world.destination_bucket.clone();
    let cases = [
        (
            encode_key(good),
            Some(good_version.as_str()),
            "Succeeded",
            "Verified",
        ),
        (
            encode_key(rewritten),
            None,
            "PermanentFailure",
            "WrongKey: ",
        ),
        (
            encode_key(plain),
            None,
            "PermanentFailure",
            "NotKmsEncrypted: encryption AES256",
        ),
        (
            "audit/gone.txt".to_owned(),
            None,
            "PermanentFailure",
            "Missing: ",
        ),
        (
            "audit/bad%ZZ".to_owned(),
            None,
            "PermanentFailure",
            "Unreadable: s3Key",
        ),
    ];

    for schema in ["1.0", "2.0"] {
        for (encoded, version, code, prefix) in &cases {
            // WHEN Batch Operations invokes the verifier with one task
            let event = task_event(schema, &d, encoded, *version).unwrap();
            let out = f.invoke(&event).await.unwrap().into_response().unwrap();

            // THEN the one result echoes the ids and names the verdict
            assert_eq!(out["invocationSchemaVersion"], schema);
            assert_eq!(out["invocationId"], event["invocationId"]);
            let result = &out["results"][0];
            assert_eq!(result["taskId"], event["tasks"][0]["taskId"], "{out}");
            assert_eq!(result["resultCode"], *code, "{schema} {encoded}: {out}");
            let text = result["resultString"].as_str().unwrap();
            assert!(text.starts_with(prefix), "{schema} {encoded}: {text}");
        }
    }

    // AND the metrics are counted as for any other input (both schemas)
    let lines = json_lines(&f);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaWrongKey"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaMissing"), 2.0);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["message"] == "record unreadable")
            .count(),
        2,
        "an unreadable task is logged with its raw key"
    );
}
