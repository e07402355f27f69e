//! Keeps the fleet listing fresh while a view shows it, and pushes each listing to a sink (the Tauri shell
//! turns it into an event). It lists quickly while any VM is between states or just after an action, slowly
//! otherwise, and not at all while nobody watches, so an app left in the background costs no API calls.

use super::AccountListing;
use crate::error::Result;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Between listings while a VM is changing state.
    pub fast: Duration,
    /// Between listings while nothing changes.
    pub slow: Duration,
    /// How long after an action to list fast even if the provider does not report a transition yet.
    pub after_action: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            fast: Duration::from_secs(3),
            slow: Duration::from_secs(30),
            after_action: Duration::from_secs(30),
        }
    }
}

/// A handle on the watch loop; clones share it. `run` is the loop itself, for the caller's runtime.
#[derive(Clone)]
pub struct FleetWatch {
    shared: Arc<Shared>,
}

struct Shared {
    pacing: Pacing,
    watchers: AtomicUsize,
    fast_until: Mutex<Option<Instant>>,
    /// "List now": holds at most one request, so several before the next listing count once.
    wake: mpsc::Sender<()>,
    woken: Mutex<Option<mpsc::Receiver<()>>>,
}

impl FleetWatch {
    pub fn new(pacing: Pacing) -> Self {
        let (wake, woken) = mpsc::channel(1);
        Self {
            shared: Arc::new(Shared {
                pacing,
                watchers: AtomicUsize::new(0),
                fast_until: Mutex::new(None),
                wake,
                woken: Mutex::new(Some(woken)),
            }),
        }
    }

    fn wake(&self) {
        // A full channel already asks for a listing.
        let _ = self.shared.wake.try_send(());
    }

    /// A view starts (`true`) or stops (`false`) showing the fleet; starting lists at once.
    pub fn set_watching(&self, on: bool) {
        let watchers = &self.shared.watchers;
        if on {
            watchers.fetch_add(1, Ordering::SeqCst);
            self.wake();
        } else {
            // More stops than starts (a page that reloaded while watching) must not wrap around.
            let _ = watchers.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        }
    }

    /// An action was accepted: list now, and quickly for a while.
    pub fn nudge(&self) {
        *self.shared.fast_until.lock().unwrap() = Some(Instant::now() + self.shared.pacing.after_action);
        self.wake();
    }

    /// The loop: waits for a watcher, lists, publishes, sleeps as the pacing says (or until woken). Runs
    /// until its future is dropped; one loop per watch (a second `run` returns at once).
    pub async fn run<L, F, P>(&self, list: L, publish: P)
    where
        L: Fn() -> F,
        F: Future<Output = Result<Vec<AccountListing>>>,
        P: Fn(Result<Vec<AccountListing>>),
    {
        let shared = &self.shared;
        let Some(mut woken) = shared.woken.lock().unwrap().take() else { return };
        loop {
            while shared.watchers.load(Ordering::SeqCst) == 0 {
                if woken.recv().await.is_none() {
                    return;
                }
            }
            // This listing answers every request made so far.
            while woken.try_recv().is_ok() {}
            let listings = list().await;
            let changing = listings
                .as_ref()
                .is_ok_and(|all| all.iter().any(|l| l.vms.iter().any(|vm| vm.state.is_transitional())));
            publish(listings);
            let after_action = shared.fast_until.lock().unwrap().is_some_and(|until| Instant::now() < until);
            let wait = if changing || after_action { shared.pacing.fast } else { shared.pacing.slow };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = woken.recv() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
