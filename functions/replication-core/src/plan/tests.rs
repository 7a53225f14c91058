//! Unit tests of `plan`.

use proptest::prelude::*;

use super::*;

fn foreign_rule(id: &str, priority: i32) -> ReplicationRule {
    serde_json::from_value(json!({
        "ID": id, "Priority": priority, "Status": "Enabled",
        "Filter": {"Prefix": format!("{id}/")},
        "Destination": {"Bucket": "arn:aws:s3:::elsewhere", "StorageClass": "GLACIER",
                        "SomeFutureMember": {"X": 1}},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "ExistingObjectReplication": {"Status": "Enabled"}
    }))
    .unwrap()
}

fn our_rule(id: &str, priority: i32) -> ReplicationRule {
    serde_json::from_value(json!({
        "ID": id, "Priority": priority, "Status": "Enabled", "Filter": {"Prefix": ""},
        "Destination": {"Bucket": "arn:aws:s3:::replicas", "Account": "222233334444"},
        "DeleteMarkerReplication": {"Status": "Disabled"}
    }))
    .unwrap()
}

const ROLE: &str = "arn:aws:iam::111122223333:role/s3-kms-replication-src";

/// The owner of `ids` among [`our_rule`]s (to `replicas` in 222233334444).
fn owner(ids: &[String]) -> RuleOwner<'_> {
    RuleOwner {
        ids,
        destination_bucket: "replicas",
        destination_account: "222233334444",
    }
}

fn config(rules: Vec<ReplicationRule>) -> ReplicationConfiguration {
    ReplicationConfiguration {
        role: ROLE.to_owned(),
        rules,
    }
}

fn ids(c: &ReplicationConfiguration) -> Vec<&str> {
    c.rules.iter().filter_map(|r| r.id.as_deref()).collect()
}

#[test]
fn rules_round_trip_through_s3_json_without_losing_members() {
    let rule = foreign_rule("archive", 9);
    let back = serde_json::to_value(&rule).unwrap();
    assert_eq!(back["Destination"]["SomeFutureMember"], json!({"X": 1}));
    assert_eq!(back["ExistingObjectReplication"]["Status"], "Enabled");
    assert_eq!(
        serde_json::from_value::<ReplicationRule>(back).unwrap(),
        rule
    );
}

#[test]
fn foreign_rules_are_kept_in_order_when_ours_are_merged() {
    let existing = config(vec![
        foreign_rule("a", 1),
        our_rule("ours", 5),
        foreign_rule("b", 2),
    ]);
    let updated = our_rule("ours", 6);
    let merged = merge_replication_rules(
        Some(&existing),
        ROLE,
        &[updated.clone(), our_rule("new", 7)],
        &[],
    )
    .unwrap();
    assert_eq!(ids(&merged), vec!["a", "ours", "b", "new"]);
    assert_eq!(merged.rules[0], existing.rules[0]);
    assert_eq!(merged.rules[1], updated);
    assert_eq!(merged.rules[2], existing.rules[2]);
}

#[test]
fn renamed_rule_replaces_the_previous_one() {
    let existing = config(vec![foreign_rule("a", 1), our_rule("old-id", 5)]);
    let merged = merge_replication_rules(
        Some(&existing),
        ROLE,
        &[our_rule("new-id", 5)],
        &["old-id".to_owned()],
    )
    .unwrap();
    assert_eq!(ids(&merged), vec!["a", "new-id"]);
}

#[test]
fn priority_collision_with_a_foreign_rule_is_reported() {
    let existing = config(vec![foreign_rule("a", 1)]);
    let err =
        merge_replication_rules(Some(&existing), ROLE, &[our_rule("ours", 1)], &[]).unwrap_err();
    assert_eq!(
        err,
        PlanError::PriorityCollision {
            ours: "ours".into(),
            foreign: "a".into(),
            priority: 1
        }
    );
    assert!(err.to_string().contains("Set Priority"));
}

fn spec_rule(id: &str, priority: i32, given: bool) -> crate::properties::RuleProperties {
    crate::properties::RuleProperties {
        id: id.into(),
        priority,
        priority_given: given,
        prefix: None,
        tags: Vec::new(),
        delete_marker_replication: false,
        storage_class: None,
    }
}

fn settled(
    existing: &ReplicationConfiguration,
    spec: &[crate::properties::RuleProperties],
) -> Vec<i32> {
    let mut ours: Vec<ReplicationRule> = spec.iter().map(|s| our_rule(&s.id, s.priority)).collect();
    settle_default_priorities(Some(existing), &mut ours, spec, &[]);
    ours.iter().map(|r| r.priority.unwrap()).collect()
}

#[test]
fn a_default_priority_taken_by_another_rule_moves_to_the_next_free_one() {
    let existing = config(vec![foreign_rule("a", 1), foreign_rule("b", 2)]);
    assert_eq!(settled(&existing, &[spec_rule("ours", 1, false)]), vec![3]);
    // Our given priorities count as taken too, in order.
    let spec = [spec_rule("x", 3, true), spec_rule("y", 1, false)];
    assert_eq!(settled(&existing, &spec), vec![3, 4]);
}

#[test]
fn a_settled_priority_is_kept_on_a_repeat_and_given_ones_are_never_moved() {
    // Our rule already sits at 3 (it was moved there); the foreign rule at 1 has gone since.
    let existing = config(vec![our_rule("ours", 3)]);
    assert_eq!(settled(&existing, &[spec_rule("ours", 1, false)]), vec![3]);
    // A given priority that collides stays, for merge_replication_rules to refuse.
    let existing = config(vec![foreign_rule("a", 1)]);
    let spec = [spec_rule("ours", 1, true)];
    assert_eq!(settled(&existing, &spec), vec![1]);
    let mut ours = vec![our_rule("ours", 1)];
    settle_default_priorities(Some(&existing), &mut ours, &spec, &[]);
    let err = merge_replication_rules(Some(&existing), ROLE, &ours, &[]).unwrap_err();
    assert!(matches!(err, PlanError::PriorityCollision { .. }));
}

#[test]
fn without_a_configuration_defaults_stay() {
    let mut ours = vec![our_rule("ours", 1)];
    settle_default_priorities(None, &mut ours, &[spec_rule("ours", 1, false)], &[]);
    assert_eq!(ours[0].priority, Some(1));
}

#[test]
fn equal_priorities_among_our_rules_are_reported() {
    let err = merge_replication_rules(None, ROLE, &[our_rule("x", 3), our_rule("y", 3)], &[])
        .unwrap_err();
    assert!(matches!(
        err,
        PlanError::DuplicatePriority { priority: 3, .. }
    ));
}

#[test]
fn a_foreign_rule_with_our_id_is_not_overwritten() {
    let existing = config(vec![foreign_rule("shared-id", 1)]);
    let err = merge_replication_rules(Some(&existing), ROLE, &[our_rule("shared-id", 2)], &[])
        .unwrap_err();
    assert!(matches!(err, PlanError::ForeignRuleIdTaken { .. }));
}

#[test]
fn a_different_role_used_by_foreign_rules_is_a_conflict() {
    let mut existing = config(vec![foreign_rule("a", 1)]);
    existing.role = "arn:aws:iam::111122223333:role/legacy".to_owned();
    let err =
        merge_replication_rules(Some(&existing), ROLE, &[our_rule("ours", 2)], &[]).unwrap_err();
    assert!(matches!(err, PlanError::RoleConflict { .. }));
    // With no foreign rule left, the role is simply ours.
    let only_ours = ReplicationConfiguration {
        role: "arn:aws:iam::111122223333:role/legacy".into(),
        rules: vec![our_rule("ours", 2)],
    };
    let merged =
        merge_replication_rules(Some(&only_ours), ROLE, &[our_rule("ours", 2)], &[]).unwrap();
    assert_eq!(merged.role, ROLE);
}

#[test]
fn legacy_v1_foreign_rule_is_reported() {
    let v1: ReplicationRule = serde_json::from_value(json!({
        "ID": "v1", "Prefix": "logs/", "Status": "Enabled",
        "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}
    }))
    .unwrap();
    let err = merge_replication_rules(Some(&config(vec![v1])), ROLE, &[our_rule("ours", 1)], &[])
        .unwrap_err();
    assert!(matches!(err, PlanError::LegacyForeignRule(_)));
}

#[test]
fn removing_our_rules_keeps_foreign_ones_or_deletes_the_configuration() {
    let existing = config(vec![foreign_rule("a", 1), our_rule("ours", 5)]);
    let ours = ["ours".to_owned()];
    let left = remove_replication_rules(&existing, &owner(&ours)).unwrap();
    assert_eq!(left, config(vec![foreign_rule("a", 1)]));
    let only_ours = config(vec![our_rule("ours", 5)]);
    assert_eq!(remove_replication_rules(&only_ours, &owner(&ours)), None);
}

#[test]
fn the_role_inline_budget_counts_without_white_space_and_says_what_fits() {
    assert_eq!(iam_policy_size("{ \"a\" : 1 }\n"), 7);
    assert!(check_role_inline_budget(&[4_000, 4_000], 2_240).is_ok());
    let err = check_role_inline_budget(&[4_000, 4_000], 2_241).unwrap_err();
    assert_eq!(err.total, 10_241);
    assert_eq!(err.pairs_that_fit, 4);
    assert!(err.to_string().contains("at most 4 pairs"), "{err}");
}

#[test]
fn a_foreign_rule_with_our_id_but_another_destination_survives_a_delete() {
    // The rollback Delete of a Create that failed with ForeignRuleIdTaken names that Id.
    let existing = config(vec![foreign_rule("ours", 1)]);
    let ours = ["ours".to_owned()];
    assert_eq!(
        remove_replication_rules(&existing, &owner(&ours)),
        Some(existing.clone())
    );
}

#[test]
fn a_rule_of_our_id_and_bucket_in_another_account_is_not_the_old_resources() {
    // A replacement that changed only DestinationAccountId wrote these; the old resource's
    // Delete names the old account.
    let mut moved = our_rule("ours", 1);
    moved.destination.account = Some("999988887777".to_owned());
    let existing = config(vec![moved]);
    let ours = ["ours".to_owned()];
    assert_eq!(
        remove_replication_rules(&existing, &owner(&ours)),
        Some(existing.clone())
    );
}

#[test]
fn an_update_takes_over_its_old_rules_ids_and_drops_the_rest() {
    // Old: r1 and r2 to replicas. New: r1 to another bucket, no r2. A foreign r3 too.
    let mut r1_new = our_rule("r1", 1);
    r1_new.destination.bucket = "arn:aws:s3:::new-replicas".to_owned();
    let existing = config(vec![
        our_rule("r1", 1),
        our_rule("r2", 2),
        foreign_rule("r3", 3),
    ]);
    let old_ids = ["r1".to_owned(), "r2".to_owned()];
    let (kept, dropped) = previous_rules(&existing, &owner(&old_ids), &[r1_new.clone()]);
    assert_eq!(ids(&kept), vec!["r2", "r3"], "r1 is taken over");
    assert_eq!(dropped, vec!["r2".to_owned()]);
    let merged = merge_replication_rules(Some(&kept), ROLE, &[r1_new], &dropped).unwrap();
    assert_eq!(ids(&merged), vec!["r3", "r1"]);
    // A foreign rule with an old Id is neither taken over nor dropped.
    let existing = config(vec![foreign_rule("r2", 3)]);
    let (kept, dropped) = previous_rules(&existing, &owner(&old_ids), &[]);
    assert_eq!(kept, existing);
    assert!(dropped.is_empty());
}

fn foreign_rules() -> impl Strategy<Value = Vec<ReplicationRule>> {
    prop::collection::btree_set(100..200i32, 0..5).prop_map(|priorities| {
        priorities
            .into_iter()
            .enumerate()
            .map(|(i, p)| foreign_rule(&format!("foreign-{i}"), p))
            .collect()
    })
}

fn ours_strategy() -> impl Strategy<Value = Vec<ReplicationRule>> {
    prop::sample::subsequence(vec![("r1", 1), ("r2", 2), ("r3", 3)], 1..=3)
        .prop_map(|v| v.into_iter().map(|(id, p)| our_rule(id, p)).collect())
}

proptest! {
    #[test]
    fn rule_merge_is_idempotent_and_removal_restores(foreign in foreign_rules(), ours in ours_strategy(), ours_first in any::<bool>()) {
        let existing = if foreign.is_empty() { None } else {
            let mut rules = foreign.clone();
            if ours_first { rules.insert(0, our_rule("r1", 1)); }
            Some(config(rules))
        };
        let once = merge_replication_rules(existing.as_ref(), ROLE, &ours, &["r1".to_owned()]).unwrap();
        let twice = merge_replication_rules(Some(&once), ROLE, &ours, &["r1".to_owned()]).unwrap();
        prop_assert_eq!(&once, &twice);
        let kept_foreign: Vec<&ReplicationRule> = once.rules.iter().filter(|r| r.id.as_deref().is_some_and(|i| i.starts_with("foreign"))).collect();
        prop_assert_eq!(kept_foreign, foreign.iter().collect::<Vec<_>>());
        let all_ours: Vec<String> = vec!["r1".into(), "r2".into(), "r3".into()];
        let removed = remove_replication_rules(&once, &owner(&all_ours));
        let expected = if foreign.is_empty() { None } else { Some(config(foreign)) };
        prop_assert_eq!(removed, expected);
    }
}
