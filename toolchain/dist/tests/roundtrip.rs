//! End-to-end: copy the built ccc-dist into a toolchain layout, pack it from
//! different directories, and check verification of good and damaged copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DIST: &str = env!("CARGO_BIN_EXE_ccc-dist");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccc-dist-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An install-layout toolchain under `root` whose bin/ccc-dist is this build.
fn make_toolchain(root: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("lib/ccc/include/sys")).unwrap();
    std::fs::copy(DIST, root.join("bin/ccc-dist")).unwrap();
    std::fs::write(root.join("bin/ccc"), b"#!/bin/sh\necho fake compiler\n").unwrap();
    std::fs::write(root.join("lib/ccc/include/stddef.h"), b"typedef unsigned long size_t;\n").unwrap();
    std::fs::write(root.join("lib/ccc/include/sys/cdefs.h"), b"/* cdefs */\n").unwrap();
    root.join("bin/ccc-dist")
}

fn run(exe: &Path, args: &[&str], cwd: &Path, epoch: Option<&str>) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args(args).current_dir(cwd).env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        cmd.env("SOURCE_DATE_EPOCH", e);
    }
    // A binary this test just wrote can be briefly "busy" (ETXTBSY) when a parallel test
    // forked while its write handle was open; that child execs or exits at once.
    for _ in 0..50 {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => std::thread::sleep(std::time::Duration::from_millis(20)),
            r => return r.unwrap(),
        }
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn sha(path: &Path) -> String {
    ccc_dist::manifest::sha256_hex(&std::fs::read(path).unwrap())
}

#[test]
fn pack_is_reproducible_and_verifies() {
    let base = scratch("repro");
    let exe_a = make_toolchain(&base.join("a/deep/prefix"));
    let exe_b = make_toolchain(&base.join("b"));
    let cwd = base.join("elsewhere");
    std::fs::create_dir_all(&cwd).unwrap();

    let out1 = base.join("one.tar.zst");
    let out2 = base.join("two.tar.zst");
    let o = run(&exe_a, &["pack", "-o", out1.to_str().unwrap()], &cwd, None);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&exe_b, &["pack", "-o", out2.to_str().unwrap()], &base, None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(sha(&out1), sha(&out2), "packs from different directories differ");

    // Default output name, and SOURCE_DATE_EPOCH changes the bytes.
    let o = run(&exe_a, &["pack"], &cwd, Some("1700000000"));
    assert!(o.status.success(), "{}", text(&o));
    let default = cwd.join(format!("ccc-{}-{}.tar.zst", ccc_dist::VERSION, ccc_dist::HOST_TRIPLE));
    assert!(default.is_file());
    assert_ne!(sha(&default), sha(&out1));

    let o = run(&exe_a, &["verify", out1.to_str().unwrap()], &cwd, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("OK (4 files verified)"), "{}", text(&o));

    // Listing: sorted, fixed owner, no absolute paths.
    let list = Command::new("tar").args(["--zstd", "-tvf"]).arg(&out1).output().unwrap();
    if list.status.success() {
        let listing = String::from_utf8_lossy(&list.stdout);
        let top = format!("ccc-{}-{}", ccc_dist::VERSION, ccc_dist::HOST_TRIPLE);
        for line in listing.lines() {
            assert!(line.contains("root/root"), "{line}");
            assert!(line.contains(&format!(" {top}/")), "{line}");
        }
        assert!(listing.contains("-rwxr-xr-x"));
        assert!(listing.contains("-rw-r--r--"));
    }
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn damaged_bundles_fail_by_name() {
    let base = scratch("damage");
    let exe = make_toolchain(&base.join("tc"));
    let bundle = base.join("b.tar.zst");
    let o = run(&exe, &["pack", "-o", bundle.to_str().unwrap()], &base, None);
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&bundle).unwrap();

    // Truncated archive.
    let cut = base.join("cut.tar.zst");
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).unwrap();
    std::fs::copy(ccc_dist::pack::sidecar_path(&bundle), ccc_dist::pack::sidecar_path(&cut)).unwrap();
    let o = run(&exe, &["verify", cut.to_str().unwrap()], &base, None);
    assert!(!o.status.success(), "truncated archive accepted: {}", text(&o));
    assert!(text(&o).contains("truncated or corrupt"), "{}", text(&o));

    // Flipped bytes are caught (the sidecar .sha256 covers every byte; the
    // in-process unit test flips every byte of a small bundle).
    for at in (0..bytes.len()).step_by(bytes.len() / 8) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        let flipped = base.join("flip.tar.zst");
        std::fs::write(&flipped, &bad).unwrap();
        std::fs::copy(ccc_dist::pack::sidecar_path(&bundle), ccc_dist::pack::sidecar_path(&flipped)).unwrap();
        let o = run(&exe, &["verify", flipped.to_str().unwrap()], &base, None);
        assert!(!o.status.success(), "flipped byte {at} accepted");
    }

    // Unpacked: a tampered file is named.
    let unpack = base.join("unpacked");
    std::fs::create_dir_all(&unpack).unwrap();
    let st = Command::new("tar").arg("--zstd").arg("-xf").arg(&bundle).arg("-C").arg(&unpack).status();
    if st.map(|s| s.success()).unwrap_or(false) {
        let o = run(&exe, &["verify", unpack.to_str().unwrap()], &base, None);
        assert!(o.status.success(), "{}", text(&o));
        let top = unpack.join(format!("ccc-{}-{}", ccc_dist::VERSION, ccc_dist::HOST_TRIPLE));
        let header = top.join("lib/ccc/include/stddef.h");
        let mut data = std::fs::read(&header).unwrap();
        data[0] ^= 1;
        std::fs::write(&header, data).unwrap();
        std::fs::write(top.join("bin/intruder"), b"x").unwrap();
        std::fs::remove_file(top.join("lib/ccc/include/sys/cdefs.h")).unwrap();
        let o = run(&exe, &["verify", top.to_str().unwrap()], &base, None);
        let t = text(&o);
        assert!(!o.status.success());
        assert!(t.contains("lib/ccc/include/stddef.h: content differs"), "{t}");
        assert!(t.contains("bin/intruder: not listed"), "{t}");
        assert!(t.contains("lib/ccc/include/sys/cdefs.h: missing"), "{t}");
    }
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn install_then_verify_prefix() {
    let base = scratch("install");
    let exe = make_toolchain(&base.join("tc"));
    let bundle = base.join("b.tar.zst");
    assert!(run(&exe, &["pack", "-o", bundle.to_str().unwrap()], &base, None).status.success());
    let prefix = base.join("prefix");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::write(prefix.join("bin/other-tool"), b"not ours").unwrap();
    let o = run(&exe, &["install", prefix.to_str().unwrap(), "--from", bundle.to_str().unwrap()], &base, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(prefix.join("lib/ccc/include/sys/cdefs.h").is_file());
    let installed = prefix.join("bin/ccc-dist");
    let o = run(&installed, &["verify", prefix.to_str().unwrap()], &base, None);
    assert!(o.status.success(), "{}", text(&o));
    // The installed tool packs the same bundle again (install layout discovery).
    let again = base.join("again.tar.zst");
    let o = run(&installed, &["pack", "-o", again.to_str().unwrap()], &base, None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(sha(&bundle), sha(&again));

    std::fs::write(prefix.join("bin/ccc"), b"replaced").unwrap();
    let o = run(&installed, &["verify", prefix.to_str().unwrap()], &base, None);
    assert!(!o.status.success());
    assert!(text(&o).contains("bin/ccc: content differs"), "{}", text(&o));

    // A damaged bundle is refused and nothing is installed.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let n = bytes.len();
    bytes.truncate(n - 10);
    std::fs::write(&bundle, bytes).unwrap();
    let fresh = base.join("fresh");
    let o = run(&exe, &["install", fresh.to_str().unwrap(), "--from", bundle.to_str().unwrap()], &base, None);
    assert!(!o.status.success());
    assert!(!fresh.join("bin/ccc").exists());
    std::fs::remove_dir_all(&base).unwrap();
}
