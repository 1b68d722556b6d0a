//! A deterministic cpio "newc" writer for initramfs images: entries in the
//! order given, inode numbers counted from 1, owner root, mtime 0.

/// One initramfs entry. Paths are relative (`init`, `dev/console`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir { path: String, mode: u32 },
    File { path: String, mode: u32, data: Vec<u8> },
    CharDev { path: String, mode: u32, major: u32, minor: u32 },
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFCHR: u32 = 0o020000;

fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// Writes one header + name (+ data); `rdev` is (major, minor).
fn record(out: &mut Vec<u8>, ino: u32, mode: u32, nlink: u32, name: &str, data: &[u8], rdev: (u32, u32)) {
    let fields = [
        ino,
        mode,
        0, // uid
        0, // gid
        nlink,
        0, // mtime
        data.len() as u32,
        0, // devmajor
        0, // devminor
        rdev.0,
        rdev.1,
        name.len() as u32 + 1,
        0, // check
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
    out.extend_from_slice(data);
    pad4(out);
}

/// The archive bytes. Fails on names that are absolute, empty or contain
/// `..`, and on files too large for newc's 32-bit size field.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let ino = i as u32 + 1;
        let (path, mode, nlink, data, rdev): (&str, u32, u32, &[u8], (u32, u32)) = match entry {
            Entry::Dir { path, mode } => (path, S_IFDIR | mode, 2, &[], (0, 0)),
            Entry::File { path, mode, data } => (path, S_IFREG | mode, 1, data, (0, 0)),
            Entry::CharDev { path, mode, major, minor } => (path, S_IFCHR | mode, 1, &[], (*major, *minor)),
        };
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(format!("initramfs entry `{path}`: not a relative path"));
        }
        if u32::try_from(data.len()).is_err() {
            return Err(format!("initramfs entry `{path}`: too large for cpio newc"));
        }
        record(&mut out, ino, mode, nlink, path, data, rdev);
    }
    record(&mut out, 0, 0, 1, "TRAILER!!!", &[], (0, 0));
    Ok(out)
}

/// The standard boot-test initramfs: /init plus the directories and the
/// console node the kernel and init expect.
pub fn initramfs_with_init(init: Vec<u8>) -> Result<Vec<u8>, String> {
    write(&[
        Entry::Dir { path: "dev".into(), mode: 0o755 },
        Entry::CharDev { path: "dev/console".into(), mode: 0o600, major: 5, minor: 1 },
        Entry::File { path: "init".into(), mode: 0o755, data: init },
        Entry::Dir { path: "proc".into(), mode: 0o755 },
        Entry::Dir { path: "sys".into(), mode: 0o755 },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let bytes = write(&[Entry::File { path: "init".into(), mode: 0o755, data: b"abc".to_vec() }]).unwrap();
        let header = std::str::from_utf8(&bytes[..110]).unwrap();
        let expected = [
            "070701", "00000001", "000081ed", "00000000", "00000000", "00000001", "00000000",
            "00000003", "00000000", "00000000", "00000000", "00000000", "00000005", "00000000",
        ]
        .concat();
        assert_eq!(header, expected);
        // name "init\0" ends at 115, padded to 116; data at 116..119, padded to 120.
        assert_eq!(&bytes[110..115], b"init\0");
        assert_eq!(&bytes[116..119], b"abc");
        assert!(bytes.len() % 4 == 0);
        assert!(bytes.windows(10).any(|w| w == b"TRAILER!!!"));
    }

    #[test]
    fn deterministic_and_rejects_bad_names() {
        let a = initramfs_with_init(vec![1, 2, 3]).unwrap();
        let b = initramfs_with_init(vec![1, 2, 3]).unwrap();
        assert_eq!(a, b);
        assert!(write(&[Entry::Dir { path: "/abs".into(), mode: 0o755 }]).is_err());
        assert!(write(&[Entry::Dir { path: "a/../b".into(), mode: 0o755 }]).is_err());
    }

    /// Cross-check with GNU cpio when it is installed.
    #[test]
    fn gnu_cpio_lists_it() {
        let bytes = initramfs_with_init(b"#!init".to_vec()).unwrap();
        let Ok(mut child) = std::process::Command::new("cpio")
            .args(["-t", "-v", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            return;
        };
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(listing.contains("crw-------"), "{listing}");
        assert!(listing.contains("5,   1") || listing.contains("5, 1"), "{listing}");
        assert!(listing.lines().any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with(" init")), "{listing}");
        assert_eq!(listing.lines().count(), 5, "{listing}");
    }
}
