//! Act 6: every replica already in D, audited through S3 Batch Operations events, one per
//! version, with each task's own answer (act 9, `closed_loop`, runs the audit as a real job).

use e2e_tests::batch;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::world::World;

use crate::{KEYS, Run, Verifying};

/// Act 6: every replica already in D, audited as an S3 Batch Operations job would.
pub(crate) async fn audit(run: &mut Run, v: &mut Verifying) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Verifying { verifier, .. } = v;
    let keys = KEYS;
    let victim = keys[0];
    // 6. Audit every replica already in D, as an S3 Batch Operations job would.
    println!(
        "\n[audit] S3 Batch Operations tasks over every object version in D (schema 2.0, one task per invocation),\n        each shown with the verifier's own answer; [closed loop] below runs real jobs on the emulator's engine"
    );
    let audit = audit_destination(w, verifier).await?;
    println!(
        "\n  {:<28} {:<10} {:<17} resultString",
        "key", "version", "resultCode"
    );
    for (key, version, code, text) in &audit {
        println!("  {key:<28} {:<10} {code:<17} {text}", short(version));
    }
    let failed: Vec<_> = audit
        .iter()
        .filter(|(_, _, code, _)| code != "Succeeded")
        .collect();
    demo.check(
        audit.len() == keys.len() + 1
            && failed.len() == 1
            && failed[0].0 == victim
            && failed[0].2 == "PermanentFailure"
            && failed[0].3.starts_with("WrongKey"),
        "audit: every version verified but the rewritten one, a PermanentFailure WrongKey",
        &format!("{} tasks", audit.len()),
    );

    Ok(())
}

/// One Batch Operations task per object version in D, each answered by the verifier:
/// (key, version, resultCode, resultString).
async fn audit_destination(
    w: &World,
    verifier: &mut LambdaProcess,
) -> anyhow::Result<Vec<(String, String, String, String)>> {
    let listing =
        w.b.s3
            .list_object_versions()
            .bucket(&w.destination_bucket)
            .send()
            .await?;
    let mut rows = Vec::new();
    for v in listing.versions() {
        let (Some(key), Some(version)) = (v.key(), v.version_id()) else {
            continue;
        };
        let event = batch::task_event(
            "2.0",
            &w.destination_bucket,
            &batch::encode_key(key),
            Some(version),
        )?;
        let answer = verifier.invoke(&event).await?.into_response()?;
        let result = &answer["results"][0];
        rows.push((
            key.to_owned(),
            version.to_owned(),
            result["resultCode"].as_str().unwrap_or_default().to_owned(),
            result["resultString"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    Ok(rows)
}

/// The first characters of a version id, for the table.
fn short(version: &str) -> String {
    version.chars().take(8).collect()
}
