//! Canary objects: where they are written, how the verifier recognises their replicas, and
//! which old versions a scheduled run removes.
//!
//! Two writers put canaries in S, in the folder [`CANARY_FOLDER`] under the first rule's
//! prefix (so that the rule, with its tags, selects them):
//! - the deploy-time canary (`Canary: true`), one object per Create or Update, whose source
//!   version is deleted once it has replicated (or failed); one still `PENDING` at the deploy's
//!   bound is kept, since deleting it would leave S3 nothing to replicate, and the source's
//!   scheduled liveness run removes it once it is [`STALE_DEPLOY_CANARY_MS`] old
//!   ([`deploy_canaries_to_remove`]);
//! - the liveness canary, the same key ([`liveness_key`]) once per scheduled period, so that
//!   each period adds one version of one object instead of a new object.
//!
//! Each canary's name ends with `@` and the source bucket ([`canary_name`]), so that the
//! verifier counts every source's canaries apart ([`canary_source`]).
//!
//! The verifier counts each verified canary replica as
//! [`crate::metric_names::CANARY_REPLICA_VERIFIED`] (never as 0, so that an alarm with
//! `TreatMissingData: breaching` fires when none arrives).
//!
//! A delete by version id is never replicated (S3 User Guide, "What does Amazon S3 replicate?",
//! "How delete operations affect replication": "If you specify an object version ID to delete
//! in a DELETE request, Amazon S3 deletes that object version in the source bucket. But it
//! doesn't replicate the deletion in the destination buckets"),
//! so each side removes its own old versions: the source run keeps [`KEEP_IN_SOURCE`] and the
//! destination run [`KEEP_IN_DESTINATION`] (the newest replica may not be verified yet, and the
//! verifier reads a replica by its version id).

/// The folder, inside the first rule's prefix, where canaries are written.
pub const CANARY_FOLDER: &str = ".s3-kms-replication-canary/";

/// The liveness canary's object name inside [`CANARY_FOLDER`].
pub const LIVENESS_OBJECT: &str = "liveness";

/// Versions of the liveness canary a source run keeps: the one it has just written.
pub const KEEP_IN_SOURCE: usize = 1;

/// Versions of the liveness replica a destination run keeps: the newest two, so that a
/// replica that landed just before the run is still there when the verifier reads it.
pub const KEEP_IN_DESTINATION: usize = 2;

/// The most versions one run removes (a backlog is worked off over the following runs, which
/// keeps each run's time and calls bounded).
pub const MAX_REMOVED_PER_RUN: usize = 50;

/// How old a deploy-time canary's source version must be before a scheduled run removes it:
/// an hour, long past replication without RTC in practice (RTC's promise is 15 minutes).
pub const STALE_DEPLOY_CANARY_MS: i64 = 3_600_000;

/// Of `versions` (one listing page of the canary folder), the deploy-time canaries' versions
/// to remove, as `(key, version id)`: every version in the folder that is not of
/// `liveness_key`, at least [`STALE_DEPLOY_CANARY_MS`] old at `now_ms`, oldest first, at most
/// [`MAX_REMOVED_PER_RUN`].
pub fn deploy_canaries_to_remove(
    liveness_key: &str,
    versions: &[ObjectVersion],
    now_ms: i64,
) -> Vec<(String, String)> {
    let mut stale: Vec<&ObjectVersion> = versions
        .iter()
        .filter(|v| {
            v.key != liveness_key
                && is_canary(&v.key)
                && now_ms - v.last_modified_ms >= STALE_DEPLOY_CANARY_MS
        })
        .collect();
    stale.sort_by_key(|v| v.last_modified_ms);
    stale
        .into_iter()
        .take(MAX_REMOVED_PER_RUN)
        .map(|v| (v.key.clone(), v.version_id.clone()))
        .collect()
}

/// What separates a canary's name from the source bucket it was written from:
/// `liveness@<source bucket>`. No bucket name holds `@` (S3 User Guide, "Bucket naming rules"),
/// so the split is unambiguous; the verifier reads the source from the key ([`canary_source`])
/// and counts each source's canaries apart, so that with several sources into one D a live
/// source cannot hide a dead one.
pub const SOURCE_MARK: char = '@';

/// A canary's object name: `name` and the source bucket it is written from.
pub fn canary_name(name: &str, source_bucket: &str) -> String {
    format!("{name}{SOURCE_MARK}{source_bucket}")
}

/// The liveness canary's key under a rule's `prefix` ("" for a rule without one), for the
/// source bucket `source_bucket`.
pub fn liveness_key(prefix: &str, source_bucket: &str) -> String {
    format!(
        "{prefix}{CANARY_FOLDER}{}",
        canary_name(LIVENESS_OBJECT, source_bucket)
    )
}

/// The source bucket a canary's key names ([`SOURCE_MARK`]), or `None` for a key that is no
/// canary or a canary of the first versions, which named none.
pub fn canary_source(key: &str) -> Option<&str> {
    if !is_canary(key) {
        return None;
    }
    let name = key.rsplit_once('/').map_or(key, |(_, name)| name);
    name.rsplit_once(SOURCE_MARK)
        .map(|(_, source)| source)
        .filter(|s| !s.is_empty())
}

/// Whether `key` names a canary: an object directly inside a folder whose name ends with
/// [`CANARY_FOLDER`] (the folder may carry the rule's prefix in front, as in
/// `logs.s3-kms-replication-canary/liveness`).
pub fn is_canary(key: &str) -> bool {
    // No allocation: this runs for every verified replica.
    let folder_name = CANARY_FOLDER.trim_end_matches('/');
    key.rsplit_once('/')
        .is_some_and(|(folder, name)| !name.is_empty() && folder.ends_with(folder_name))
}

/// One version from a `ListObjectVersions` page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVersion {
    /// The object's key (a listing by prefix may return other keys that start alike).
    pub key: String,
    /// The version id (`null` for an object written while versioning was off).
    pub version_id: String,
    /// Last-modified, epoch milliseconds.
    pub last_modified_ms: i64,
}

/// Of `versions` (one listing page), the version ids of `key` to remove: all but the `keep`
/// newest, oldest first, at most [`MAX_REMOVED_PER_RUN`]. Versions of other keys are never
/// chosen; delete markers are not passed in (a canary run never makes one).
pub fn versions_to_remove(key: &str, versions: &[ObjectVersion], keep: usize) -> Vec<String> {
    let mut ours: Vec<&ObjectVersion> = versions.iter().filter(|v| v.key == key).collect();
    // Newest first; S3 lists a key's versions newest first, but do not rely on the page order.
    ours.sort_by_key(|v| std::cmp::Reverse(v.last_modified_ms));
    let mut old: Vec<String> = ours
        .into_iter()
        .skip(keep)
        .map(|v| v.version_id.clone())
        .collect();
    old.reverse();
    old.truncate(MAX_REMOVED_PER_RUN);
    old
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_deploy_canaries_an_hour_old_are_removed_oldest_first() {
        let live = liveness_key("logs/", "s");
        let now = 10 * STALE_DEPLOY_CANARY_MS;
        let versions = [
            v(&live, "l1", 0),
            v("logs/.s3-kms-replication-canary/req-2", "new", now - 60_000),
            v(
                "logs/.s3-kms-replication-canary/req-1",
                "b",
                now - STALE_DEPLOY_CANARY_MS,
            ),
            v("logs/.s3-kms-replication-canary/req-0", "a", 0),
            v("logs/.s3-kms-replication-canary-other/x", "not-ours", 0),
        ];
        assert_eq!(
            deploy_canaries_to_remove(&live, &versions, now),
            vec![
                (
                    "logs/.s3-kms-replication-canary/req-0".to_owned(),
                    "a".to_owned()
                ),
                (
                    "logs/.s3-kms-replication-canary/req-1".to_owned(),
                    "b".to_owned()
                ),
            ]
        );
    }

    fn v(key: &str, id: &str, t: i64) -> ObjectVersion {
        ObjectVersion {
            key: key.into(),
            version_id: id.into(),
            last_modified_ms: t,
        }
    }

    #[test]
    fn the_liveness_key_sits_in_the_canary_folder_under_the_rule_prefix() {
        assert_eq!(
            liveness_key("", "s"),
            ".s3-kms-replication-canary/liveness@s"
        );
        assert_eq!(
            liveness_key("logs/", "my.source"),
            "logs/.s3-kms-replication-canary/liveness@my.source"
        );
        assert_eq!(
            liveness_key("logs", "s"),
            "logs.s3-kms-replication-canary/liveness@s"
        );
    }

    #[test]
    fn each_canary_names_its_source_bucket() {
        assert_eq!(
            canary_source(&liveness_key("logs/", "my.source-1")),
            Some("my.source-1")
        );
        let deploy = format!("{CANARY_FOLDER}{}", canary_name("req-1", "s"));
        assert_eq!(canary_source(&deploy), Some("s"));
        // The first versions' canaries named no source; other keys are no canaries.
        assert_eq!(canary_source(".s3-kms-replication-canary/liveness"), None);
        assert_eq!(canary_source("data/liveness@s"), None);
        assert_eq!(canary_source(".s3-kms-replication-canary/liveness@"), None);
    }

    #[test]
    fn canaries_are_recognised_with_and_without_a_prefix_and_nothing_else_is() {
        for key in [
            liveness_key("", "s"),
            liveness_key("logs/", "s"),
            liveness_key("logs", "s"),
            ".s3-kms-replication-canary/1234-abcd".to_owned(),
        ] {
            assert!(is_canary(&key), "{key}");
        }
        for key in [
            "liveness",
            ".s3-kms-replication-canary/",
            ".s3-kms-replication-canary/a/b",
            "x.s3-kms-replication-canary",
            "data/s3-kms-replication-canary/liveness",
        ] {
            assert!(!is_canary(key), "{key}");
        }
    }

    #[test]
    fn all_but_the_newest_versions_of_the_key_are_removed_oldest_first() {
        let key = liveness_key("", "s");
        let page = [
            v(&key, "v3", 3_000),
            v(&key, "v1", 1_000),
            v(&format!("{key}-other"), "x", 0),
            v(&key, "v2", 2_000),
            v(&key, "v4", 4_000),
        ];
        assert_eq!(versions_to_remove(&key, &page, 1), ["v1", "v2", "v3"]);
        assert_eq!(versions_to_remove(&key, &page, 2), ["v1", "v2"]);
        assert!(versions_to_remove(&key, &page, 4).is_empty());
        assert!(versions_to_remove(&key, &[], 1).is_empty());
    }

    #[test]
    fn one_run_removes_a_bounded_number_of_versions() {
        let key = liveness_key("", "s");
        let page: Vec<ObjectVersion> = (0..200).map(|i| v(&key, &format!("v{i}"), i)).collect();
        let removed = versions_to_remove(&key, &page, 2);
        assert_eq!(removed.len(), MAX_REMOVED_PER_RUN);
        assert_eq!(removed[0], "v0", "the oldest go first");
    }
}
