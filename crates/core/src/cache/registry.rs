//! Process-wide named caches: every thread (worker_threads, piscina workers)
//! that asks for the same name gets the same cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::{Cache, CacheConfig};
use crate::error::{Error, Result};

fn registry() -> &'static Mutex<HashMap<String, Arc<Cache>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Cache>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The process-wide cache called `name`, created with `config` on first use.
/// Asking again with a different config is an error rather than a silent
/// surprise.
pub fn shared(name: &str, config: CacheConfig) -> Result<Arc<Cache>> {
    let mut map = registry()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(cache) = map.get(name) {
        if *cache.config() != config {
            return Err(Error::invalid_argument(format!(
                "shared cache {name:?} already exists with different options"
            )));
        }
        return Ok(Arc::clone(cache));
    }
    let cache = Arc::new(Cache::new(config)?);
    map.insert(name.to_string(), Arc::clone(&cache));
    Ok(cache)
}

/// Forgets the shared cache `name`; handles already given out keep working.
/// Returns whether it existed.
pub fn delete_shared(name: &str) -> bool {
    registry()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .remove(name)
        .is_some()
}
