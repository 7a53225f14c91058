//! Acts 4 and 5: objects replicate and are verified, a replica rewritten under the wrong key is
//! caught, and the verifier's metrics are read back.

use aws_sdk_s3::types::*;
use e2e_tests::runtime_api::LambdaProcess;
use replication_core::s3_key::decode_event_key;
use serde_json::{Value, json};

use crate::{KEYS, Run, Verifying, WAIT};

/// Act 4: objects replicate, SQS delivers their events, and the verifier checks every replica.
pub(crate) async fn replicate(
    run: &mut Run,
    verifier_bin: &std::path::Path,
) -> anyhow::Result<Verifying> {
    let Run {
        demo, w, namespace, ..
    } = run;
    // 4. Objects replicate and are verified.
    println!("\n[7] replica-verifier: objects replicate, SQS delivers, every replica is checked");
    let keys = KEYS;
    for key in keys {
        let version = w.put_source_object(key, "demo payload").await?;
        let status = w
            .wait_for_source_status(key, &version, WAIT)
            .await
            .ok()
            .and_then(|h| h.replication_status)
            .map(|s| s.as_str().to_owned());
        demo.check(
            status.as_deref() == Some("COMPLETED"),
            &format!("replicated {key:?}"),
            status.as_deref().unwrap_or("no status"),
        );
    }
    let mut env = w.b.lambda_env();
    env.extend([
        (
            "EXPECTED_KMS_KEY_ARN".to_owned(),
            w.destination_key_arn.clone(),
        ),
        ("METRICS_SINK".to_owned(), "both".to_owned()),
        ("METRICS_NAMESPACE".to_owned(), namespace.clone()),
        (
            "DESTINATION_BUCKET".to_owned(),
            w.destination_bucket.clone(),
        ),
    ]);
    let mut verifier = LambdaProcess::spawn(verifier_bin, &env).await?;
    let event = w.sqs_lambda_event(keys.len(), WAIT).await?;
    let answer = verifier.invoke(&event).await?.into_response()?;
    let table = verdict_table(&event, &verifier);
    demo.check(
        answer == json!({"batchItemFailures": []})
            && table.iter().filter(|(_, v)| v == "Verified").count() == keys.len(),
        "every replica Verified (SSE-KMS under KB, REPLICA)",
        "",
    );

    Ok(Verifying { verifier, table })
}

/// Act 5: a replica rewritten under the wrong key is caught.
pub(crate) async fn wrong_key_is_caught(run: &mut Run, v: &mut Verifying) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Verifying {
        verifier, table, ..
    } = v;
    let keys = KEYS;
    // 5. A broken case is caught.
    let kx =
        w.b.kms
            .create_key()
            .description("KX, the wrong key")
            .send()
            .await?
            .key_metadata
            .and_then(|m| m.arn)
            .unwrap_or_default();
    let victim = keys[0];
    w.b.s3
        .copy_object()
        .bucket(&w.destination_bucket)
        .key(victim)
        .copy_source(format!(
            "{}/{}",
            w.destination_bucket,
            victim.replace(' ', "%20")
        ))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(&kx)
        .send()
        .await?;
    let event = w.sqs_lambda_event(1, WAIT).await?;
    verifier.invoke(&event).await?.into_response()?;
    table.extend(verdict_table(&event, verifier));
    demo.check(
        table
            .last()
            .is_some_and(|(k, v)| k == victim && v.starts_with("WrongKey")),
        "a replica rewritten under KX is caught as WrongKey",
        "",
    );
    println!("\n  {:<28} verdict", "replica");
    for (key, verdict) in table.iter() {
        println!("  {key:<28} {verdict}");
    }
    demo.detail("verifier stdout", &verifier.stdout_lines().join("\n"));

    Ok(())
}

/// The verifier's metrics, read back from CloudWatch.
pub(crate) async fn metrics_read_back(run: &mut Run) -> anyhow::Result<()> {
    let Run {
        demo, w, namespace, ..
    } = run;
    let keys = KEYS;
    let names = {
        use replication_core::metric_names::*;
        [
            REPLICAS_VERIFIED,
            REPLICA_WRONG_KEY,
            REPLICA_NOT_KMS_ENCRYPTED,
            REPLICA_MISSING,
            VERIFICATION_ERRORS,
        ]
    };
    let sums: Vec<f64> = w
        .destination_metric_sums(namespace, &names)
        .await?
        .into_iter()
        .map(|(_, sum)| sum)
        .collect();
    println!(
        "\n  metrics read back from CloudWatch ({namespace}, DestinationBucket={}):",
        w.destination_bucket
    );
    for (name, sum) in names.iter().zip(&sums) {
        println!("    {name:<24} {sum}");
    }
    demo.check(
        sums[0] == keys.len() as f64 && sums[1] == 1.0,
        "metrics: 3 verified, 1 wrong key",
        "",
    );

    Ok(())
}

/// (key, verdict) for the ObjectCreated messages of `event`: the verifier logs every verdict
/// other than Verified; a replica without such a line was Verified.
fn verdict_table(event: &Value, verifier: &LambdaProcess) -> Vec<(String, String)> {
    let lines: Vec<Value> = verifier
        .stdout_lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    event["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| serde_json::from_str::<Value>(r["body"].as_str()?).ok())
        .filter(|b| {
            b["Records"][0]["eventName"]
                .as_str()
                .is_some_and(|n| n.starts_with("ObjectCreated"))
        })
        .map(|b| {
            let raw = b["Records"][0]["s3"]["object"]["key"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let key = decode_event_key(&raw).unwrap_or(raw);
            let version = b["Records"][0]["s3"]["object"]["versionId"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let verdict = lines
                .iter()
                .rev()
                .find(|l| {
                    l["key"] == key.as_str()
                        && l["version"] == version.as_str()
                        && l.get("verdict").is_some()
                })
                .map(|l| {
                    format!(
                        "{} (actual key {})",
                        l["verdict"].as_str().unwrap_or("?"),
                        l["actual_key"].as_str().unwrap_or("-")
                    )
                })
                .unwrap_or_else(|| "Verified".to_owned());
            (key, verdict)
        })
        .collect()
}
