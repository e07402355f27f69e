//! Hyperstack's paged lists. The SDK's list calls take `page` and a page size (`pageSize` for VMs,
//! environments and key pairs; `per_page` for images) and the envelopes of VMs, environments and key pairs
//! carry `page`, `page_size` and `count` (NexGenCloud/hyperstack-sdk-go:api/openapi.yaml). Whether `count`
//! is the total or the page's is not documented, so the loop relies on it only where it is clearly a total.

use super::Hyperstack;
use crate::error::Result;
use serde_json::Value;
use std::collections::HashSet;

/// What VMDeck asks for per page; a server that caps it says so in `page_size`.
pub(super) const PAGE_SIZE: usize = 100;
/// A bound on the loop, against a server that ignores `page` and answers the same page forever.
const MAX_PAGES: u32 = 200;

/// How a list names its page size and how much of it one item counts for.
pub(super) struct PagedList {
    pub path: &'static str,
    /// The envelope's array.
    pub key: &'static str,
    pub size_param: &'static str,
    /// Images come grouped by region and type; a group counts for the images in it.
    pub weight: fn(&Value) -> usize,
}

pub(super) fn one(_: &Value) -> usize {
    1
}

pub(super) fn images_in_group(group: &Value) -> usize {
    group.get("images").and_then(Value::as_array).map_or(0, Vec::len)
}

impl Hyperstack {
    /// Every item of a paged list, page after page, until a short or repeated page.
    pub(super) async fn get_all(&self, list: &PagedList) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        let mut seen = HashSet::new();
        for page in 1..=MAX_PAGES {
            let path = format!("{}?page={page}&{}={PAGE_SIZE}", list.path, list.size_param);
            let answer = self.get(&path).await?;
            let items = answer.get(list.key).and_then(Value::as_array).cloned().unwrap_or_default();
            let on_page: usize = items.iter().map(list.weight).sum();
            let fresh: Vec<Value> = items.into_iter().filter(|item| seen.insert(item.to_string())).collect();
            if fresh.is_empty() {
                return Ok(all);
            }
            all.extend(fresh);
            let page_size = answer.get("page_size").and_then(Value::as_u64).map_or(PAGE_SIZE, |n| n as usize);
            let total =
                answer.get("count").and_then(Value::as_u64).map(|n| n as usize).filter(|n| *n > on_page);
            let done = on_page < page_size.max(1) || total.is_some_and(|total| all.len() >= total);
            if done {
                return Ok(all);
            }
        }
        tracing::warn!(
            path = list.path,
            pages = MAX_PAGES,
            "Hyperstack list still had pages; showing the first ones"
        );
        Ok(all)
    }
}

pub(super) const VMS: PagedList =
    PagedList { path: "/core/virtual-machines", key: "instances", size_param: "pageSize", weight: one };
pub(super) const ENVIRONMENTS: PagedList =
    PagedList { path: "/core/environments", key: "environments", size_param: "pageSize", weight: one };
pub(super) const KEY_PAIRS: PagedList =
    PagedList { path: "/core/keypairs", key: "keypairs", size_param: "pageSize", weight: one };
pub(super) const IMAGES: PagedList =
    PagedList { path: "/core/images", key: "images", size_param: "per_page", weight: images_in_group };
