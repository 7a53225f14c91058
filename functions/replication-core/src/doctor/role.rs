//! Step 2: the replication role exists, and S3 may assume it.

use super::RoleView;
use super::{Doctor, Finding};
use crate::evaluate::{Caller, Decision, Request, evaluate};

pub(super) fn role(d: &mut Doctor<'_>) -> Option<RoleView> {
    let s = d.s;
    let name = "the replication role exists and S3 may assume it".to_owned();
    let role_arn = match (s.replication.get(), &s.role_arn) {
        (Ok(Some(c)), _) => c.role.clone(),
        (Err(why), Some(arn)) => {
            d.unknown(2, name, why);
            return Some(RoleView {
                arn: arn.clone(),
                docs: None,
            });
        }
        _ => {
            d.unknown(2, name, "no replication configuration names a role");
            return None;
        }
    };
    let role = match s.role.get() {
        Err(why) => {
            d.unknown(2, name, why);
            return Some(RoleView {
                arn: role_arn,
                docs: None,
            });
        }
        Ok(None) => {
            d.fail(2, name, Finding {
                step: 2,
                document: format!("the replication role ({role_arn})"),
                statement: None,
                problem: "the role that S's replication configuration names does not exist; S3 fails every object with AssumeRoleNotPermitted".into(),
                fix: "re-create it: run the source stack's Update (Custom::ReplicationSource creates it)".into(),
            });
            return None;
        }
        Ok(Some(r)) => r.clone(),
    };
    // No AWS page says that S3 sends `aws:SourceAccount`/`aws:SourceArn` when it assumes a
    // replication role (which is why `RoleTrustConditions` is opt-in): the keys are not
    // supplied, so a condition on them is treated as met and named in the check's detail,
    // as for every key the doctor does not model. Live mode should settle it.
    let request = Request::new("sts:AssumeRole", None);
    let e = evaluate(
        &role.trust,
        &request,
        Some(Caller::Service("s3.amazonaws.com")),
        true,
    );
    match e.decision {
        Decision::Allow(_) => d.pass(2, name, e.assumed.join("; ")),
        decision => {
            let statement = match &decision {
                Decision::Deny(s) => Some(s.clone()),
                _ => None,
            };
            d.fail(2, name, Finding {
                step: 2,
                document: format!("the replication role's trust policy ({})", role.arn),
                statement,
                problem: format!("s3.amazonaws.com may not sts:AssumeRole for source {}", s.source_bucket),
                fix: "allow Principal {\"Service\": \"s3.amazonaws.com\"} sts:AssumeRole (with aws:SourceAccount = A and aws:SourceArn = S, if any condition)".into(),
            });
        }
    }
    Some(RoleView {
        arn: role.arn.clone(),
        docs: Some(role),
    })
}
