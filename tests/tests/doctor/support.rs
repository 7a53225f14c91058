//! Helpers shared by the doctor's test modules: a configured world, the doctor run on it, and
//! the one finding every way of running it must name.

use e2e_tests::doctor_cli::{self, DoctorRun};
use serde_json::{Value, json};

use crate::common;
use crate::common::harness::{Harness, Side};

/// The doctor on `h`'s pair, with both accounts' profiles unless `one_account`.
pub(crate) fn run(h: &Harness, one_account: bool, json: bool) -> DoctorRun {
    doctor_cli::run(&h.world, Some(&h.world.queue_arn), one_account, json).unwrap()
}

/// A world configured by our resources, with default properties.
pub(crate) async fn configured() -> Harness {
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    h
}

/// Break the pair in one place: the role's grant of `kms:Decrypt` on KA (Sid
/// `SourceKeyDecrypt`) taken out, so every SSE-KMS object FAILS.
pub(crate) async fn remove_source_key_decrypt(h: &Harness) {
    h.edit_role_policy(|doc| {
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Sid"] != "SourceKeyDecrypt");
    })
    .await;
}

/// What a repeat Create of the side that sees a breakage does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redeploy {
    /// It writes the document again, and the side's check then finds nothing.
    Repairs,
    /// It cannot (a key's state, a foreign Deny): it fails with the finding in its Reason.
    Fails,
}

/// The breakage seen by every way of running the doctor, each naming it as the only finding
/// with `step` and `document`:
/// 1. the CLI, JSON (exit 1) and human output (a ✗ line with the fix), cross-checked by the
///    emulator's own permission check (an independent reading of the same AWS rules, in
///    Python; in live mode, AWS itself) replicating an object: FAILED when the finding stops
///    replication, COMPLETED when it does not (step 7, verification);
/// 2. the scheduled check of `side` (the account that can see the document): its finding, and
///    its `ReplicationSetupFindings` metric read back from CloudWatch as 1;
/// 3. the deploy-time path: a repeat Create of `side` repairs it or fails with the finding.
///
/// The CLI's JSON finding.
pub(crate) async fn only_finding(
    h: &mut Harness,
    (step, document): (u64, &str),
    side: Side,
    redeploy: Redeploy,
) -> Value {
    let json_run = run(h, false, true);
    let report = json_run.json().unwrap();
    assert_eq!(json_run.code, 1, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    let finding = findings[0].clone();
    assert_eq!(finding["step"], step, "{report:#}");
    assert!(
        finding["document"].as_str().unwrap().contains(document),
        "{report:#}"
    );
    let fix = finding["fix"].as_str().unwrap();
    assert!(!fix.is_empty());
    let text = run(h, false, false);
    assert_eq!(text.code, 1, "{}", text.stdout);
    assert!(
        text.stdout.contains('✗') && text.stdout.contains(fix),
        "{}",
        text.stdout
    );
    let want = if step == 7 { "COMPLETED" } else { "FAILED" };
    assert_eq!(
        replication_outcome(h).await,
        want,
        "the emulator disagrees: {report:#}"
    );

    let scheduled = h.scheduled_check(side, false).await;
    let seen = scheduled["findings"].as_array().unwrap();
    assert_eq!(seen.len(), 1, "{scheduled:#}");
    assert_eq!(seen[0]["step"], step, "{scheduled:#}");
    assert!(
        seen[0]["document"].as_str().unwrap().contains(document),
        "{scheduled:#}"
    );
    assert_eq!(h.findings_read_back(side).await, Some(1.0), "{scheduled:#}");

    let answer = h.redeploy(side).await;
    match redeploy {
        Redeploy::Repairs => {
            assert_eq!(answer["Status"], "SUCCESS", "{answer}");
            let after = h.scheduled_check(side, false).await;
            assert_eq!(after["findings"], json!([]), "not repaired: {after:#}");
        }
        Redeploy::Fails => {
            assert_eq!(answer["Status"], "FAILED", "{answer}");
            let reason = answer["Reason"].as_str().unwrap();
            assert!(
                reason.contains(&format!("step {step}")) && reason.contains(document),
                "{reason}"
            );
        }
    }
    finding
}

/// Put an SSE-KMS object in S (S's default decides its Bucket Key); its final status, or
/// FAILED when not even the source object can be written (KA unusable).
pub(crate) async fn replication_outcome(h: &Harness) -> String {
    let w = &h.world;
    let key = e2e_tests::unique_name("cross-check");
    let version = match w.put_source_object(&key, "x").await {
        Ok(v) => v,
        Err(e) if format!("{e:?}").contains("KMSInvalidStateException") => {
            return "FAILED".to_owned();
        }
        Err(e) => panic!("{e:?}"),
    };
    let head = w
        .wait_for_source_status(&key, &version, common::harness::wait())
        .await
        .unwrap();
    head.replication_status.unwrap().as_str().to_owned()
}
