//! `cargo xtask bench` (filled in below).
use crate::ctx::Ctx;
pub fn run(_ctx: &Ctx, _runs: usize) {}
