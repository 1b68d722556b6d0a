//! The `ld` command line, built like GCC 12 (Debian) builds it for
//! collect2: start files, `-L` paths, the user's objects and libraries in
//! order, libgcc/libc, end files.

use crate::args::Options;
use crate::toolchain::Toolchain;

/// How the output is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Dynamic,
    Pie,
    Static,
    StaticPie,
    Shared,
    Relocatable,
}

pub fn link_kind(o: &Options) -> LinkKind {
    if o.relocatable {
        LinkKind::Relocatable
    } else if o.shared {
        LinkKind::Shared
    } else if o.static_pie {
        LinkKind::StaticPie
    } else if o.static_ {
        LinkKind::Static
    } else if o.link_pie.unwrap_or(true) {
        // Debian's GCC links PIE by default.
        LinkKind::Pie
    } else {
        LinkKind::Dynamic
    }
}

/// Arguments for `ld` (without the program name). `objects` are the
/// command-line items with compiled sources replaced by their objects.
pub fn ld_args(o: &Options, tc: &Toolchain, objects: &[String], output: &str) -> Vec<String> {
    let kind = link_kind(o);
    let mut a: Vec<String> = Vec::new();
    let s = |x: &str| x.to_string();
    if let Some(r) = &tc.sysroot {
        a.push(format!("--sysroot={r}"));
    }
    if kind == LinkKind::Relocatable {
        a.extend(tc.ld_machine_args());
        a.push(s("-r"));
        a.push(s("-o"));
        a.push(s(output));
        a.extend(o.lib_dirs.iter().map(|d| format!("-L{d}")));
        a.extend(objects.iter().cloned());
        return a;
    }
    a.push(s("--build-id"));
    if kind != LinkKind::Static {
        a.push(s("--eh-frame-hdr"));
    }
    a.extend(tc.ld_machine_args());
    if o.no_relax && tc.target.arch == ccc_ir::Arch::Riscv64 {
        a.push(s("--no-relax"));
    }
    a.push(s("--hash-style=gnu"));
    a.push(s("--as-needed"));
    match kind {
        LinkKind::Static => a.push(s("-static")),
        LinkKind::StaticPie => a.extend(["-static", "-pie", "--no-dynamic-linker", "-z", "text"].map(s)),
        LinkKind::Shared => a.push(s("-shared")),
        LinkKind::Dynamic | LinkKind::Pie => {
            if o.rdynamic {
                a.push(s("-export-dynamic"));
            }
            a.push(s("-dynamic-linker"));
            a.push(s(tc.dynamic_linker()));
            if kind == LinkKind::Pie {
                a.push(s("-pie"));
            }
        }
        LinkKind::Relocatable => {}
    }
    a.push(s("-o"));
    a.push(s(output));
    let startfiles = !o.nostdlib && !o.nostartfiles;
    let pic_like = matches!(kind, LinkKind::Shared | LinkKind::Pie | LinkKind::StaticPie);
    if startfiles {
        match kind {
            LinkKind::Shared => {}
            LinkKind::StaticPie => a.push(tc.find_file("rcrt1.o")),
            LinkKind::Pie => a.push(tc.find_file("Scrt1.o")),
            _ => a.push(tc.find_file("crt1.o")),
        }
        a.push(tc.find_file("crti.o"));
        a.push(tc.find_file(match kind {
            LinkKind::Static => "crtbeginT.o",
            _ if pic_like => "crtbeginS.o",
            _ => "crtbegin.o",
        }));
    }
    a.extend(o.lib_dirs.iter().map(|d| format!("-L{d}")));
    a.extend(tc.library_dirs().into_iter().map(|d| format!("-L{d}")));
    a.extend(objects.iter().cloned());
    if !o.nostdlib && !o.nodefaultlibs {
        if o.pthread {
            a.push(s("-lpthread"));
        }
        let static_libs = matches!(kind, LinkKind::Static | LinkKind::StaticPie);
        if static_libs {
            a.extend(["--start-group", "-lgcc", "-lgcc_eh", "-lc", "--end-group"].map(s));
        } else if o.static_libgcc {
            a.extend(["-lgcc", "-lgcc_eh", "-lc", "-lgcc", "-lgcc_eh"].map(s));
        } else {
            let gcc = ["-lgcc", "--push-state", "--as-needed", "-lgcc_s", "--pop-state"];
            a.extend(gcc.map(s));
            a.push(s("-lc"));
            a.extend(gcc.map(s));
        }
    }
    if startfiles {
        a.push(tc.find_file(if pic_like { "crtendS.o" } else { "crtend.o" }));
        a.push(tc.find_file("crtn.o"));
    }
    a
}

// Note: `-Wl,-rpath -Wl,DIR` (nixpkgs) arrives as the two linker arguments
// `-rpath DIR`, in order, which is exactly what ld wants.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_link_is_pie_with_gcc_layout() {
        let o = Options::default();
        let tc = Toolchain::new("ccc", Some("x86_64-linux-gnu"), false, None, vec![]).unwrap();
        let a = ld_args(&o, &tc, &["m.o".into(), "-lm".into()], "a.out");
        let j = a.join(" ");
        assert!(j.contains("-dynamic-linker /lib64/ld-linux-x86-64.so.2 -pie -o a.out"), "{j}");
        assert!(j.contains("Scrt1.o"), "{j}");
        assert!(j.contains("crtbeginS.o"), "{j}");
        assert!(j.ends_with("crtendS.o ".to_string().trim_end()) || j.contains("crtendS.o"), "{j}");
        let m = a.iter().position(|x| x == "m.o").unwrap();
        let lc = a.iter().position(|x| x == "-lc").unwrap();
        assert!(m < lc && a[m + 1] == "-lm");
    }

    #[test]
    fn static_and_shared() {
        let o = Options { static_: true, ..Options::default() };
        let tc = Toolchain::new("ccc", Some("x86_64-linux-gnu"), false, None, vec![]).unwrap();
        let j = ld_args(&o, &tc, &[], "x").join(" ");
        assert!(j.contains("-static") && j.contains("crtbeginT.o") && j.contains("--start-group -lgcc -lgcc_eh -lc --end-group"), "{j}");
        assert!(!j.contains("-dynamic-linker"));
        let o = Options { shared: true, ..Options::default() };
        let j = ld_args(&o, &tc, &[], "x.so").join(" ");
        assert!(j.contains("-shared") && !j.contains("crt1.o") && j.contains("crtbeginS.o"), "{j}");
        let o = Options { nostdlib: true, ..Options::default() };
        let j = ld_args(&o, &tc, &["a.o".into()], "x").join(" ");
        assert!(!j.contains("crt") && !j.contains("-lc"), "{j}");
    }
}
