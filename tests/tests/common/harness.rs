//! The setup function's test harness, shared by the end-to-end test files that configure a
//! world through the real bootstrap (`setup/`, `doctor/`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every file uses every helper

use std::time::Duration;

use e2e_tests::accounts::{Account, Clients};
use e2e_tests::cfn::{Request, ResponseBucket};
use e2e_tests::cleanup::Resource;
use e2e_tests::emulator::Emulator;
use e2e_tests::proxy::FaultProxy;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::target::Target;
use e2e_tests::unique_name;
use e2e_tests::world::{World, enable_versioning};
use serde_json::{Value, json};

pub(crate) const DESTINATION: &str = "Custom::ReplicationDestination";
pub(crate) const SOURCE: &str = "Custom::ReplicationSource";
/// How long an object may take to replicate (15 s on the emulator, minutes in live mode).
pub(crate) fn wait() -> Duration {
    Target::shared().map_or(Duration::from_secs(15), Target::replication_wait)
}

/// Which custom resource, and so which account's function and view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// `Custom::ReplicationSource`, in A.
    Source,
    /// `Custom::ReplicationDestination`, in B.
    Destination,
}

impl Side {
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Side::Source => SOURCE,
            Side::Destination => DESTINATION,
        }
    }

    /// The value of the scheduled check's `Side` dimension.
    pub(crate) fn dimension(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Destination => "destination",
        }
    }
}

pub(crate) struct Harness {
    pub(crate) world: World,
    pub(crate) role_name: String,
    pub(crate) responses: ResponseBucket,
    pub(crate) in_a: LambdaProcess,
    pub(crate) in_b: LambdaProcess,
}

/// Object Lock on an existing, versioned bucket (`PutObjectLockConfiguration`: S3 User Guide,
/// "Configuring S3 Object Lock", "Enable Object Lock on an existing S3 bucket").
pub(crate) async fn enable_object_lock(c: &Clients, bucket: &str) {
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.s3.put_object_lock_configuration()
        .bucket(bucket)
        .object_lock_configuration(
            aws_sdk_s3::types::ObjectLockConfiguration::builder()
                .object_lock_enabled(aws_sdk_s3::types::ObjectLockEnabled::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

pub(crate) async fn setup_function(c: &Clients, extra: &[(&str, &str)]) -> LambdaProcess {
    let mut env = c.lambda_env();
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    LambdaProcess::spawn_in(&binary_path("replication-setup"), &env, c.account.id())
        .await
        .unwrap()
}

impl Harness {
    /// Unversioned buckets, no notifications: the function must do it all.
    pub(crate) async fn new() -> Self {
        Self::with_env(&[]).await
    }

    /// [`Harness::new`], with both functions' AWS calls (every service's, or one service's:
    /// `variable` is `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_<SERVICE>`) sent through a proxy.
    pub(crate) async fn behind_proxy(variable: &str) -> (Self, FaultProxy) {
        let proxy = FaultProxy::start(Emulator::shared().unwrap().endpoint())
            .await
            .unwrap();
        let h = Self::with_env(&[(variable, proxy.endpoint())]).await;
        (h, proxy)
    }

    pub(crate) async fn with_env(extra: &[(&str, &str)]) -> Self {
        let world = World::create_with(Target::shared().unwrap(), false, false)
            .await
            .unwrap();
        Self::around(world, extra).await
    }

    /// [`Harness::new`] with account B's side (D, KB, the queue) in `region`; both functions
    /// still run in the tests' home region.
    pub(crate) async fn with_destination_in(region: &str) -> Self {
        let world = World::create_in_region(Target::shared().unwrap(), false, false, region)
            .await
            .unwrap();
        Self::around(world, &[]).await
    }

    async fn around(world: World, extra: &[(&str, &str)]) -> Self {
        // The role the setup function creates, and the answers' bucket, go with the world.
        let role_name = unique_name("replication");
        world.track(Account::A, Resource::Role(role_name.clone()));
        // In the home region, wherever B's side is: the bucket of CloudFormation's answers.
        let home = world.b.in_region(e2e_tests::accounts::REGION);
        let responses = ResponseBucket::create(&home).await.unwrap();
        world.track(Account::B, Resource::Bucket(responses.name().to_owned()));
        Self {
            role_name,
            responses,
            in_a: setup_function(&world.a, extra).await,
            in_b: setup_function(&world.b, extra).await,
            world,
        }
    }

    pub(crate) fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", Account::A.id(), self.role_name)
    }

    pub(crate) fn destination_props(&self) -> Value {
        let w = &self.world;
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:222222222222:function:replication-setup",
            "DestinationBucket": w.destination_bucket,
            "DestinationKmsKeyArn": w.destination_key_arn,
            "SourceAccountId": Account::A.id(),
            "SourceBucket": w.source_bucket,
            "ReplicationRoleArn": self.role_arn(),
            "NotificationQueueArn": w.queue_arn,
        })
    }

    pub(crate) fn source_props(&self) -> Value {
        let w = &self.world;
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:replication-setup",
            "SourceBucket": w.source_bucket,
            "SourceKmsKeyArn": w.source_key_arn,
            "DestinationBucket": w.destination_bucket,
            "DestinationAccountId": Account::B.id(),
            "DestinationKmsKeyArn": w.destination_key_arn,
            "RoleName": self.role_name,
            "ReplicationMetrics": "true",
        })
    }

    pub(crate) async fn send(
        &mut self,
        request_type: &str,
        resource_type: &str,
        props: Value,
        physical_id: Option<String>,
    ) -> Value {
        let deadline = Duration::from_secs(120);
        self.send_with_deadline(request_type, resource_type, props, physical_id, deadline)
            .await
    }

    pub(crate) async fn send_with_deadline(
        &mut self,
        request_type: &str,
        resource_type: &str,
        props: Value,
        physical_id: Option<String>,
        deadline: Duration,
    ) -> Value {
        let f = if resource_type == SOURCE {
            &mut self.in_a
        } else {
            &mut self.in_b
        };
        let request = Request {
            request_type,
            resource_type,
            properties: props,
            old_properties: None,
            physical_id,
        };
        self.responses
            .send_with_deadline(f, request, deadline)
            .await
            .unwrap()
    }

    /// An Update from `old` to `new` properties of the resource `physical_id`.
    pub(crate) async fn update(
        &mut self,
        resource_type: &str,
        old: Value,
        new: Value,
        physical_id: &Value,
    ) -> Value {
        let f = if resource_type == SOURCE {
            &mut self.in_a
        } else {
            &mut self.in_b
        };
        let request = Request {
            request_type: "Update",
            resource_type,
            properties: new,
            old_properties: Some(old),
            physical_id: physical_id.as_str().map(str::to_owned),
        };
        self.responses.send(f, request).await.unwrap()
    }

    /// The side's properties, as its template passes them.
    pub(crate) fn props(&self, side: Side) -> Value {
        match side {
            Side::Source => self.source_props(),
            Side::Destination => self.destination_props(),
        }
    }

    /// A repeat Create of `side` with its properties: the deploy-time path.
    pub(crate) async fn redeploy(&mut self, side: Side) -> Value {
        let props = self.props(side);
        self.send("Create", side.resource_type(), props, None).await
    }

    /// Invoke `side`'s function with its scheduled check's payload (as the template's schedule
    /// sends it); the invocation's result.
    pub(crate) async fn scheduled_check(&mut self, side: Side, liveness: bool) -> Value {
        let payload =
            e2e_tests::cfn::scheduled_check(side.resource_type(), &self.props(side), liveness);
        let f = match side {
            Side::Source => &mut self.in_a,
            Side::Destination => &mut self.in_b,
        };
        f.invoke(&payload).await.unwrap().into_response().unwrap()
    }

    /// The last `ReplicationSetupFindings` that `side`'s scheduled check wrote, as its alarm
    /// reads it: the EMF line shipped into CloudWatch (as CloudWatch Logs extracts it), then
    /// read back with GetMetricData by the alarm's namespace, dimensions and statistic.
    pub(crate) async fn findings_read_back(&self, side: Side) -> Option<f64> {
        use replication_core::metric_names::REPLICATION_SETUP_FINDINGS;
        self.setup_metric_read_back(side, REPLICATION_SETUP_FINDINGS)
            .await
    }

    /// [`Harness::findings_read_back`] for any metric of the scheduled check.
    pub(crate) async fn setup_metric_read_back(&self, side: Side, metric: &str) -> Option<f64> {
        let w = &self.world;
        let (f, c) = match side {
            Side::Source => (&self.in_a, &w.a),
            Side::Destination => (&self.in_b, &w.b),
        };
        let line = f
            .stdout_lines()
            .into_iter()
            .rfind(|l| l.contains(&format!("\"{metric}\"")))?;
        e2e_tests::emf::ship(&[line], &c.cloudwatch).await.unwrap();
        let dimensions = [
            ("Side", side.dimension()),
            ("SourceBucket", w.source_bucket.as_str()),
            ("DestinationBucket", w.destination_bucket.as_str()),
        ];
        let query = e2e_tests::world::MetricQuery {
            namespace: "S3KmsReplication",
            name: metric,
            dimensions: &dimensions,
            stat: "Maximum",
        };
        let values = e2e_tests::world::metric_values(&c.cloudwatch, &[query])
            .await
            .unwrap();
        values[0].iter().copied().reduce(f64::max)
    }

    /// Whether the replication role exists in A.
    pub(crate) async fn role_exists(&self) -> bool {
        let iam = &self.world.a.iam;
        iam.get_role()
            .role_name(&self.role_name)
            .send()
            .await
            .is_ok()
    }

    /// D's notification configuration, as read.
    pub(crate) async fn destination_notifications(
        &self,
    ) -> aws_sdk_s3::operation::get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput
    {
        let w = &self.world;
        w.b.s3
            .get_bucket_notification_configuration()
            .bucket(&w.destination_bucket)
            .send()
            .await
            .unwrap()
    }

    /// D's queue notification configurations: (Id, queue ARN).
    pub(crate) async fn queue_notifications(&self) -> Vec<(String, String)> {
        let out = self.destination_notifications().await;
        out.queue_configurations()
            .iter()
            .map(|q| {
                (
                    q.id().unwrap_or_default().to_owned(),
                    q.queue_arn().to_owned(),
                )
            })
            .collect()
    }

    /// Our inline policy on the replication role, parsed.
    pub(crate) async fn role_policy(&self) -> Value {
        let w = &self.world;
        let doc =
            w.a.iam
                .get_role_policy()
                .role_name(&self.role_name)
                .policy_name(w.role_policy_name().unwrap())
                .send()
                .await
                .unwrap()
                .policy_document;
        let doc = percent_encoding::percent_decode_str(&doc)
            .decode_utf8()
            .unwrap();
        serde_json::from_str(&doc).unwrap()
    }

    /// Rewrite our inline policy on the replication role with `edit`.
    pub(crate) async fn edit_role_policy(&self, edit: impl FnOnce(&mut Value)) {
        let mut doc = self.role_policy().await;
        edit(&mut doc);
        let w = &self.world;
        w.a.iam
            .put_role_policy()
            .role_name(&self.role_name)
            .policy_name(w.role_policy_name().unwrap())
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    }

    pub(crate) async fn create_destination(&mut self) -> Value {
        let props = self.destination_props();
        let answer = self.send("Create", DESTINATION, props, None).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        answer
    }

    pub(crate) async fn create_source(&mut self) -> Value {
        let props = self.source_props();
        let answer = self.send("Create", SOURCE, props, None).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        answer
    }

    /// An SSE-KMS object put in S ends `FAILED` (its replication status, once S3 is done).
    pub(crate) async fn assert_fails_to_replicate(&self, key: &str) {
        let w = &self.world;
        let version = w.put_source_object(key, "payload").await.unwrap();
        let head = w
            .wait_for_source_status(key, &version, wait())
            .await
            .unwrap();
        assert_eq!(head.replication_status.unwrap().as_str(), "FAILED", "{key}");
    }

    /// An SSE-KMS object put in S is replicated into D under KB.
    pub(crate) async fn assert_replicates(&self, key: &str) {
        self.assert_replicates_to(key, &[&self.world.destination_bucket])
            .await;
    }

    /// An SSE-KMS object put in S is replicated into every one of `buckets` (in B) under KB,
    /// and only then is the source version COMPLETED.
    pub(crate) async fn assert_replicates_to(&self, key: &str, buckets: &[&str]) {
        let version = self.world.put_source_object(key, "payload").await.unwrap();
        self.assert_replicated_to(key, &version, buckets).await;
    }

    /// The version `key`/`version` of S is COMPLETED, and its replica in each of `buckets` (in
    /// B) is SSE-KMS under KB.
    pub(crate) async fn assert_replicated_to(&self, key: &str, version: &str, buckets: &[&str]) {
        let w = &self.world;
        let head = w
            .wait_for_source_status(key, version, wait())
            .await
            .unwrap();
        assert_eq!(
            head.replication_status.unwrap().as_str(),
            "COMPLETED",
            "{key}"
        );
        for bucket in buckets {
            let replica =
                w.b.s3
                    .head_object()
                    .bucket(*bucket)
                    .key(key)
                    .version_id(version)
                    .send()
                    .await
                    .unwrap();
            assert_eq!(
                replica.ssekms_key_id.as_deref(),
                Some(w.destination_key_arn.as_str()),
                "{bucket}"
            );
            assert_eq!(replica.replication_status.unwrap().as_str(), "REPLICA");
        }
    }

    /// Every document the function touches, for before/after comparisons.
    pub(crate) async fn snapshot(&self) -> Value {
        let w = &self.world;
        let replication =
            w.a.s3
                .get_bucket_replication()
                .bucket(&w.source_bucket)
                .send()
                .await
                .ok()
                .and_then(|o| o.replication_configuration)
                .map(|c| format!("{c:?}"));
        let role_policy =
            w.a.iam
                .get_role_policy()
                .role_name(&self.role_name)
                .policy_name(w.role_policy_name().unwrap())
                .send()
                .await
                .ok()
                .map(|o| o.policy_document);
        let notifications =
            w.b.s3
                .get_bucket_notification_configuration()
                .bucket(&w.destination_bucket)
                .send()
                .await
                .ok()
                .map(|o| format!("{:?}", o.queue_configurations()));
        json!({
            "bucketPolicy": w.destination_bucket_policy().await.unwrap(),
            "kb": w.key_policy(&w.destination_key_arn).await.unwrap(),
            "ka": w.key_policy(&w.source_key_arn).await.unwrap(),
            "replication": replication,
            "rolePolicy": role_policy,
            "notifications": notifications,
        })
    }

    pub(crate) async fn add_foreign_statements(&self) {
        self.world.add_foreign_statements().await.unwrap();
    }
}

pub(crate) fn statements(doc: &Value) -> Vec<Value> {
    doc["Statement"].as_array().cloned().unwrap_or_default()
}

pub(crate) fn ours(doc: &Value) -> usize {
    statements(doc)
        .iter()
        .filter(|s| {
            s["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with("S3KmsReplication"))
        })
        .count()
}

// ---- S3 Batch Replication (doctor/batch.rs, setup/existing_objects.rs)

/// A bucket in A for the generated manifest and the completion report, and a job role there
/// with the S3 guide's policy for a stored generated manifest, less `without`.
pub(crate) async fn job_role(h: &Harness, without: &str) -> (String, String) {
    let w = &h.world;
    let reports = unique_name("reports");
    w.a.s3
        .create_bucket()
        .bucket(&reports)
        .send()
        .await
        .unwrap();
    w.track(Account::A, Resource::Bucket(reports.clone()));
    let s = &w.source_bucket;
    let grants = [
        (
            vec!["s3:InitiateReplication"],
            format!("arn:aws:s3:::{s}/*"),
        ),
        (
            vec![
                "s3:GetReplicationConfiguration",
                "s3:PutInventoryConfiguration",
            ],
            format!("arn:aws:s3:::{s}"),
        ),
        (
            vec!["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            format!("arn:aws:s3:::{reports}/*"),
        ),
    ];
    let statements: Vec<Value> = grants
        .into_iter()
        .filter_map(|(actions, resource)| {
            let kept: Vec<&str> = actions.into_iter().filter(|a| *a != without).collect();
            (!kept.is_empty())
                .then(|| json!({"Effect": "Allow", "Action": kept, "Resource": resource}))
        })
        .collect();
    let role =
        e2e_tests::batch::batch_operations_role(w, Account::A, "batch-replication", statements)
            .await
            .unwrap();
    (role, reports)
}

/// A world where S already holds objects, written before any replication rule (S versioned, as
/// a team that turns replication on usually has it).
pub(crate) async fn objects_before_the_rule(
    prefix: &str,
    n: usize,
) -> (Harness, Vec<(String, String)>) {
    let mut h = Harness::new().await;
    h.create_destination().await;
    enable_versioning(&h.world.a, &h.world.source_bucket)
        .await
        .unwrap();
    let old = objects(&h, prefix, n, "NONE").await;
    h.create_source().await;
    (h, old)
}

/// Put `n` SSE-KMS objects in S and wait for each to settle; their keys and versions.
pub(crate) async fn objects(
    h: &Harness,
    prefix: &str,
    n: usize,
    want: &str,
) -> Vec<(String, String)> {
    let w = &h.world;
    let mut out = Vec::new();
    for i in 0..n {
        let key = format!("{prefix} {i}+ü.txt");
        let version = w.put_source_object(&key, "payload").await.unwrap();
        let status = if want == "NONE" {
            let head =
                w.a.s3
                    .head_object()
                    .bucket(&w.source_bucket)
                    .key(&key)
                    .send()
                    .await
                    .unwrap();
            head.replication_status.map(|s| s.as_str().to_owned())
        } else {
            let head = w
                .wait_for_source_status(&key, &version, wait())
                .await
                .unwrap();
            head.replication_status.map(|s| s.as_str().to_owned())
        };
        assert_eq!(status.as_deref().unwrap_or("NONE"), want, "{key}");
        out.push((key, version));
    }
    out
}

/// Each object is COMPLETED in S and its replica in D is SSE-KMS under KB.
pub(crate) async fn assert_replicated(h: &Harness, objects: &[(String, String)]) {
    for (key, version) in objects {
        h.assert_replicated_to(key, version, &[&h.world.destination_bucket])
            .await;
    }
}

/// The Batch Operations jobs of account A whose description names S: (id, description).
pub(crate) async fn jobs_on_source(h: &Harness) -> Vec<(String, String)> {
    let w = &h.world;
    let control = replication_aws::batch_job::control_client(
        aws_sdk_s3control::config::Builder::from(&w.a.config),
        w.a.config.endpoint_url(),
        e2e_tests::accounts::REGION,
    );
    let listed = control
        .list_jobs()
        .account_id(Account::A.id())
        .send()
        .await
        .unwrap();
    let needle = format!(": {} -> ", w.source_bucket);
    listed
        .jobs()
        .iter()
        .filter(|j| j.description().is_some_and(|d| d.contains(&needle)))
        .map(|j| {
            (
                j.job_id().unwrap_or_default().to_owned(),
                j.description().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
