//! ccc-dist: pack, verify and install reproducible ccc toolchain bundles.

use ccc_dist::{install, layout, pack, verify, DistError, HOST_TRIPLE, VERSION};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ccc-dist", version, about = "Reproducible ccc toolchain bundles (tar + zstd + sha256 manifest)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pack the toolchain this ccc-dist belongs to into ccc-<version>-<triple>.tar.zst
    Pack {
        /// Output file (default: ccc-<version>-<triple>.tar.zst in the current directory)
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Header directory to ship as lib/ccc/include (default: discovered)
        #[arg(long)]
        include: Option<PathBuf>,
    },
    /// Check a .tar.zst bundle, an unpacked bundle or an install prefix against its manifest
    Verify { path: PathBuf },
    /// Verify a bundle, then install it into PREFIX (bin/, lib/ccc/)
    Install {
        prefix: PathBuf,
        /// Bundle to install (default: ccc-<version>-<triple>.tar.zst in the current directory)
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

fn run(cli: Cli) -> Result<ExitCode, DistError> {
    match cli.command {
        Command::Pack { output, include } => {
            let exe = std::env::current_exe().map_err(|e| DistError::new(format!("cannot find own executable: {e}")))?;
            let tc = layout::discover(&exe, include.as_deref())?;
            if tc.include_dir.is_none() {
                eprintln!(
                    "ccc-dist: warning: no header directory ({} or {}) found; bundle has no headers",
                    layout::INCLUDE_DEST,
                    layout::INCLUDE_SRC
                );
            }
            let epoch = pack::source_date_epoch(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())?;
            let output = output.unwrap_or_else(|| pack::default_output(VERSION, HOST_TRIPLE));
            let (manifest, digest) = pack::pack(&tc, VERSION, HOST_TRIPLE, epoch, &output)?;
            println!("{}: {} files, sha256 {digest}", output.display(), manifest.files.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { path } => {
            let report = verify::verify_path(&path)?;
            for problem in &report.problems {
                eprintln!("ccc-dist: error: {}: {problem}", path.display());
            }
            if report.ok() {
                println!("{}: OK ({} files verified)", path.display(), report.checked);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("ccc-dist: {}: verification FAILED ({} problems)", path.display(), report.problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Install { prefix, from } => {
            let bundle = from.unwrap_or_else(|| pack::default_output(VERSION, HOST_TRIPLE));
            let n = install::install(&bundle, &prefix)?;
            println!("installed {n} files from {} into {}", bundle.display(), prefix.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ccc-dist: error: {e}");
            ExitCode::from(1)
        }
    }
}
