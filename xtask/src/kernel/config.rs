//! Kernel configuration: base target (tinyconfig/defconfig), our fragments
//! from kernels/ merged with the kernel's merge_config.sh, olddefconfig,
//! then a check that every requested value is in the final .config
//! (merge_config.sh only warns when Kconfig drops a value).

use super::arch::Arch;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// tinyconfig + kernels/common-tiny.config + kernels/<arch>/tiny.config
    Tiny,
    /// defconfig + the same fragments
    Defconfig,
}

impl Flavour {
    pub fn parse(s: &str) -> Result<Flavour, String> {
        match s {
            "tiny" | "tinyconfig" => Ok(Flavour::Tiny),
            "defconfig" => Ok(Flavour::Defconfig),
            _ => Err(format!("unknown kernel config `{s}` (expected tiny or defconfig)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Flavour::Tiny => "tiny",
            Flavour::Defconfig => "defconfig",
        }
    }

    pub fn base_target(self) -> &'static str {
        match self {
            Flavour::Tiny => "tinyconfig",
            Flavour::Defconfig => "defconfig",
        }
    }
}

/// Fragment files, in merge order.
pub fn fragments(kernels_dir: &Path, arch: Arch) -> Vec<PathBuf> {
    vec![kernels_dir.join("common-tiny.config"), kernels_dir.join(arch.name()).join("tiny.config")]
}

/// `CONFIG_X=v` and `# CONFIG_X is not set` (as "n") lines; later wins.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# ") {
            if let Some(name) = rest.strip_suffix(" is not set") {
                if name.starts_with("CONFIG_") {
                    out.insert(name.to_string(), "n".to_string());
                }
            }
        } else if line.starts_with("CONFIG_") {
            if let Some((name, value)) = line.split_once('=') {
                out.insert(name.to_string(), value.to_string());
            }
        }
    }
    out
}

/// What the fragments ask for, merged.
pub fn requested(frags: &[PathBuf]) -> Result<BTreeMap<String, String>, String> {
    let mut all = BTreeMap::new();
    for f in frags {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        all.extend(parse(&text));
    }
    Ok(all)
}

/// Requested values that the final config does not have, as messages.
pub fn missing(requested: &BTreeMap<String, String>, actual: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, want) in requested {
        let have = actual.get(name).map(String::as_str).unwrap_or("n");
        if have != want {
            out.push(format!("{name}={want} requested, .config has {name}={have}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_compare() {
        let req = parse("# c\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x\"\n");
        assert_eq!(req.len(), 3);
        assert_eq!(req["CONFIG_B"], "n");
        let actual = parse("CONFIG_A=y\nCONFIG_C=\"x\"\nCONFIG_D=y\n");
        assert!(missing(&req, &actual).is_empty());
        let actual = parse("CONFIG_A=m\nCONFIG_B=y\n");
        let m = missing(&req, &actual);
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].contains("CONFIG_A=y requested, .config has CONFIG_A=m"));
    }

    #[test]
    fn repository_fragments_parse() {
        let kernels = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels");
        for arch in super::super::arch::ALL {
            let req = requested(&fragments(&kernels, arch)).unwrap();
            for key in ["CONFIG_PRINTK", "CONFIG_BLK_DEV_INITRD", "CONFIG_BINFMT_ELF", "CONFIG_64BIT"] {
                assert_eq!(req.get(key).map(String::as_str), Some("y"), "{arch} {key}");
            }
        }
    }
}
