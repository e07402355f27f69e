//! What is announced and what is not, listing by listing.

use super::*;
use crate::accounts::MemorySettings;
use crate::error::ErrorCode;

fn vm(id: &str, state: VmState) -> Vm {
    Vm { state, raw_state: format!("{state:?}"), ..Vm::for_tests(id, &format!("vm-{id}")) }
}

fn listing(account: &str, vms: Vec<Vm>) -> Vec<AccountListing> {
    vec![AccountListing::listed_for_tests(account, vms, 0)]
}

fn kinds(notices: &[Notice]) -> Vec<(NoticeKind, Option<String>)> {
    notices.iter().map(|n| (n.kind, n.vm_id.clone())).collect()
}

#[test]
fn the_first_listing_is_a_baseline_and_announces_nothing() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    let seen =
        notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped), vm("2", VmState::Error)]), now);
    assert!(seen.is_empty(), "{seen:?}");
    // The same states again: still nothing.
    let seen =
        notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped), vm("2", VmState::Error)]), now);
    assert!(seen.is_empty(), "{seen:?}");
}

#[test]
fn a_vm_that_stops_by_itself_is_announced_once_with_both_states() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now);
    // On the way: a transitional state is not a settled change.
    assert!(notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopping)]), now).is_empty());
    let seen = notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::ChangedByItself, Some("1".into()))]);
    assert_eq!((seen[0].from, seen[0].to), (Some(VmState::Running), Some(VmState::Stopped)));
    let (title, body) = seen[0].text("Lunanode Toronto");
    assert_eq!(title, "vm-1 stopped");
    assert_eq!(body, "Lunanode Toronto: running → stopped, not from VMDeck.");
    assert!(notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), now).is_empty());
}

#[test]
fn a_change_the_user_asked_for_is_not_announced_but_the_next_one_is() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now);
    notices.acted_on("a", "1", now);
    assert!(notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), now).is_empty());
    // Later someone starts it elsewhere.
    let seen = notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::ChangedByItself, Some("1".into()))]);
}

#[test]
fn an_action_long_ago_no_longer_covers_a_change() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now);
    notices.acted_on("a", "1", now);
    let later = now + USER_ACTION_WINDOW + Duration::from_secs(1);
    let seen = notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), later);
    assert_eq!(kinds(&seen), vec![(NoticeKind::ChangedByItself, Some("1".into()))]);
}

#[test]
fn a_vm_deleted_elsewhere_is_gone_but_one_deleted_here_is_not() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Running), vm("2", VmState::Running)]), now);
    notices.acted_on("a", "2", now);
    let seen = notices.observe_listing(&listing("a", vec![]), now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::Gone, Some("1".into()))]);
    assert_eq!(seen[0].vm_name, "vm-1");
    assert!(notices.observe_listing(&listing("a", vec![]), now).is_empty());
}

#[test]
fn an_account_that_fails_to_list_loses_no_vms_and_a_removed_account_is_forgotten() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now);
    let offline = vec![AccountListing::offline_for_tests("a", 0)];
    assert!(notices.observe_listing(&offline, now).is_empty());
    assert!(notices.observe_listing(&listing("a", vec![vm("1", VmState::Running)]), now).is_empty());
    // The account was removed: its VMs are not "gone", and when it comes back it starts a new baseline.
    assert!(notices.observe_listing(&[], now).is_empty());
    assert!(notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), now).is_empty());
}

#[test]
fn a_create_is_announced_when_its_vm_runs_and_not_as_a_change() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![]), now);
    assert!(notices.created("a", &[vm("9", VmState::Creating)], now).is_empty());
    // The wizard follows it by itself; the listing sees it too. Only one of them announces it.
    assert!(notices.observe_vm("a", &vm("9", VmState::Creating), now).is_none());
    let done = notices.observe_vm("a", &vm("9", VmState::Running), now).expect("announced");
    assert_eq!(done.kind, NoticeKind::Created);
    assert_eq!(done.text("Hyperstack lab").0, "vm-9 is ready");
    assert!(notices.observe_listing(&listing("a", vec![vm("9", VmState::Running)]), now).is_empty());
    // From then on it is followed like any other VM.
    let seen = notices.observe_listing(&listing("a", vec![vm("9", VmState::Stopped)]), now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::ChangedByItself, Some("9".into()))]);
}

#[test]
fn a_create_that_runs_at_once_or_ends_in_error_is_announced() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    let seen = notices.created("a", &[vm("1", VmState::Running), vm("2", VmState::Creating)], now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::Created, Some("1".into()))]);
    // The account's first listing is its baseline, but a create it sees fail is still announced.
    let seen =
        notices.observe_listing(&listing("a", vec![vm("1", VmState::Running), vm("2", VmState::Error)]), now);
    assert_eq!(kinds(&seen), vec![(NoticeKind::CreateFailed, Some("2".into()))]);
    assert_eq!(seen[0].text("Seed").1, "Seed: the VM went into an error state.");
}

#[test]
fn a_create_refused_at_once_says_why() {
    let error = AppError::new(ErrorCode::ProviderError, "Your quota allows 2 more VMs.");
    let notice = StateNotices::create_failed("a", "web", &error);
    assert_eq!(
        notice.text("Lunanode Toronto"),
        ("Creating web failed".to_owned(), "Lunanode Toronto: Your quota allows 2 more VMs.".to_owned())
    );
}

#[test]
fn a_vm_still_creating_when_deleted_is_not_gone() {
    let mut notices = StateNotices::default();
    let now = Instant::now();
    notices.observe_listing(&listing("a", vec![vm("1", VmState::Stopped)]), now);
    notices.created("a", &[vm("1", VmState::Creating)], now);
    assert!(notices.observe_listing(&listing("a", vec![]), now).is_empty());
}

#[test]
fn creates_show_only_in_the_background_and_changes_always_each_when_wanted() {
    let on = NotificationSettings::default();
    assert!(on.shows(NoticeKind::Created, false));
    assert!(!on.shows(NoticeKind::Created, true));
    assert!(!on.shows(NoticeKind::CreateFailed, true));
    assert!(on.shows(NoticeKind::ChangedByItself, true));
    assert!(on.shows(NoticeKind::Gone, false));
    let off = NotificationSettings { creates: false, changes: false };
    for kind in [NoticeKind::Created, NoticeKind::CreateFailed, NoticeKind::ChangedByItself, NoticeKind::Gone]
    {
        assert!(!off.shows(kind, false), "{kind:?}");
    }
}

#[test]
fn the_settings_are_kept_and_default_to_on() {
    let prefs = NotificationPrefs::new(Arc::new(MemorySettings::default()));
    assert_eq!(prefs.get().unwrap(), NotificationSettings { creates: true, changes: true });
    prefs.set(NotificationSettings { creates: false, changes: true }).unwrap();
    assert_eq!(prefs.get().unwrap(), NotificationSettings { creates: false, changes: true });
}
