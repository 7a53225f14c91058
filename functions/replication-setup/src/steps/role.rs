//! Step 2: the replication role, its trust policy and our inline policy.

use std::time::Instant;

use replication_core::plan;
use replication_core::policy::{self, SidScope};
use replication_core::properties::SourceSpec;
use serde_json::Value;

use super::{AccountClients, MANAGED_TAG, StepError, aws_error, code_is, eventually};

/// What [`ensure_replication_role`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleOutcome {
    /// The role's ARN.
    pub arn: String,
    /// Whether the role is ours (created by this project, tagged [`MANAGED_TAG`]).
    pub managed: bool,
    /// Its trust policy as it now is.
    pub trust: Value,
    /// The role settings (`RolePermissionsBoundary`, `RolePath`, `RoleTags`) that were given
    /// but not applied, because the role is not ours; with why.
    pub settings_not_applied: Option<String>,
}

/// The role named `name`, if it exists: its ARN carries its path (`/service-role/` for the
/// roles the S3 console creates), which a role ARN built from the name alone would not.
///
/// # Errors
/// When IAM refuses.
pub async fn get_role(
    c: &AccountClients,
    name: &str,
) -> Result<Option<aws_sdk_iam::types::Role>, StepError> {
    match c.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role),
        Err(e) if code_is(&e, &["NoSuchEntity"]) => Ok(None),
        Err(e) => Err(aws_error(format!("get_role({name})"), &e)),
    }
}

/// Step 2: the replication role with S3's trust and our least-privilege inline policy. A role
/// we create carries `spec`'s permissions boundary, path and tags; a role we created gets its
/// boundary and tags brought to `spec`'s (only what `previous`, the old properties of an
/// Update, named is removed: [`plan::role_setting_changes`]). A role we did not create keeps
/// its trust policy, boundary and tags; only our inline policy is put on it. `existing` is
/// what [`get_role`] found for `spec.role_arn`'s name.
///
/// # Errors
/// When IAM refuses.
pub async fn ensure_replication_role(
    c: &AccountClients,
    spec: &SourceSpec,
    existing: Option<aws_sdk_iam::types::Role>,
    previous: Option<plan::RoleSettings<'_>>,
    deadline: Instant,
) -> Result<RoleOutcome, StepError> {
    let name = spec.role_arn.name().to_owned();
    let policy_name = plan::role_policy_name(&spec.sid_scope());
    let step = format!("ensure_replication_role({name})");
    let created_now = existing.is_none();
    let mut settings_not_applied = None;
    let (managed, trust) = match existing {
        Some(existing) => {
            let managed = is_managed(&existing);
            if managed {
                let current_tags: Vec<(String, String)> = existing
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect();
                let current_boundary = existing
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn());
                let changes = plan::role_setting_changes(
                    current_boundary,
                    &current_tags,
                    spec.role_settings(),
                    previous,
                );
                apply_role_setting_changes(c, &name, &changes, &step).await?;
            } else {
                settings_not_applied = not_applied(spec, &existing);
            }
            let current_trust = existing
                .assume_role_policy_document()
                .map(decode_policy_document)
                .and_then(|t| serde_json::from_str::<Value>(&t).ok());
            let wanted = plan::wanted_trust_policy(spec, current_trust.as_ref());
            if managed && current_trust.as_ref() != Some(&wanted) {
                c.iam
                    .update_assume_role_policy()
                    .role_name(&name)
                    .policy_document(policy::to_policy_string(&wanted))
                    .send()
                    .await
                    .map_err(|e| aws_error(&step, &e))?;
            }
            let trust = if managed {
                wanted
            } else {
                current_trust.unwrap_or(Value::Null)
            };
            (managed, trust)
        }
        None => {
            let trust = plan::wanted_trust_policy(spec, None);
            c.iam
                .create_role()
                .role_name(&name)
                .path(spec.role_arn.path())
                .assume_role_policy_document(policy::to_policy_string(&trust))
                .description(format!(
                    "S3 replication from {} to {} with SSE-KMS (s3-kms-replication)",
                    spec.source_bucket, spec.destination_bucket
                ))
                .set_permissions_boundary(
                    spec.role_permissions_boundary
                        .as_ref()
                        .map(ToString::to_string),
                )
                .set_tags(Some(role_tags(spec.role_settings().tags, true, &step)?))
                .send()
                .await
                .map_err(|e| aws_error(&step, &e))?;
            (true, trust)
        }
    };
    let wanted = plan::replication_role_policy(spec);
    let current = match c
        .iam
        .get_role_policy()
        .role_name(&name)
        .policy_name(&policy_name)
        .send()
        .await
    {
        Ok(out) => {
            serde_json::from_str::<Value>(&decode_policy_document(&out.policy_document)).ok()
        }
        Err(e) if code_is(&e, &["NoSuchEntity"]) => None,
        Err(e) => return Err(aws_error(&step, &e)),
    };
    if current.as_ref() == Some(&wanted) {
        return Ok(RoleOutcome {
            arn: spec.role_arn.to_string(),
            managed,
            trust,
            settings_not_applied,
        });
    }
    let inline = policy::to_policy_string(&wanted);
    // A role we just created holds no other inline policy: nothing to list.
    if !created_now {
        let others = other_inline_policy_sizes(c, &name, &policy_name, &step).await?;
        plan::check_role_inline_budget(&others, plan::iam_policy_size(&inline))?;
    }
    eventually(deadline, || {
        c.iam
            .put_role_policy()
            .role_name(&name)
            .policy_name(&policy_name)
            .policy_document(&inline)
            .send()
    })
    .await
    .map_err(|e| aws_error(&step, &e))?;
    Ok(RoleOutcome {
        arn: spec.role_arn.to_string(),
        managed,
        trust,
        settings_not_applied,
    })
}

/// `tags` as IAM tags, after our [`MANAGED_TAG`] when `with_managed`.
fn role_tags(
    tags: &[(String, String)],
    with_managed: bool,
    step: &str,
) -> Result<Vec<aws_sdk_iam::types::Tag>, StepError> {
    let managed = with_managed.then_some((MANAGED_TAG, "true"));
    managed
        .into_iter()
        .chain(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| StepError::Invalid {
                    step: step.to_owned(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// Bring a role of ours to the boundary and tags the properties name: the calls
/// [`plan::role_setting_changes`] decided, and no others.
async fn apply_role_setting_changes(
    c: &AccountClients,
    name: &str,
    changes: &plan::RoleSettingChanges,
    step: &str,
) -> Result<(), StepError> {
    if let Some(boundary) = &changes.put_boundary {
        c.iam
            .put_role_permissions_boundary()
            .role_name(name)
            .permissions_boundary(boundary)
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    }
    if changes.delete_boundary {
        c.iam
            .delete_role_permissions_boundary()
            .role_name(name)
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    }
    if !changes.tag.is_empty() {
        c.iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(role_tags(&changes.tag, false, step)?))
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    }
    if !changes.untag.is_empty() {
        c.iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(changes.untag.clone()))
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    }
    Ok(())
}

/// The role settings `spec` names that a role we did not create does not carry: left as its
/// owner set them, and said so (a log line, and `RoleSettingsNotApplied` in the answer).
fn not_applied(spec: &SourceSpec, role: &aws_sdk_iam::types::Role) -> Option<String> {
    let mut names = Vec::new();
    let boundary = role
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn());
    if let Some(wanted) = &spec.role_permissions_boundary
        && boundary != Some(wanted.as_str())
    {
        names.push("RolePermissionsBoundary");
    }
    if spec.role_path.as_deref().is_some_and(|p| p != role.path()) {
        names.push("RolePath");
    }
    let carries = |k: &str, v: &str| role.tags().iter().any(|t| t.key() == k && t.value() == v);
    if !spec.role_tags.iter().all(|(k, v)| carries(k, v)) {
        names.push("RoleTags");
    }
    if names.is_empty() {
        return None;
    }
    let note = format!(
        "{}: the role {} was not created by s3-kms-replication, so it is left as its owner set it",
        names.join(", "),
        role.arn()
    );
    tracing::warn!(role = role.arn(), settings = %names.join(","), "role settings not applied: the role is not ours");
    Some(note)
}

/// Whether `role` is ours: created by this project, tagged [`MANAGED_TAG`].
#[must_use]
pub fn is_managed(role: &aws_sdk_iam::types::Role) -> bool {
    role.tags().iter().any(|t| t.key() == MANAGED_TAG)
}

/// The sizes (as IAM counts them) of `role`'s inline policies other than `ours`: one
/// `ListRolePolicies` and one `GetRolePolicy` per other policy.
pub(super) async fn other_inline_policy_sizes(
    c: &AccountClients,
    role: &str,
    ours: &str,
    step: &str,
) -> Result<Vec<usize>, StepError> {
    let names = c
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| aws_error(step, &e))?
        .policy_names;
    let mut sizes = Vec::new();
    for name in names.iter().filter(|n| n.as_str() != ours) {
        let document = c
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?
            .policy_document;
        sizes.push(plan::iam_policy_size(&decode_policy_document(&document)));
    }
    Ok(sizes)
}

/// IAM returns policy documents URL-encoded.
pub(super) fn decode_policy_document(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .unwrap_or_else(|_| text.to_owned())
}

/// Delete: remove this pair's inline policy, and the role itself when we created it and no
/// other policy is left on it (another pair out of the same bucket keeps it). A missing role
/// is already clean.
///
/// # Errors
/// When IAM refuses.
pub async fn remove_replication_role(
    c: &AccountClients,
    role_name: &str,
    scope: &SidScope,
) -> Result<(), StepError> {
    let step = format!("remove_replication_role({role_name})");
    let policy_name = plan::role_policy_name(scope);
    let role = match c.iam.get_role().role_name(role_name).send().await {
        Ok(out) => out.role,
        Err(e) if code_is(&e, &["NoSuchEntity"]) => return Ok(()),
        Err(e) => return Err(aws_error(&step, &e)),
    };
    match c
        .iam
        .delete_role_policy()
        .role_name(role_name)
        .policy_name(&policy_name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code_is(&e, &["NoSuchEntity"]) => {}
        Err(e) => return Err(aws_error(&step, &e)),
    }
    let managed = role.as_ref().is_some_and(is_managed);
    if !managed {
        return Ok(());
    }
    match c.iam.delete_role().role_name(role_name).send().await {
        Ok(_) => Ok(()),
        Err(e) if code_is(&e, &["NoSuchEntity"]) => Ok(()),
        Err(e) if code_is(&e, &["DeleteConflict"]) => {
            tracing::warn!(role = role_name, "role has other policies attached; kept");
            Ok(())
        }
        Err(e) => Err(aws_error(&step, &e)),
    }
}
