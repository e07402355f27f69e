//! Listing across accounts: concurrent, in order, one failing account beside the others; the catalog cache.
mod common;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use vmdeck_engine::fleet::{list_all, list_all_priced, CatalogCache};
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

#[tokio::test]
async fn listed_vms_take_their_price_from_the_catalog_and_a_failing_catalog_only_drops_prices() {
    let cloud = cloud().await;
    let hyperstack: Arc<dyn Provider> = Arc::new(hyperstack(&cloud, HYPERSTACK_API_KEY));
    let lunanode: Arc<dyn Provider> = Arc::new(lunanode(&cloud, LUNANODE_API_KEY));
    // A Hyperstack VM on the GPU flavor the fake's pricebook prices.
    let request = vmdeck_engine::model::CreateRequest {
        name: "priced".into(),
        region: Some("test1".into()),
        image: Some("Ubuntu Server 22.04 LTS R535 CUDA 12.2".into()),
        flavor: Some("n3-A100x1".into()),
        key_pair: Some("example-key".into()),
        count: 1,
        ..Default::default()
    };
    hyperstack.create(&request).await.unwrap();
    let accounts = vec![("h".to_owned(), hyperstack), ("l".to_owned(), lunanode)];
    let cache = CatalogCache::new(Duration::from_secs(300));

    let listings = list_all_priced(&accounts, &cache).await;
    let priced = listings[0].vms.iter().find(|vm| vm.name == "priced").unwrap();
    let price = priced.flavor.as_ref().and_then(|f| f.price.as_ref()).expect("a price from the pricebook");
    assert_eq!(price.per_hour, Some(vmdeck_fakes::hyperstack::A100_PER_HOUR));
    let plan = listings[1].vms[0].flavor.as_ref().unwrap();
    assert!(
        plan.price.as_ref().and_then(|p| p.as_given.as_ref()).is_some(),
        "Lunanode's plan price: {plan:?}"
    );

    // A catalog that cannot be read (here: not cached, and its plans call fails) costs the price only.
    let fresh = CatalogCache::new(Duration::from_secs(300));
    cloud
        .lunanode
        .shared
        .inject(FaultRule::new("/api/plan/list/", Fault::Status { status: 500, retry_after_secs: None }));
    let listings = list_all_priced(&accounts, &fresh).await;
    assert!(listings[1].error.is_none());
    assert_eq!(listings[1].vms[0].flavor.as_ref().unwrap().price, None);
    // … and is not asked for again on the next listing.
    let asked = cloud.lunanode.shared.count("POST", "/api/plan/list/");
    assert!(asked > 0);
    list_all_priced(&accounts, &fresh).await;
    assert_eq!(cloud.lunanode.shared.count("POST", "/api/plan/list/"), asked, "no new catalog request");
}
