//! The settings of a replication role this project created: its permissions boundary and its
//! tags (`RolePermissionsBoundary`, `RoleTags`), and what an Update changes on it.
//!
//! Only what the resource's properties named is ours to change: a boundary or a tag that
//! someone else put on the role (a platform team's automation, say) stays unless the
//! properties name the same key or boundary. The management tag [`ROLE_MANAGED_TAG`] is
//! never removed: it is how Delete knows the role is ours.

pub use crate::properties::{ROLE_MANAGED_TAG, ROLE_TAGS_MAX};

/// What the properties name for the role: its boundary and its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleSettings<'a> {
    /// The permissions boundary's ARN (`RolePermissionsBoundary`).
    pub permissions_boundary: Option<&'a str>,
    /// The tags (`RoleTags`), without [`ROLE_MANAGED_TAG`].
    pub tags: &'a [(String, String)],
}

/// What to call on an existing role of ours so that it carries what the properties name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSettingChanges {
    /// `PutRolePermissionsBoundary` with this ARN.
    pub put_boundary: Option<String>,
    /// `DeleteRolePermissionsBoundary`: the previous properties set the boundary the role
    /// carries, and the new ones name none.
    pub delete_boundary: bool,
    /// `TagRole` with these (new keys, and values that differ).
    pub tag: Vec<(String, String)>,
    /// `UntagRole` of these keys: the previous properties named them, the new ones do not.
    pub untag: Vec<String>,
}

impl RoleSettingChanges {
    /// Whether nothing is to be called.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The calls that bring a role of ours (carrying `current_boundary` and `current_tags`) to
/// `wanted`. `previous` is what the old properties of an Update named (`None` on Create):
/// only what they named is removed when `wanted` drops it.
#[must_use]
pub fn role_setting_changes(
    current_boundary: Option<&str>,
    current_tags: &[(String, String)],
    wanted: RoleSettings<'_>,
    previous: Option<RoleSettings<'_>>,
) -> RoleSettingChanges {
    let put_boundary = wanted
        .permissions_boundary
        .filter(|b| current_boundary != Some(*b))
        .map(str::to_owned);
    let delete_boundary = wanted.permissions_boundary.is_none()
        && current_boundary.is_some()
        && previous.and_then(|p| p.permissions_boundary) == current_boundary;
    let current_value = |key: &str| {
        current_tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let tag = wanted
        .tags
        .iter()
        .filter(|(k, v)| current_value(k) != Some(v.as_str()))
        .cloned()
        .collect();
    let untag = previous
        .map(|p| p.tags)
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k)
        .filter(|k| k.as_str() != ROLE_MANAGED_TAG)
        .filter(|k| !wanted.tags.iter().any(|(w, _)| w == *k))
        .filter(|k| current_value(k).is_some())
        .cloned()
        .collect();
    RoleSettingChanges {
        put_boundary,
        delete_boundary,
        tag,
        untag,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const B1: &str = "arn:aws:iam::111111111111:policy/boundary-1";
    const B2: &str = "arn:aws:iam::111111111111:policy/boundary-2";

    #[test]
    fn a_new_or_changed_boundary_is_put() {
        let none = tags(&[]);
        let wanted = RoleSettings {
            permissions_boundary: Some(B2),
            tags: &none,
        };
        assert_eq!(
            role_setting_changes(None, &none, wanted, None)
                .put_boundary
                .as_deref(),
            Some(B2)
        );
        assert_eq!(
            role_setting_changes(Some(B1), &none, wanted, None)
                .put_boundary
                .as_deref(),
            Some(B2)
        );
        assert!(role_setting_changes(Some(B2), &none, wanted, None).is_empty());
    }

    #[test]
    fn only_the_boundary_the_old_properties_set_is_removed() {
        let none = tags(&[]);
        let wanted = RoleSettings {
            permissions_boundary: None,
            tags: &none,
        };
        let ours = RoleSettings {
            permissions_boundary: Some(B1),
            tags: &none,
        };
        // GIVEN the old properties set B1 and the new name none: B1 goes
        assert!(role_setting_changes(Some(B1), &none, wanted, Some(ours)).delete_boundary);
        // a boundary someone else put on the role (never named, or not the one we set) stays
        assert!(!role_setting_changes(Some(B1), &none, wanted, Some(wanted)).delete_boundary);
        assert!(!role_setting_changes(Some(B2), &none, wanted, Some(ours)).delete_boundary);
        assert!(!role_setting_changes(Some(B1), &none, wanted, None).delete_boundary);
    }

    #[test]
    fn tags_are_added_changed_and_only_ours_removed() {
        let current = tags(&[
            (ROLE_MANAGED_TAG, "true"),
            ("team", "storage"),
            ("cost-center", "42"),
            ("owner", "platform"),
        ]);
        let old = tags(&[
            ("team", "storage"),
            ("cost-center", "42"),
            (ROLE_MANAGED_TAG, "x"),
        ]);
        let new = tags(&[("team", "archive"), ("env", "prod")]);
        let changes = role_setting_changes(
            None,
            &current,
            RoleSettings {
                permissions_boundary: None,
                tags: &new,
            },
            Some(RoleSettings {
                permissions_boundary: None,
                tags: &old,
            }),
        );
        assert_eq!(changes.tag, tags(&[("team", "archive"), ("env", "prod")]));
        // "owner" was never ours; the management tag is never removed
        assert_eq!(changes.untag, vec!["cost-center".to_owned()]);
    }
}
