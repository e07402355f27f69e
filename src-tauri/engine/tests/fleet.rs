//! Listing across accounts: concurrent, in order, one failing account beside the others; the catalog cache.
mod common;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use vmdeck_engine::fleet::{list_all, CatalogCache};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::ErrorCode;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::{Fault, FaultRule};

#[tokio::test]
async fn one_failing_account_does_not_hide_the_others() {
    let cloud = cloud().await;
    let mut accounts: Vec<(String, Arc<dyn Provider>)> =
        all(&cloud).into_iter().enumerate().map(|(i, (p, _, _))| (format!("acct-{i}"), p)).collect();
    accounts.insert(2, ("broken".into(), Arc::new(hyperstack(&cloud, "revoked"))));
    // The slow one must not make the others wait for it.
    cloud.cloudvm.shared.inject(FaultRule::new("/vm", Fault::Latency { ms: 300 }));

    let listings = list_all(&accounts).await;
    let ids: Vec<&str> = listings.iter().map(|l| l.account_id.as_str()).collect();
    assert_eq!(ids, ["acct-0", "acct-1", "broken", "acct-2", "acct-3"], "the order of the accounts");
    assert_eq!(listings[2].error.as_ref().unwrap().code, ErrorCode::AuthFailed);
    assert!(listings[2].vms.is_empty());
    assert_eq!(listings[1].vms.len(), 1, "enclaive's documented VM");
    assert_eq!(listings[3].vms.len(), 1, "Lunanode's documented VM");
    assert!(listings.iter().filter(|l| l.account_id != "broken").all(|l| l.error.is_none()));
}

#[tokio::test]
async fn catalogs_are_cached_until_the_ttl_or_a_refresh() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let cache = CatalogCache::new(Duration::from_millis(300));
    let first = cache.get("a", &provider, false).await.unwrap();
    let again = cache.get("a", &provider, false).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(cloud.hyperstack.shared.count("GET", "/v1/core/flavors"), 1, "served from the cache");
    cache.get("a", &provider, true).await.unwrap();
    assert_eq!(cloud.hyperstack.shared.count("GET", "/v1/core/flavors"), 2, "a manual refresh asks again");
    tokio::time::sleep(Duration::from_millis(350)).await;
    cache.get("a", &provider, false).await.unwrap();
    assert_eq!(cloud.hyperstack.shared.count("GET", "/v1/core/flavors"), 3, "expired after the TTL");
}
