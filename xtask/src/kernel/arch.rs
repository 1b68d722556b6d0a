//! The three kernel architectures and everything that differs between
//! them. Mirrors nix/lib/targets.nix (the `nix` suite checks they agree).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    Aarch64,
    Riscv64,
}

pub const ALL: [Arch; 3] = [Arch::X86_64, Arch::Aarch64, Arch::Riscv64];

/// OpenSBI firmware from Debian's `opensbi` package.
pub const OPENSBI_FW: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

impl Arch {
    /// Accepts our names and the kernel's (`arm64`, `riscv`).
    pub fn parse(s: &str) -> Result<Arch, String> {
        match s {
            "x86_64" | "x86-64" | "amd64" => Ok(Arch::X86_64),
            "aarch64" | "arm64" => Ok(Arch::Aarch64),
            "riscv64" | "riscv" => Ok(Arch::Riscv64),
            _ => Err(format!("unknown architecture `{s}` (expected x86_64, aarch64 or riscv64)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::Riscv64 => "riscv64",
        }
    }

    /// Kernel `ARCH=` value.
    pub fn linux_arch(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "arm64",
            Arch::Riscv64 => "riscv",
        }
    }

    /// GNU triple as Nix spells it (`targetPlatform.config`).
    pub fn nix_config(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
            Arch::Aarch64 => "aarch64-unknown-linux-gnu",
            Arch::Riscv64 => "riscv64-unknown-linux-gnu",
        }
    }

    /// Debian cross-tool prefix (`CROSS_COMPILE=`); empty when native.
    pub fn cross_prefix(self) -> &'static str {
        let native = cfg!(target_arch = "x86_64") && self == Arch::X86_64
            || cfg!(target_arch = "aarch64") && self == Arch::Aarch64
            || cfg!(target_arch = "riscv64") && self == Arch::Riscv64;
        if native {
            return "";
        }
        match self {
            Arch::X86_64 => "x86_64-linux-gnu-",
            Arch::Aarch64 => "aarch64-linux-gnu-",
            Arch::Riscv64 => "riscv64-linux-gnu-",
        }
    }

    pub fn kernel_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "bzImage",
            Arch::Aarch64 | Arch::Riscv64 => "Image",
        }
    }

    /// Image path relative to the build (O=) directory.
    pub fn image_path(self) -> &'static str {
        match self {
            Arch::X86_64 => "arch/x86/boot/bzImage",
            Arch::Aarch64 => "arch/arm64/boot/Image",
            Arch::Riscv64 => "arch/riscv/boot/Image",
        }
    }

    pub fn qemu(self) -> &'static str {
        match self {
            Arch::X86_64 => "qemu-system-x86_64",
            Arch::Aarch64 => "qemu-system-aarch64",
            Arch::Riscv64 => "qemu-system-riscv64",
        }
    }

    /// Machine selection (and firmware) for QEMU.
    pub fn qemu_args(self) -> Vec<&'static str> {
        match self {
            Arch::X86_64 => vec!["-machine", "pc"],
            Arch::Aarch64 => vec!["-machine", "virt", "-cpu", "cortex-a57"],
            Arch::Riscv64 => vec!["-machine", "virt", "-bios", OPENSBI_FW],
        }
    }

    pub fn console(self) -> &'static str {
        match self {
            Arch::Aarch64 => "ttyAMA0",
            Arch::X86_64 | Arch::Riscv64 => "ttyS0",
        }
    }

    /// Kernel command line: console, early console where it exists, and
    /// panic=-1 so a panic ends QEMU (-no-reboot) instead of hanging.
    pub fn cmdline(self) -> String {
        let early = match self {
            Arch::X86_64 => " earlyprintk=serial,ttyS0",
            Arch::Aarch64 => " earlycon=pl011,0x9000000",
            Arch::Riscv64 => " earlycon=sbi",
        };
        format!("console={}{early} panic=-1", self.console())
    }

    /// The Debian packages that provide the tools for this arch.
    pub fn debian_packages(self) -> &'static [&'static str] {
        match self {
            Arch::X86_64 => &["qemu-system-x86"],
            Arch::Aarch64 => &["gcc-aarch64-linux-gnu", "qemu-system-arm"],
            Arch::Riscv64 => &["gcc-riscv64-linux-gnu", "qemu-system-misc", "opensbi"],
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        assert_eq!(Arch::parse("arm64").unwrap(), Arch::Aarch64);
        assert_eq!(Arch::parse("riscv").unwrap(), Arch::Riscv64);
        assert!(Arch::parse("mips").is_err());
        for a in ALL {
            assert_eq!(Arch::parse(a.name()).unwrap(), a);
            assert_eq!(Arch::parse(a.linux_arch()).unwrap(), a);
        }
    }
}
