//! Act 1: the "before" world.

use aws_sdk_s3::types::*;
use e2e_tests::accounts::Account;
use e2e_tests::emulator::Emulator;
use e2e_tests::target::Target;
use e2e_tests::unique_name;
use e2e_tests::world::{World, enable_versioning, foreign_replication_rule};
use serde_json::{Value, json};

use crate::{Demo, Run, sids};

/// Act 1: the "before" world: accounts A and B, buckets, customer keys, foreign statements,
/// and a rule of the team's own on S.
pub(crate) async fn the_world_before(mut demo: Demo) -> anyhow::Result<Run> {
    // 1. The "before" world.
    let emulator = Emulator::shared()?;
    println!(
        "\n[0] the world before: accounts A={} and B={} on {}",
        Account::A.id(),
        Account::B.id(),
        emulator.endpoint()
    );
    // Always the emulator, whatever the live-mode variables say.
    let w = World::create_with(Target::emulator()?, false, false).await?;
    let team_role = unique_name("team-replication");
    let archive = unique_name("archive");
    w.a.s3.create_bucket().bucket(&archive).send().await?;
    for bucket in [&w.source_bucket, &archive] {
        enable_versioning(&w.a, bucket).await?;
    }
    let team_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObjectVersionForReplication", "s3:ReplicateObject"],
        "Resource": [format!("arn:aws:s3:::{}/*", w.source_bucket), format!("arn:aws:s3:::{archive}/*")]}]});
    let team_role_arn = w.create_replication_role(&team_role, &team_policy).await?;
    let team_rule = foreign_replication_rule("team-archive", 1, "archive/", &archive)?;
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(
            ReplicationConfiguration::builder()
                .role(&team_role_arn)
                .rules(team_rule.clone())
                .build()?,
        )
        .send()
        .await?;
    w.add_foreign_statements().await?;
    let before_bucket_policy = w.destination_bucket_policy().await?.unwrap_or(Value::Null);
    let before_kb = w.key_policy(&w.destination_key_arn).await?;
    let before_ka = w.key_policy(&w.source_key_arn).await?;
    println!(
        "  S={} (versioned, rule team-archive), D={} (unversioned), KA, KB, queue in B",
        w.source_bucket, w.destination_bucket
    );
    println!(
        "  foreign statements: D policy {:?}, KB {:?}, KA {:?}",
        sids(&before_bucket_policy).1,
        sids(&before_kb).1,
        sids(&before_ka).1
    );

    // One namespace for every metric of the demo: the verifier's and the scheduled checks'.
    let namespace = unique_name("S3KmsReplication/Demo");
    demo.detail("metrics namespace", &namespace);
    Ok(Run {
        demo,
        emulator,
        w,
        team_role,
        team_role_arn,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        namespace,
    })
}
