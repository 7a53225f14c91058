//! Act 7: one period of the scheduled check on both sides, with A's liveness canary.

use anyhow::Context;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::{Deployed, Run, Verifying, WAIT};

/// Act 7: one period of the scheduled check on both sides, with A's liveness canary.
pub(crate) async fn schedule(
    run: &mut Run,
    deployed: &mut Deployed,
    v: &mut Verifying,
) -> anyhow::Result<()> {
    let Run {
        demo, w, namespace, ..
    } = run;
    let Deployed {
        in_a,
        in_b,
        destination_props,
        source_props,
        ..
    } = deployed;
    let Verifying { verifier, .. } = v;
    // One scheduled period: each side's checks, and A's liveness canary verified in B.
    println!(
        "\n[schedule] one period of the scheduled check (EventBridge Scheduler), both sides, with liveness"
    );
    let period = scheduled_period(in_b, &w.b, destination_props, true).await?;
    let (a_period, canary) = liveness_period(w, in_a, source_props, verifier).await?;
    let canary_sums = w
        .destination_metric_sums(
            namespace,
            &[replication_core::metric_names::CANARY_REPLICA_VERIFIED],
        )
        .await?;
    println!(
        "  findings: destination {}, source {}; canary {} replicated and verified: CanaryReplicaVerified = {}",
        period["findings"].as_array().map_or(0, Vec::len),
        a_period["findings"].as_array().map_or(0, Vec::len),
        canary,
        canary_sums[0].1
    );
    demo.check(
        period["findings"] == json!([])
            && a_period["findings"] == json!([])
            && canary_sums[0].1 == 1.0,
        "schedule: 0 findings on both sides; the liveness canary's replica verified in B",
        "ReplicationSetupFindings 0 (EMF, into CloudWatch), CanaryReplicaVerified 1",
    );

    Ok(())
}

/// One scheduled period of `f` (a setup function), as the template's schedule invokes it with
/// `props`; its EMF lines go into `c`'s CloudWatch, as CloudWatch Logs would extract them.
pub(crate) async fn scheduled_period(
    f: &mut LambdaProcess,
    c: &e2e_tests::accounts::Clients,
    props: &Value,
    liveness: bool,
) -> anyhow::Result<Value> {
    let resource_type = if props.get("SourceKmsKeyArn").is_some() {
        "Custom::ReplicationSource"
    } else {
        "Custom::ReplicationDestination"
    };
    let payload = e2e_tests::cfn::scheduled_check(resource_type, props, liveness);
    let before = f.stdout_lines().len();
    let answer = f.invoke(&payload).await?.into_response()?;
    let lines = f.stdout_lines().split_off(before);
    e2e_tests::emf::ship(&lines, &c.cloudwatch).await?;
    Ok(answer)
}

/// A's scheduled period with liveness: its canary replicates, and the verifier in B verifies
/// the replica from D's notification. A's answer, and the canary's key.
async fn liveness_period(
    w: &World,
    in_a: &mut LambdaProcess,
    source_props: &Value,
    verifier: &mut LambdaProcess,
) -> anyhow::Result<(Value, String)> {
    let answer = scheduled_period(in_a, &w.a, source_props, true).await?;
    let key = answer["liveness"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let version = answer["liveness"]["written"]
        .as_str()
        .context("no liveness canary written")?;
    w.wait_for_source_status(&key, version, WAIT).await?;
    let event = w.sqs_lambda_event(1, WAIT).await?;
    verifier.invoke(&event).await?.into_response()?;
    Ok((answer, key))
}
