//! Act 9: Delete removes ours and keeps everything else.

use e2e_tests::cfn::Request;
use serde_json::Value;

use crate::{Deployed, Run};

/// Act 9: Delete removes ours and keeps everything else.
pub(crate) async fn delete(run: &mut Run, deployed: &mut Deployed) -> anyhow::Result<()> {
    let Run {
        demo,
        w,
        team_role,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        ..
    } = run;
    let Deployed {
        responses,
        in_a,
        in_b,
        destination_props,
        source_props,
        dst,
        src,
        ..
    } = deployed;
    // 7. Delete: ours goes, the rest stays.
    println!("\n[delete] CloudFormation Delete, source then destination");
    let del_src = responses
        .send(
            in_a,
            Request {
                request_type: "Delete",
                resource_type: "Custom::ReplicationSource",
                properties: source_props.clone(),
                old_properties: None,
                physical_id: src["PhysicalResourceId"].as_str().map(str::to_owned),
            },
        )
        .await?;
    let del_dst = responses
        .send(
            in_b,
            Request {
                request_type: "Delete",
                resource_type: "Custom::ReplicationDestination",
                properties: destination_props.clone(),
                old_properties: None,
                physical_id: dst["PhysicalResourceId"].as_str().map(str::to_owned),
            },
        )
        .await?;
    demo.check(
        del_src["Status"] == "SUCCESS" && del_dst["Status"] == "SUCCESS",
        "CloudFormation answered SUCCESS twice",
        "",
    );
    demo.check(
        w.key_policy(&w.source_key_arn).await? == *before_ka
            && w.key_policy(&w.destination_key_arn).await? == *before_kb
            && w.destination_bucket_policy().await?.unwrap_or(Value::Null) == *before_bucket_policy,
        "key and bucket policies are back to what they were",
        "foreign statements intact",
    );
    let rules = w.source_replication_rules().await?;
    demo.check(
        rules == vec![team_rule.clone()],
        "rule team-archive survived; ours removed",
        "",
    );
    let role_kept =
        w.a.iam
            .get_role()
            .role_name(team_role.as_str())
            .send()
            .await
            .is_ok();
    let ours_gone =
        w.a.iam
            .get_role_policy()
            .role_name(team_role.as_str())
            .policy_name(w.role_policy_name()?)
            .send()
            .await
            .is_err();
    demo.check(
        role_kept && ours_gone,
        "the team's role is kept, only our inline policy removed",
        "",
    );

    Ok(())
}
