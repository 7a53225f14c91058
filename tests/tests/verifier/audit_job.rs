//! `replication-doctor audit`: a real S3 Batch Operations job (the emulator's engine) invoking the
//! real verifier bootstrap once per object version of D, through a loopback function endpoint.

use e2e_tests::accounts::{Account, REGION};
use e2e_tests::batch::batch_operations_role;
use e2e_tests::cleanup::Resource;
use e2e_tests::doctor_cli;
use e2e_tests::emulator::Emulator;
use e2e_tests::lambda_endpoint::FunctionEndpoint;
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::support::{
    json_lines, put_and_replicate, replicated_world, rewrite_under_a_new_key, verdict_lines,
    verifier,
};

/// A bucket in B for the manifest and the report, and the destination template's
/// `ReplicaAuditRole` policy for `function`: (role ARN, bucket).
async fn audit_role(world: &World, function: &str) -> (String, String) {
    let bucket = unique_name("audit");
    world
        .b
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    world.track(Account::B, Resource::Bucket(bucket.clone()));
    let statements = vec![
        json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function}),
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": format!("arn:aws:s3:::{bucket}/*")}),
        json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}),
    ];
    let role = batch_operations_role(world, Account::B, "replica-audit", statements)
        .await
        .unwrap();
    (role, bucket)
}

/// D's object versions: (key, version id).
async fn versions_in_d(world: &World) -> Vec<(String, String)> {
    let listed = world
        .b
        .s3
        .list_object_versions()
        .bucket(&world.destination_bucket)
        .send()
        .await
        .unwrap();
    listed
        .versions()
        .iter()
        .map(|v| {
            (
                v.key().unwrap().to_owned(),
                v.version_id().unwrap().to_owned(),
            )
        })
        .collect()
}

// Multi-threaded: the CLI runs as a blocking child process while this test's runtime serves the
// function endpoint the engine invokes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_job_reports_what_the_verifier_answers_for_each_version_of_d() {
    if e2e_tests::target::emulator_only(
        "the_audit_job_reports_what_the_verifier_answers_for_each_version_of_d",
        "the function is registered with the emulator's Batch Operations engine",
    ) {
        return;
    }
    // GIVEN D holding verified replicas and one version rewritten under another key
    let world = replicated_world().await;
    let good = ["audit/one report.txt", "audit/two+more ü.txt"];
    let rewritten = "audit/rewritten.txt";
    put_and_replicate(&world, &good).await;
    put_and_replicate(&world, &[rewritten]).await;
    rewrite_under_a_new_key(&world, rewritten).await;
    let versions = versions_in_d(&world).await;
    assert_eq!(versions.len(), 4, "{versions:?}");
    // AND the verifier registered as the job's function, with the audit role
    let function = format!(
        "arn:aws:lambda:{REGION}:{}:function:{}",
        Account::B.id(),
        unique_name("verifier")
    );
    let endpoint = FunctionEndpoint::serve(verifier(&world, &[("MISSING_RETRIES", "0")]).await)
        .await
        .unwrap();
    endpoint
        .register(Emulator::shared().unwrap().endpoint(), &function)
        .await
        .unwrap();
    let (role, bucket) = audit_role(&world, &function).await;

    // WHEN the CLI runs the audit and waits for it
    let d = world.destination_bucket.clone();
    let args = [
        "audit",
        "--destination-bucket",
        &d,
        "--destination-profile",
        "b",
        "--function-arn",
        &function,
        "--job-role-arn",
        &role,
        "--manifest-bucket",
        &bucket,
        "--poll-seconds",
        "0.2",
        "--wait",
        "--json",
    ];
    let cli = |args: &[&str]| {
        tokio::task::block_in_place(|| doctor_cli::run_args(&world, args, Some(REGION)).unwrap())
    };
    let run = cli(&args);

    // THEN the report holds one task per version: three verified, the rewritten one failed
    let out: Value = run.json().unwrap();
    assert_eq!(run.code, 1, "a finding: {out:#}\n{}", run.stderr);
    assert_eq!(out["command"], "audit", "{out:#}");
    assert_eq!(out["status"], "Complete", "{out:#}");
    assert_eq!(out["total_tasks"], 4, "{out:#}");
    let summary = &out["summary"];
    assert_eq!(summary["succeeded"], 3, "{out:#}");
    assert_eq!(summary["succeeded_by_message"]["Verified"], 3, "{out:#}");
    assert_eq!(summary["failed"], 1, "{out:#}");
    assert_eq!(summary["failed_by_code"]["PermanentFailure"], 1, "{out:#}");
    assert_eq!(summary["first_failures"][0]["key"], rewritten, "{out:#}");
    assert!(
        run.stderr.contains("wrote a manifest of 4 object versions"),
        "{}",
        run.stderr
    );
    // AND the verifier's own line says why: WrongKey, for the rewritten version
    let lines = json_lines(&*endpoint.process().await);
    let wrong = verdict_lines(&lines, "WrongKey");
    assert_eq!(wrong.len(), 1, "{lines:?}");
    assert_eq!(wrong[0]["key"], rewritten);

    // The same, as a person reads it (without --json); `--nocapture` prints it.
    let text = cli(&args[..args.len() - 1]);
    println!("{}{}", text.stderr, text.stdout);
    assert!(
        text.stdout.contains("  3 succeeded, 1 failed\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("succeeded as Verified: 3"),
        "{}",
        text.stdout
    );
}
