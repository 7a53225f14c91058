//! Act 8: replication-doctor, healthy and then with one finding.

use crate::schedule::scheduled_period;
use crate::{Deployed, Run};

/// Act 8: replication-doctor, healthy; then with KB's statement removed, the one finding, and
/// the next scheduled period in B counting it.
pub(crate) async fn doctor(run: &mut Run, deployed: &mut Deployed) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Deployed {
        in_b,
        destination_props,
        ..
    } = deployed;
    // The doctor: read-only, both accounts; healthy, then one grant broken.
    println!("\n[doctor] replication-doctor on this pair, then on it with KB's statement removed");
    let healthy = e2e_tests::doctor_cli::run(w, Some(&w.queue_arn), false, false)?;
    demo.detail("replication-doctor (healthy)", &healthy.stdout);
    demo.check(
        healthy.code == 0 && healthy.stdout.trim_end().ends_with("healthy"),
        "doctor: healthy, every check ✓",
        &format!("exit {}", healthy.code),
    );
    let kb_policy = w.remove_our_key_statements(&w.destination_key_arn).await?;
    let sick = e2e_tests::doctor_cli::run(w, Some(&w.queue_arn), false, true)?;
    let report = sick.json()?;
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        println!(
            "  ✗ step {}: {}\n      {}\n      fix: {}",
            f["step"],
            f["document"].as_str().unwrap_or(""),
            f["problem"].as_str().unwrap_or(""),
            f["fix"].as_str().unwrap_or("")
        );
    }
    demo.check(
        sick.code == 1 && findings.len() == 1 && findings[0]["step"] == 4,
        "doctor: the one finding is step 4, KB's key policy",
        &format!("exit {}", sick.code),
    );
    let period = scheduled_period(in_b, &w.b, destination_props, true).await?;
    demo.check(
        period["findings"]
            .as_array()
            .is_some_and(|f| f.len() == 1 && f[0]["step"] == 4),
        "schedule: the next period in B counts it (ReplicationSetupFindings 1) and logs it",
        "",
    );
    w.b.kms
        .put_key_policy()
        .key_id(&w.destination_key_arn)
        .policy_name("default")
        .policy(kb_policy.to_string())
        .send()
        .await?;

    Ok(())
}
