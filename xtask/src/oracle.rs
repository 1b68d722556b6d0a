//! A persistent key -> result cache for reference-compiler (GCC) outcomes, one file per
//! suite, so that repeated runs only pay for the compiler under test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::ctx::Ctx;

pub struct Oracle {
    path: PathBuf,
    map: Mutex<BTreeMap<String, String>>,
}

impl Oracle {
    pub fn load(ctx: &Ctx, name: &str) -> Oracle {
        let dir = ctx.cache.join("oracle");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.tsv"));
        let mut map = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('\t') {
                    map.insert(k.to_string(), v.to_string());
                }
            }
        }
        Oracle { path, map: Mutex::new(map) }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// Return the cached value or compute, store and return it.
    pub fn get_or(&self, key: &str, compute: impl FnOnce() -> String) -> String {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = compute().replace(['\t', '\n', '\r'], " ");
        self.map.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), v.clone());
        v
    }

    pub fn save(&self) {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = String::new();
        for (k, v) in map.iter() {
            s.push_str(k);
            s.push('\t');
            s.push_str(v);
            s.push('\n');
        }
        let tmp = self.path.with_extension("tmp");
        if std::fs::write(&tmp, s).is_ok() {
            let _ = std::fs::rename(&tmp, &self.path);
        }
    }
}
