//! D's event notifications to the verifier's queue: one configuration per queue, shared by every
//! replication pair into D that names the queue.
//!
//! S3 refuses overlapping notification configurations: two configurations overlap when they
//! share an event type and neither their prefixes nor their suffixes tell them apart, and "any
//! existing notification configuration rule is assumed to have a default prefix and suffix that
//! match any other prefix and suffix" (S3 User Guide, "Configuring event notifications using
//! object key name filtering"). Ours is `s3:ObjectCreated:*` for every key, so it overlaps every
//! other configuration with an `s3:ObjectCreated` event type, whatever that one's filter. Hence:
//!
//! - **One configuration per queue, shared.** Its `Id` lists the pairs that use it
//!   ([`our_id`]): `S3KmsReplication:` and each pair's [`SidScope`] hash, joined by `+`. A pair
//!   joins on Create, leaves on Delete, and the configuration goes with its last pair. A second
//!   source replicating into D, and a replacement whose new resource is created before the old
//!   one is deleted, join the same configuration instead of adding an overlapping one.
//! - **Never dropped, never duplicated.** A configuration we did not write is kept as read. When
//!   one overlaps ours, [`plan`] refuses with a [`Conflict`] that names it and the fix.
//! - The first version's configurations, whose `Id` was one pair's [`SidScope`], are read as
//!   ours and rewritten in the shared form.
//!
//! ```
//! use replication_core::notification::{Entry, Planned, plan};
//! use replication_core::policy::SidScope;
//! use replication_core::arn::{AccountId, BucketName};
//!
//! let scope = |s: &str| SidScope::for_replication(
//!     &AccountId::parse("111122223333").unwrap(),
//!     &BucketName::parse(s).unwrap(),
//!     &BucketName::parse("replicas").unwrap(),
//! );
//! let queue = "arn:aws:sqs:eu-west-1:222233334444:verifier";
//! // The first pair adds the configuration; the second joins it.
//! let first = plan(&[], &[], &scope("source-a"), Some(queue)).unwrap().unwrap();
//! let Planned::Ours { id, .. } = &first[0] else { panic!() };
//! let current = [Entry::queue(Some(id), queue, &["s3:ObjectCreated:*"], "", "")];
//! let second = plan(&current, &[], &scope("source-b"), Some(queue)).unwrap().unwrap();
//! assert_eq!(second.len(), 1, "one configuration, now for both pairs");
//! ```

use std::fmt;

use crate::policy::{SID_PREFIX, SidScope};

pub mod unvalidated;

/// The event type of our configuration on D.
pub const EVENT: &str = "s3:ObjectCreated:*";

/// How the `Id` of our configuration on D starts; the pairs' hashes follow, joined by `+`.
pub const ID_PREFIX: &str = "S3KmsReplication:";

/// Which of our two configurations: D's object-created events to the verifier's queue
/// ([`OBJECT_CREATED`]), or S's replication events to it ([`REPLICATION_EVENTS`]). Both are
/// planned alike: one configuration per queue, shared by the pairs that name it, kept apart by
/// their `Id` prefix (a bucket that is both a source and a destination holds one of each).
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// The one event type of the configuration.
    pub event: &'static str,
    /// How its `Id` starts.
    pub id_prefix: &'static str,
    /// The resource property that names the queue.
    pub property: &'static str,
    /// Which bucket of the pair holds it.
    pub bucket: &'static str,
    /// Whether an `Id` that is one pair's [`SidScope`] (the first version's form) is ours.
    legacy_ids: bool,
    /// What to do instead when a configuration we do not own overlaps ours.
    foreign_fix: &'static str,
    /// What the templates offer when another pair's configuration names another queue.
    other_queue_fix: &'static str,
}

/// D's `s3:ObjectCreated:*` events to the verifier's queue (`NotificationQueueArn`).
pub const OBJECT_CREATED: Kind = Kind {
    event: EVENT,
    id_prefix: ID_PREFIX,
    property: "NotificationQueueArn",
    bucket: "destination",
    legacy_ids: true,
    foreign_fix: "Either omit NotificationQueueArn and feed the verifier from EventBridge (the \
         destination stack's Trigger=EventBridge turns on the bucket's EventBridge notifications \
         and routes \"Object Created\" events to the verifier, which reads them; EventBridge never \
         overlaps), or give the other configuration event types other than s3:ObjectCreated (a \
         prefix or suffix filter alone does not separate it from ours, which covers every key). \
         If it already sends to the verifier's queue, omit NotificationQueueArn",
    other_queue_fix: ". With the destination template: deploy this source's stack with \
         Trigger=ExistingQueue and ExistingQueueArn set to that queue (its verifier then judges \
         this source's replicas too), or give every destination stack for the bucket \
         Trigger=EventBridge (a rule each, never an overlap)",
};

/// S's `s3:Replication:*` events (failed, missed-threshold, late and untracked replication) to
/// the verifier's queue (`ReplicationEventsQueueArn`), so that the destination stack counts
/// `ReplicationFailed`.
pub const REPLICATION_EVENTS: Kind = Kind {
    event: "s3:Replication:*",
    id_prefix: "S3KmsReplicationEvents:",
    property: "ReplicationEventsQueueArn",
    bucket: "source",
    legacy_ids: false,
    foreign_fix: "Replication events reach only S3's own notification targets (EventBridge does \
         not carry them), so either omit ReplicationEventsQueueArn and alarm on S3's \
         OperationsFailedReplication metric instead (ReplicationMetrics=true), or narrow the other \
         configuration to event types other than s3:Replication",
    other_queue_fix: "",
};

/// What a notification configuration sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// `QueueConfiguration`.
    Queue,
    /// `TopicConfiguration`.
    Topic,
    /// `LambdaFunctionConfiguration`.
    Lambda,
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Queue => "queue",
            Self::Topic => "topic",
            Self::Lambda => "Lambda function",
        })
    }
}

/// One notification configuration of D, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What it sends to.
    pub kind: TargetKind,
    /// `Id` (S3 assigns one when none is given).
    pub id: Option<String>,
    /// The target's ARN.
    pub arn: String,
    /// Event types, such as `s3:ObjectCreated:*`.
    pub events: Vec<String>,
    /// The `prefix` filter rule; empty when none.
    pub prefix: String,
    /// The `suffix` filter rule; empty when none.
    pub suffix: String,
}

impl Entry {
    /// A queue configuration.
    #[must_use]
    pub fn queue(id: Option<&str>, arn: &str, events: &[&str], prefix: &str, suffix: &str) -> Self {
        Self {
            kind: TargetKind::Queue,
            id: id.map(str::to_owned),
            arn: arn.to_owned(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        }
    }

    fn ours(kind: &Kind, id: String, queue: &str) -> Self {
        Self::queue(Some(&id), queue, &[kind.event], "", "")
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "{} ({} {}, {}",
            self.id.as_deref().unwrap_or("without Id"),
            self.kind,
            self.arn,
            self.events.join(", ")
        );
        if !self.prefix.is_empty() {
            text.push_str(&format!(", prefix {:?}", self.prefix));
        }
        if !self.suffix.is_empty() {
            text.push_str(&format!(", suffix {:?}", self.suffix));
        }
        text.push(')');
        text
    }
}

/// One queue configuration to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// The queue configuration at this index of the input, as read.
    Keep(usize),
    /// Ours, for these pairs: the kind's event type to `queue`, no filter.
    Ours {
        /// Its `Id` ([`our_id`]).
        id: String,
        /// The queue ARN.
        queue: String,
    },
}

/// Our configuration cannot be added: S3 would refuse it as overlapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A configuration we did not write.
    #[error(
        "{}: the {} bucket already has the notification configuration {existing}, which overlaps \
         {} for every key to {queue}; S3 refuses overlapping configurations, and that one is not \
         ours to change. {}",
        kind.property, kind.bucket, kind.event, kind.foreign_fix
    )]
    Foreign {
        /// Which of our configurations.
        kind: &'static Kind,
        /// The existing configuration, described.
        existing: String,
        /// Our queue.
        queue: String,
    },
    /// Our configuration for another queue, used by other pairs.
    #[error(
        "{}: another replication already sends this {} bucket's {} events to {existing}; S3 allows \
         one unfiltered configuration per event type, so every replication that shares the bucket \
         must name the same {} (not {queue}){}",
        kind.property, kind.bucket, kind.event, kind.property, kind.other_queue_fix
    )]
    OtherQueue {
        /// Which of our configurations.
        kind: &'static Kind,
        /// The queue in use.
        existing: String,
        /// The queue asked for.
        queue: String,
    },
}

/// Our configuration's `Id` on D for these pair hashes (sorted, each once).
#[must_use]
pub fn our_id(hashes: &[String]) -> String {
    OBJECT_CREATED.id(hashes)
}

/// The pair hashes of one of our configurations' `Id` on D, or `None` when it is not ours. The
/// first version's `Id`, one [`SidScope`], counts as ours.
#[must_use]
pub fn our_hashes(id: &str) -> Option<Vec<String>> {
    OBJECT_CREATED.hashes(id)
}

impl Kind {
    /// Our configuration's `Id` for these pair hashes (sorted, each once).
    #[must_use]
    pub fn id(&self, hashes: &[String]) -> String {
        let mut hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
        hashes.sort_unstable();
        hashes.dedup();
        format!("{}{}", self.id_prefix, hashes.join("+"))
    }

    /// The pair hashes of one of our configurations' `Id` of this kind, or `None` when it is
    /// not ours.
    #[must_use]
    pub fn hashes(&self, id: &str) -> Option<Vec<String>> {
        let is_hash = |h: &str| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit());
        if let Some(list) = id.strip_prefix(self.id_prefix) {
            let hashes: Vec<String> = list.split('+').map(str::to_owned).collect();
            return hashes.iter().all(|h| is_hash(h)).then_some(hashes);
        }
        id.strip_prefix(SID_PREFIX)
            .filter(|h| self.legacy_ids && is_hash(h))
            .map(|h| vec![h.to_owned()])
    }
}

fn hash_of(scope: &SidScope) -> String {
    scope
        .as_str()
        .strip_prefix(SID_PREFIX)
        .unwrap_or(scope.as_str())
        .to_owned()
}

fn events_overlap(a: &[String], b: &[String]) -> bool {
    let covers = |x: &str, y: &str| {
        x == y
            || x.strip_suffix('*')
                .is_some_and(|stem| stem.ends_with(':') && y.starts_with(stem))
    };
    a.iter()
        .any(|x| b.iter().any(|y| covers(x, y) || covers(y, x)))
}

/// Whether S3 would refuse `a` and `b` on one bucket (see the module doc).
#[must_use]
pub fn overlap(a: &Entry, b: &Entry) -> bool {
    events_overlap(&a.events, &b.events)
        && (a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix))
        && (a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix))
}

/// D's queue configurations after this pair (`scope`) sends to `queue`, or stops sending with
/// `None`. `queues` are D's queue configurations; `others` its topic and Lambda ones, which are
/// never changed but may overlap ours. `Ok(None)`: nothing to write.
///
/// # Errors
/// [`Conflict`] when the configuration that `queue` needs would overlap another.
pub fn plan(
    queues: &[Entry],
    others: &[Entry],
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<Option<Vec<Planned>>, Conflict> {
    plan_for(&OBJECT_CREATED, queues, others, scope, queue)
}

/// [`plan`] for either of our configurations: the bucket's queue configurations after this pair
/// sends `kind`'s events to `queue`, or stops sending with `None`.
///
/// # Errors
/// [`Conflict`] when the configuration that `queue` needs would overlap another.
pub fn plan_for(
    kind: &'static Kind,
    queues: &[Entry],
    others: &[Entry],
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<Option<Vec<Planned>>, Conflict> {
    let me = hash_of(scope);
    let mut out = Vec::with_capacity(queues.len() + 1);
    let mut changed = false;
    let mut joined = false;
    for (i, entry) in queues.iter().enumerate() {
        let Some(mut hashes) = entry.id.as_deref().and_then(|id| kind.hashes(id)) else {
            out.push(Planned::Keep(i));
            continue;
        };
        let target = queue == Some(entry.arn.as_str());
        let member = hashes.contains(&me);
        if target {
            joined = true;
            hashes.push(me.clone());
        } else {
            hashes.retain(|h| h != &me);
        }
        changed |= target != member;
        if hashes.is_empty() {
            changed = true;
            continue;
        }
        let id = kind.id(&hashes);
        if entry.id.as_deref() == Some(id.as_str()) {
            out.push(Planned::Keep(i));
        } else {
            changed = true;
            out.push(Planned::Ours {
                id,
                queue: entry.arn.clone(),
            });
        }
    }
    if let Some(queue) = queue {
        if !joined {
            changed = true;
            out.push(Planned::Ours {
                id: kind.id(std::slice::from_ref(&me)),
                queue: queue.to_owned(),
            });
        }
        check_overlaps(kind, queues, others, &out, queue)?;
    }
    Ok(changed.then_some(out))
}

fn check_overlaps(
    kind: &'static Kind,
    queues: &[Entry],
    others: &[Entry],
    planned: &[Planned],
    queue: &str,
) -> Result<(), Conflict> {
    let ours = Entry::ours(kind, String::new(), queue);
    for p in planned {
        match p {
            Planned::Keep(i) => {
                let entry = &queues[*i];
                let is_ours = entry.id.as_deref().and_then(|id| kind.hashes(id)).is_some();
                if is_ours && entry.arn == queue {
                    continue; // the one this pair joined
                }
                if overlap(&ours, entry) {
                    return Err(if is_ours {
                        other_queue(kind, &entry.arn, queue)
                    } else {
                        Conflict::Foreign {
                            kind,
                            existing: entry.describe(),
                            queue: queue.to_owned(),
                        }
                    });
                }
            }
            Planned::Ours { queue: q, .. } if q != queue => {
                return Err(other_queue(kind, q, queue));
            }
            Planned::Ours { .. } => {}
        }
    }
    match others.iter().find(|e| overlap(&ours, e)) {
        Some(entry) => Err(Conflict::Foreign {
            kind,
            existing: entry.describe(),
            queue: queue.to_owned(),
        }),
        None => Ok(()),
    }
}

fn other_queue(kind: &'static Kind, existing: &str, queue: &str) -> Conflict {
    Conflict::OtherQueue {
        kind,
        existing: existing.to_owned(),
        queue: queue.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::arn::{AccountId, BucketName};

    const Q: &str = "arn:aws:sqs:eu-west-1:222233334444:verifier";
    const Q2: &str = "arn:aws:sqs:eu-west-1:222233334444:other";

    fn scope(source: &str) -> SidScope {
        SidScope::for_replication(
            &AccountId::parse("111122223333").unwrap(),
            &BucketName::parse(source).unwrap(),
            &BucketName::parse("replicas").unwrap(),
        )
    }

    /// The queue configurations as S3 would store `planned`, from `current`.
    fn apply(current: &[Entry], planned: &[Planned]) -> Vec<Entry> {
        planned
            .iter()
            .map(|p| match p {
                Planned::Keep(i) => current[*i].clone(),
                Planned::Ours { id, queue } => Entry::ours(&OBJECT_CREATED, id.clone(), queue),
            })
            .collect()
    }

    fn step(current: &[Entry], source: &str, queue: Option<&str>) -> Vec<Entry> {
        match plan(current, &[], &scope(source), queue).unwrap() {
            Some(planned) => apply(current, &planned),
            None => current.to_vec(),
        }
    }

    #[test]
    fn pairs_share_one_configuration_that_goes_with_the_last_of_them() {
        let one = step(&[], "source-a", Some(Q));
        assert_eq!(one.len(), 1);
        let two = step(&one, "source-b", Some(Q));
        assert_eq!(two.len(), 1, "joined, not added: {two:?}");
        assert_eq!(our_hashes(two[0].id.as_deref().unwrap()).unwrap().len(), 2);
        // Order-independent: the other order gives the same Id.
        let other_order = step(&step(&[], "source-b", Some(Q)), "source-a", Some(Q));
        assert_eq!(other_order, two);
        // Idempotent: repeating changes nothing.
        assert_eq!(plan(&two, &[], &scope("source-a"), Some(Q)).unwrap(), None);
        // Leaving: the first leaves, the configuration stays for the second; then it goes.
        let left = step(&two, "source-a", None);
        assert_eq!(left, one_for("source-b"));
        assert!(step(&left, "source-b", None).is_empty());
        // Leaving twice, or without having joined, writes nothing.
        assert_eq!(plan(&[], &[], &scope("source-a"), None).unwrap(), None);
    }

    fn one_for(source: &str) -> Vec<Entry> {
        step(&[], source, Some(Q))
    }

    #[test]
    fn foreign_configurations_are_kept_and_an_overlapping_one_is_named() {
        let foreign_removed = Entry::queue(Some("audit"), Q2, &["s3:ObjectRemoved:*"], "", "");
        let after = step(std::slice::from_ref(&foreign_removed), "source-a", Some(Q));
        assert_eq!(after[0], foreign_removed, "kept as read");
        assert_eq!(after.len(), 2);
        for overlapping in [
            Entry::queue(Some("ingest"), Q2, &["s3:ObjectCreated:Put"], "logs/", ""),
            Entry::queue(Some("mine-too"), Q, &["s3:ObjectCreated:*"], "", ".csv"),
        ] {
            let err = plan(
                std::slice::from_ref(&overlapping),
                &[],
                &scope("source-a"),
                Some(Q),
            )
            .unwrap_err();
            let text = err.to_string();
            assert!(text.contains(overlapping.id.as_deref().unwrap()), "{text}");
            assert!(text.contains("EventBridge"), "{text}");
        }
        let topic = Entry {
            kind: TargetKind::Topic,
            ..Entry::queue(
                Some("fanout"),
                "arn:aws:sns:eu-west-1:2:t",
                &[EVENT],
                "",
                "",
            )
        };
        let err = plan(&[], &[topic], &scope("source-a"), Some(Q)).unwrap_err();
        assert!(err.to_string().contains("topic arn:aws:sns"), "{err}");
        // Leaving never checks: a pair can always be removed.
        let overlapping = Entry::queue(Some("x"), Q2, &[EVENT], "", "");
        assert_eq!(
            plan(&[overlapping], &[], &scope("source-a"), None).unwrap(),
            None
        );
    }

    #[test]
    fn one_queue_per_bucket_and_a_queue_change_moves_the_pair() {
        let one = one_for("source-a");
        let err = plan(&one, &[], &scope("source-b"), Some(Q2)).unwrap_err();
        assert!(matches!(err, Conflict::OtherQueue { .. }), "{err}");
        // The only pair changes its queue in place: it moves.
        let moved = step(&one, "source-a", Some(Q2));
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].arn, Q2);
    }

    #[test]
    fn the_first_versions_configuration_is_read_as_ours_and_rewritten() {
        let legacy = Entry::queue(Some(scope("source-a").as_str()), Q, &[EVENT], "", "");
        let after = step(std::slice::from_ref(&legacy), "source-b", Some(Q));
        assert_eq!(after.len(), 1);
        assert_eq!(
            our_hashes(after[0].id.as_deref().unwrap()).unwrap().len(),
            2
        );
        assert!(step(&[legacy], "source-a", None).is_empty());
        assert_eq!(our_hashes("S3KmsReplication:zz"), None);
        assert_eq!(our_hashes("replica-verifier"), None);
    }

    /// Issue 21 §1: S's replication events are our second configuration, planned like D's and
    /// kept apart from it by their `Id`, so one bucket can hold both (a source that is also a
    /// destination) and each goes with its own last pair.
    #[test]
    fn replication_events_are_a_second_configuration_beside_the_object_created_one() {
        let created = plan_for(&OBJECT_CREATED, &[], &[], &scope("source-a"), Some(Q))
            .unwrap()
            .unwrap();
        let created = apply(&[], &created);
        let both = plan_for(
            &REPLICATION_EVENTS,
            &created,
            &[],
            &scope("source-a"),
            Some(Q),
        )
        .unwrap()
        .unwrap();
        assert_eq!(both.len(), 2, "{both:?}");
        assert_eq!(
            both[0],
            Planned::Keep(0),
            "D's configuration is not ours to change here"
        );
        let Planned::Ours { id, .. } = &both[1] else {
            panic!("{both:?}")
        };
        assert!(id.starts_with("S3KmsReplicationEvents:"), "{id}");
        assert_eq!(REPLICATION_EVENTS.hashes(id).unwrap().len(), 1);
        assert_eq!(OBJECT_CREATED.hashes(id), None);
        assert_eq!(
            REPLICATION_EVENTS.hashes(created[0].id.as_deref().unwrap()),
            None
        );
        // A legacy SidScope Id is D's only.
        assert_eq!(REPLICATION_EVENTS.hashes(scope("source-a").as_str()), None);
        // Someone else's replication-events configuration is named, with the metric alternative.
        let foreign = Entry::queue(
            Some("ops"),
            Q2,
            &["s3:Replication:OperationFailedReplication"],
            "",
            "",
        );
        let err = plan_for(
            &REPLICATION_EVENTS,
            &[foreign],
            &[],
            &scope("source-a"),
            Some(Q),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("ReplicationEventsQueueArn: the source bucket"),
            "{text}"
        );
        assert!(text.contains("ops (queue"), "{text}");
        assert!(text.contains("ReplicationMetrics=true"), "{text}");
        // Two pairs from one S to two queues: refused, naming the property.
        let one = vec![Entry::queue(Some(id), Q, &["s3:Replication:*"], "", "")];
        let err =
            plan_for(&REPLICATION_EVENTS, &one, &[], &scope("source-b"), Some(Q2)).unwrap_err();
        assert!(
            err.to_string()
                .contains("must name the same ReplicationEventsQueueArn"),
            "{err}"
        );
    }

    #[test]
    fn overlap_follows_the_s3_guide() {
        let e = |events: &[&str], prefix: &str, suffix: &str| {
            Entry::queue(None, Q, events, prefix, suffix)
        };
        // The guide's valid examples.
        assert!(!overlap(
            &e(&[EVENT], "images/", ""),
            &e(&[EVENT], "logs/", "")
        ));
        assert!(!overlap(&e(&[EVENT], "", ".jpg"), &e(&[EVENT], "", ".png")));
        assert!(!overlap(
            &e(&["s3:ObjectCreated:Put"], "images/", ""),
            &e(&["s3:ObjectRemoved:*"], "images/", "")
        ));
        // And invalid ones: the root prefix overlaps everything; wildcards cover their types.
        assert!(overlap(&e(&[EVENT], "", ""), &e(&[EVENT], "images/", "")));
        assert!(overlap(
            &e(&[EVENT], "a/", ".jpg"),
            &e(&["s3:ObjectCreated:Put"], "a/b", "")
        ));
    }
}
