//! `nix`: the Nix layer without Nix builds (parse, pure evaluation, the
//! flake against mock nixpkgs), the ccc-dist round trip, and nixpkgs
//! cc-wrapper argument shapes with the compiler under test. See src/nix/.

use crate::ctx::Ctx;
use crate::report::TestResult;

pub struct Nix;

impl super::Suite for Nix {
    fn name(&self) -> String {
        "nix".to_string()
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let cc = ctx.cc.program.display().to_string();
        let root = &ctx.root;
        let scratch = ctx.work_dir("nix");
        let mut results = Vec::new();
        let mut record = |name: &str, r: Result<String, String>| {
            results.push(match r {
                Ok(_) => TestResult::pass(name),
                Err(e) => TestResult::fail(name, e.lines().next().unwrap_or("failed"), e.clone()),
            })
        };
        record("nix-parse", crate::nix::eval::parse_all(root).map(|n| format!("{n} files")));
        record("nix-lib-tests", crate::nix::eval::lib_tests(root).map(|_| String::new()));
        record("nix-flake-plumbing", crate::nix::eval::plumbing(root).map(|_| String::new()));
        record("nix-tables-agree", crate::nix::eval::tables_agree(root).map(|_| String::new()));
        record(
            "dist-round-trip",
            crate::nix::dist::build_tools(root).and_then(|d| crate::nix::dist::round_trip(&d, &scratch.join("dist"))),
        );
        // The hardening flags the Nix wrapper sends to ccc (nix/lib/hardening.nix
        // drops what ccc does not implement), whatever compiler is under test.
        record(
            "cc-wrapper-shapes",
            crate::nix::ccwrapper::unsupported_from_nix(root)
                .and_then(|unsupported| crate::nix::ccwrapper::check(&cc, &scratch.join("ccwrapper"), &unsupported)),
        );
        Ok(results)
    }
}
