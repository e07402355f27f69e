//! Every VM of every account: listed concurrently, one account's failure shown beside the others' VMs.

mod cache;
pub mod notices;
mod sent;
mod watch;

pub use cache::FleetCache;
pub use sent::SentListings;
pub use watch::{FleetWatch, Pacing};

use crate::error::AppError;
use crate::model::{Catalog, Vm};
use crate::providers::Provider;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;
use ts_rs::TS;

/// One account's part of the fleet.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountListing {
    pub account_id: String,
    pub vms: Vec<Vm>,
    /// Why this account could not be listed; its VMs are then the empty list.
    pub error: Option<AppError>,
    /// Milliseconds since the epoch when the answer (or the error) arrived.
    #[ts(type = "number")]
    pub fetched_at_ms: u64,
    /// Set (with `vms` left empty) when the account's VMs are exactly those the UI was last sent:
    /// see `SentListings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unchanged: Option<bool>,
}

impl AccountListing {
    /// This listing without the VMs' raw records (see `Vm::without_record`).
    pub fn without_records(&self) -> AccountListing {
        AccountListing {
            account_id: self.account_id.clone(),
            vms: self.vms.iter().map(Vm::without_record).collect(),
            error: self.error.clone(),
            fetched_at_ms: self.fetched_at_ms,
            unchanged: self.unchanged,
        }
    }
}

#[cfg(test)]
impl AccountListing {
    /// An account listed at `at` (ms) with `vms`: for the fleet's tests.
    pub(crate) fn listed_for_tests(account: &str, vms: Vec<Vm>, at: u64) -> Self {
        Self { account_id: account.into(), vms, error: None, fetched_at_ms: at, unchanged: None }
    }

    /// An account that could not be reached at `at` (ms).
    pub(crate) fn offline_for_tests(account: &str, at: u64) -> Self {
        Self {
            account_id: account.into(),
            vms: Vec::new(),
            error: Some(AppError::new(crate::error::ErrorCode::Unreachable, "offline")),
            fetched_at_ms: at,
            unchanged: None,
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

/// Lists all accounts at once; the result keeps the order of `accounts`.
pub async fn list_all(accounts: &[(String, Arc<dyn Provider>)]) -> Vec<AccountListing> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (account_id, provider)) in accounts.iter().enumerate() {
        let (account_id, provider) = (account_id.clone(), provider.clone());
        tasks.spawn(async move {
            let result = provider.list_vms().await;
            let (vms, error) = match result {
                Ok(vms) => (vms, None),
                Err(error) => (Vec::new(), Some(error)),
            };
            (index, AccountListing { account_id, vms, error, fetched_at_ms: now_ms(), unchanged: None })
        });
    }
    let mut listings: Vec<Option<AccountListing>> = vec![None; accounts.len()];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, listing)) => listings[index] = Some(listing),
            Err(err) => tracing::error!("a listing task failed: {err}"),
        }
    }
    listings
        .into_iter()
        .zip(accounts)
        .map(|(listing, (account_id, _))| {
            listing.unwrap_or_else(|| AccountListing {
                account_id: account_id.clone(),
                vms: Vec::new(),
                error: Some(AppError::internal("Listing this account stopped unexpectedly.")),
                fetched_at_ms: now_ms(),
                unchanged: None,
            })
        })
        .collect()
}

/// `list_all`, with prices filled in from each account's catalog (cached; fetched alongside the listing
/// when missing). An account whose catalog cannot be read is listed without prices, and its catalog is
/// not asked for again for a while.
pub async fn list_all_priced(
    accounts: &[(String, Arc<dyn Provider>)],
    catalogs: &CatalogCache,
) -> Vec<AccountListing> {
    let catalog_of = accounts.iter().map(|(id, provider)| catalogs.for_prices(id, provider.as_ref()));
    let (mut listings, found) = tokio::join!(list_all(accounts), futures_util::future::join_all(catalog_of));
    for (listing, catalog) in listings.iter_mut().zip(found) {
        if let Some(catalog) = catalog {
            price_from_catalog(&mut listing.vms, &catalog);
        }
    }
    listings
}

/// Providers list a VM with its flavor's id but price only their catalogs (Hyperstack's pricebook,
/// Lunanode's plans): a VM without a price takes that of the catalog flavor with its id (else its name).
pub fn price_from_catalog(vms: &mut [Vm], catalog: &Catalog) {
    for flavor in vms.iter_mut().filter_map(|vm| vm.flavor.as_mut()).filter(|f| f.price.is_none()) {
        let known = catalog
            .flavors
            .iter()
            .find(|f| f.id == flavor.id)
            .or_else(|| catalog.flavors.iter().find(|f| f.name == flavor.name));
        flavor.price = known.and_then(|f| f.price.clone());
    }
}

/// Catalogs change rarely: kept per account for `ttl`, refreshed on request.
pub struct CatalogCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Catalog)>>,
    /// When an account's catalog last failed to load for prices (see `for_prices`).
    failed: Mutex<HashMap<String, Instant>>,
}

/// How long a catalog that failed to load for prices is not asked for again.
const PRICE_RETRY_AFTER: Duration = Duration::from_secs(120);

impl CatalogCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()), failed: Mutex::new(HashMap::new()) }
    }

    /// The catalog for pricing a listing: like `get`, but a failure is only logged, and not retried for
    /// a while, so an account whose catalog keeps failing is not asked again on every listing.
    pub async fn for_prices(&self, account_id: &str, provider: &dyn Provider) -> Option<Catalog> {
        if let Some(at) = self.failed.lock().await.get(account_id) {
            if at.elapsed() < PRICE_RETRY_AFTER {
                return None;
            }
        }
        match self.get(account_id, provider, false).await {
            Ok(catalog) => {
                self.failed.lock().await.remove(account_id);
                Some(catalog)
            }
            Err(err) => {
                tracing::debug!(account = %account_id, "no catalog for prices: {}", err.message);
                self.failed.lock().await.insert(account_id.to_owned(), Instant::now());
                None
            }
        }
    }

    pub async fn get(
        &self,
        account_id: &str,
        provider: &dyn Provider,
        refresh: bool,
    ) -> crate::error::Result<Catalog> {
        if !refresh {
            if let Some((at, catalog)) = self.entries.lock().await.get(account_id) {
                if at.elapsed() < self.ttl {
                    return Ok(catalog.clone());
                }
            }
        }
        // The lock is not held across the request, so one slow account does not block the others.
        let catalog = provider.catalog().await?;
        self.entries.lock().await.insert(account_id.to_owned(), (Instant::now(), catalog.clone()));
        Ok(catalog)
    }

    pub async fn forget(&self, account_id: &str) {
        self.entries.lock().await.remove(account_id);
    }
}
