//! The pacing in paused tokio time: when the watch lists, and when it does not.

use super::*;
use crate::model::{Vm, VmState};
use std::sync::atomic::AtomicBool;

const PACING: Pacing = Pacing {
    fast: Duration::from_secs(3),
    slow: Duration::from_secs(30),
    after_action: Duration::from_secs(20),
};

fn listing(state: VmState) -> Vec<AccountListing> {
    let vm = Vm { state, raw_state: format!("{state:?}"), ..Vm::for_tests("1", "web") };
    vec![AccountListing::listed_for_tests("a", vec![vm], 0)]
}

/// Starts the loop over a listing whose VM is changing state while `changing` says so; returns the watch
/// and the instants (seconds since the start) at which listings were published.
async fn start(changing: Arc<AtomicBool>) -> (FleetWatch, Arc<Mutex<Vec<u64>>>) {
    let watch = FleetWatch::new(PACING);
    let published = Arc::new(Mutex::new(Vec::new()));
    let (runner, seen, begun) = (watch.clone(), published.clone(), Instant::now());
    tokio::spawn(async move {
        let list = || {
            let state = if changing.load(Ordering::SeqCst) { VmState::Starting } else { VmState::Running };
            async move { Ok(listing(state)) }
        };
        runner.run(list, |_| seen.lock().unwrap().push(begun.elapsed().as_secs())).await;
    });
    // Let the loop reach its first wait.
    settle().await;
    (watch, published)
}

/// Lets the loop run what is due now, then moves the clock on a second at a time, letting it run after each.
async fn advance(seconds: u64) {
    settle().await;
    for _ in 0..seconds {
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
    }
}

async fn settle() {
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn nothing_is_listed_until_a_view_watches_and_then_at_once() {
    let (watch, published) = start(Arc::new(AtomicBool::new(false))).await;
    advance(100).await;
    assert!(published.lock().unwrap().is_empty(), "no listing without a watcher");
    watch.set_watching(true);
    advance(0).await;
    assert_eq!(*published.lock().unwrap(), [100]);
}

#[tokio::test(start_paused = true)]
async fn lists_fast_while_a_vm_changes_state_and_slowly_once_it_settled() {
    let changing = Arc::new(AtomicBool::new(true));
    let (watch, published) = start(changing.clone()).await;
    watch.set_watching(true);
    advance(7).await;
    assert_eq!(*published.lock().unwrap(), [0, 3, 6]);
    changing.store(false, Ordering::SeqCst);
    advance(60).await;
    // The listing at 9 s saw the VM settled: the next ones are 30 s apart.
    assert_eq!(*published.lock().unwrap(), [0, 3, 6, 9, 39]);
}

#[tokio::test(start_paused = true)]
async fn an_action_lists_at_once_and_fast_for_a_while() {
    let (watch, published) = start(Arc::new(AtomicBool::new(false))).await;
    watch.set_watching(true);
    advance(10).await;
    watch.nudge();
    advance(0).await;
    assert_eq!(*published.lock().unwrap(), [0, 10]);
    advance(40).await;
    // Fast for 20 s after the action (13 … 28, then 31 is past the window), then slow again.
    assert_eq!(*published.lock().unwrap(), [0, 10, 13, 16, 19, 22, 25, 28, 31]);
}

#[tokio::test(start_paused = true)]
async fn listing_stops_when_the_last_view_stops_watching() {
    let (watch, published) = start(Arc::new(AtomicBool::new(true))).await;
    watch.set_watching(true);
    watch.set_watching(true);
    advance(4).await;
    watch.set_watching(false);
    advance(4).await;
    assert_eq!(*published.lock().unwrap(), [0, 3, 6], "one view still watches");
    watch.set_watching(false);
    watch.set_watching(false); // one too many (a reloaded page) does not wrap around
    advance(60).await;
    assert_eq!(*published.lock().unwrap(), [0, 3, 6], "nobody watches: no more listings");
    watch.set_watching(true);
    advance(0).await;
    assert_eq!(*published.lock().unwrap(), [0, 3, 6, 68], "watching again lists at once");
}
