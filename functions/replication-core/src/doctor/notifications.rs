//! Step 7's input: D notifies the verifier's queue.

use super::{Doctor, Finding};
use crate::notification;

/// Step 7: D's notification to the verifier's queue.
pub(super) fn notifications(d: &mut Doctor<'_>) {
    let Some(queue) = d.s.expected_queue.clone() else {
        return;
    };
    let name = format!("D notifies the verifier's queue ({queue})");
    let entries = match d.s.notifications.get() {
        Err(why) => {
            d.unknown(7, name, why);
            return;
        }
        Ok(e) => e.clone(),
    };
    let ours = notification::Entry::queue(None, &queue, &[notification::EVENT], "", "");
    let covered = entries.iter().any(|e| {
        e.arn == queue
            && e.prefix.is_empty()
            && e.suffix.is_empty()
            && notification::overlap(&ours, e)
    });
    if covered {
        d.pass(7, name, String::new());
    } else {
        d.fail(7, name, Finding {
            step: 7,
            document: format!("D's notification configuration ({})", d.s.destination_bucket),
            statement: None,
            problem: format!("no s3:ObjectCreated:* configuration sends D's events to {queue}, so no replica is verified"),
            fix: "run the destination stack's Update (NotificationQueueArn), or add the queue configuration by hand".into(),
        });
    }
}
