//! Facts shared by secrets (a function, a role, a policy, a key) are fetched
//! once per run, even when several secrets ask for them at the same time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

pub struct Memo<V>(Mutex<HashMap<String, Arc<OnceCell<V>>>>);

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }
}

impl<V: Clone> Memo<V> {
    /// The value for `key`: fetched by the first caller, awaited by the others.
    pub async fn get(&self, key: &str, fetch: impl Future<Output = V>) -> V {
        let cell = match self.0.lock() {
            Ok(mut cells) => cells.entry(key.to_string()).or_default().clone(),
            // A panic elsewhere poisoned the map: fetch without sharing.
            Err(_) => Arc::default(),
        };
        cell.get_or_init(|| fetch).await.clone()
    }
}
