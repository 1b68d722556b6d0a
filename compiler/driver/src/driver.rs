//! The compilation pipeline: parse options, answer queries, and take each
//! input through preprocess → compile → assemble, then link.

use std::path::Path;
use std::process::Command;

use ccc_front::diag::DiagEngine;
use ccc_front::preprocess::{self, PpOptions, Preprocessor, SearchDir};
use ccc_ir::{Arch, CodegenOptions};

use crate::args::{self, Item, Lang, Options, Query, Stage};
use crate::link;
use crate::output;
use crate::timing::PhaseTimes;
use crate::toolchain::Toolchain;

const GCC_VERSION: &str = "12.2.0";

fn error(msg: impl AsRef<str>) {
    eprintln!("ccc: error: {}", msg.as_ref());
}

fn fatal_error(msg: impl AsRef<str>) {
    eprintln!("ccc: fatal error: {}", msg.as_ref());
}

pub fn run(argv: Vec<String>) -> i32 {
    let argv0 = argv.first().cloned().unwrap_or_else(|| "ccc".into());
    let args = match args::expand_response_files(argv.into_iter().skip(1).collect()) {
        Ok(a) => a,
        Err(e) => {
            error(e);
            return 1;
        }
    };
    let opts = match args::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            error(e);
            return 1;
        }
    };
    let mut opts = opts;
    let tc = match Toolchain::new(&argv0, opts.target.as_deref(), opts.m32 || opts.m16, opts.sysroot.clone(), opts.b_prefixes.clone()) {
        Ok(t) => t,
        Err(e) => {
            error(e);
            return 1;
        }
    };
    if (opts.m32 || opts.m16) && tc.target.arch != Arch::I386 {
        error(format!("'-m{}' is only supported on x86", if opts.m16 { 16 } else { 32 }));
        return 1;
    }
    if tc.target.arch == Arch::I386 {
        // The i386 code generator makes position-dependent code only, so
        // the PIE defaults (Debian's GCC) do not apply; -fPIC is refused.
        opts.pie.get_or_insert(0);
        opts.link_pie.get_or_insert(false);
    }
    let code = Driver { times: PhaseTimes::new(opts.time_report), opts, tc, argv0, failed: false }.run();
    output::cleanup_all();
    code
}

struct Driver {
    opts: Options,
    tc: Toolchain,
    argv0: String,
    failed: bool,
    /// `-ftime-report`.
    times: PhaseTimes,
}

impl Driver {
    fn run(&mut self) -> i32 {
        if self.opts.verbose && !self.opts.dry_run || self.opts.dry_run {
            self.print_verbose_header();
        }
        if let Some(q) = self.opts.query.clone() {
            self.answer(&q);
            return 0;
        }
        let inputs: Vec<(String, Lang)> = self
            .opts
            .items
            .iter()
            .filter_map(|i| if let Item::Input { path, lang } = i { Some((path.clone(), *lang)) } else { None })
            .collect();
        if inputs.is_empty() {
            if self.opts.verbose {
                return 0;
            }
            fatal_error("no input files");
            eprintln!("compilation terminated.");
            return 1;
        }
        let stage = self.opts.stage;
        let compiled_count = inputs.iter().filter(|(_, l)| *l != Lang::Linker).count();
        if self.opts.output.is_some() && stage != Stage::Link && compiled_count > 1 && !(stage == Stage::Preprocess) {
            fatal_error("cannot specify '-o' with '-c', '-S' or '-E' with multiple files");
            return 1;
        }
        if stage == Stage::Preprocess {
            let mut out = Vec::new();
            for (path, lang) in &inputs {
                if *lang == Lang::Linker {
                    continue;
                }
                if let Some(text) = self.preprocess_to_text(path, *lang) {
                    out.extend_from_slice(text.as_bytes());
                }
            }
            if self.failed {
                return 1;
            }
            if self.opts.deps.only {
                // -M/-MM: the rule was the output (written by write_deps).
                return 0;
            }
            let dest = self.opts.output.clone().unwrap_or_else(|| "-".into());
            if let Err(e) = output::write_output(&dest, &out) {
                fatal_error(e);
                return 1;
            }
            return 0;
        }
        // Compile every source to an object (or to the requested stage).
        let mut link_inputs: Vec<String> = Vec::new();
        let items = self.opts.items.clone();
        for item in &items {
            match item {
                Item::LinkArg(a) => link_inputs.push(a.clone()),
                Item::Input { path, lang: Lang::Linker } => {
                    if stage == Stage::Link {
                        link_inputs.push(path.clone());
                    }
                }
                Item::Input { path, lang } => {
                    let obj = self.compile_input(path, *lang);
                    self.times.report(path);
                    if let Some(obj) = obj {
                        link_inputs.push(obj);
                    } else {
                        self.failed = true;
                    }
                }
            }
        }
        if self.failed {
            return 1;
        }
        if stage == Stage::Link {
            let out = self.opts.output.clone().unwrap_or_else(|| "a.out".into());
            if !self.link(&link_inputs, &out) {
                return 1;
            }
        }
        0
    }

    // ---- queries ----

    fn print_verbose_header(&self) {
        eprintln!("Using built-in specs.");
        eprintln!("COLLECT_GCC={}", self.argv0);
        eprintln!("Target: {}", self.tc.target.triple);
        eprintln!("Thread model: posix");
        eprintln!("gcc version {GCC_VERSION} (ccc {})", env!("CARGO_PKG_VERSION"));
    }

    fn answer(&self, q: &Query) {
        let tc = &self.tc;
        match q {
            Query::Version => {
                let name = Path::new(&self.argv0).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "ccc".into());
                println!("{name} (GCC) {GCC_VERSION}");
                println!("This is ccc {}, a C compiler written in Rust; it is compatible with GCC {GCC_VERSION}.", env!("CARGO_PKG_VERSION"));
                println!("This is free software; see the source for copying conditions.  There is NO");
                println!("warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.");
                println!();
            }
            Query::Help => {
                println!("Usage: ccc [options] file...");
                println!("A GCC-compatible C compiler. Common options: -E -S -c -o <file> -I<dir> -D<macro> -O<n> -g -std=<std>");
            }
            Query::DumpMachine => println!("{}", tc.target.triple),
            Query::DumpVersion => println!("12"),
            Query::DumpFullVersion => println!("{GCC_VERSION}"),
            Query::Multiarch => println!("{}", tc.target.triple),
            Query::MultiDirectory => println!("."),
            Query::MultiOsDirectory => println!("../lib"),
            Query::MultiLib => println!(".;"),
            Query::SysrootSuffix => println!("{}", tc.sysroot.clone().unwrap_or_default()),
            Query::LibgccFileName => println!("{}", tc.find_file("libgcc.a")),
            Query::FileName(name) => {
                if name == "include" {
                    match &tc.include_dir {
                        Some(d) => println!("{}", d.display()),
                        None => println!("include"),
                    }
                } else {
                    let f = tc.find_file(name);
                    if f == *name {
                        // Search the library directories too, as GCC does.
                        let hit = tc.library_dirs().into_iter().map(|d| Path::new(&d).join(name)).find(|p| p.exists());
                        println!("{}", hit.map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| name.clone()));
                    } else {
                        println!("{f}");
                    }
                }
            }
            Query::ProgName(name) => {
                let p = tc.find_program(name);
                println!("{}", if Path::new(&p).is_absolute() { p } else { name.clone() });
            }
            Query::SearchDirs => {
                let install = tc.gcc_lib_dir.as_ref().map(|d| format!("{}/", d.display())).unwrap_or_default();
                println!("install: {install}");
                let mut progs: Vec<String> = tc.b_prefixes.clone();
                progs.extend(tc.gcc_lib_dir.iter().map(|d| format!("{}/", d.display())));
                println!("programs: ={}", progs.join(":"));
                let libs: Vec<String> = tc.library_dirs().into_iter().map(|d| format!("{d}/")).collect();
                println!("libraries: ={}", libs.join(":"));
            }
        }
    }

    // ---- preprocessing ----

    fn pp_options(&self, lang: Lang) -> PpOptions {
        let o = &self.opts;
        let mut bracket: Vec<SearchDir> = Vec::new();
        bracket.extend(o.include_dirs.iter().map(|d| SearchDir { path: d.clone(), system: false }));
        bracket.extend(o.system_dirs.iter().map(|d| SearchDir { path: d.clone(), system: true }));
        if !o.nostdinc {
            bracket.extend(self.tc.system_include_dirs().into_iter().map(|d| SearchDir { path: d, system: true }));
        }
        bracket.extend(o.after_dirs.iter().map(|d| SearchDir { path: d.clone(), system: true }));
        let bracket = preprocess::include::clean_search_chain(bracket);
        let quote: Vec<String> = o.quote_dirs.iter().filter(|d| Path::new(d).is_dir()).cloned().collect();
        PpOptions {
            quote_dirs: quote,
            bracket_dirs: bracket,
            defines: o.defines.clone(),
            pre_includes: o.pre_includes.clone(),
            imacros: o.imacros.clone(),
            std: o.std,
            gnu: o.gnu,
            opt_level: o.opt_level,
            optimize_size: o.optimize_size,
            pic: o.pic,
            pie: if o.pic > 0 { 0 } else { o.pie.unwrap_or(2) },
            freestanding: o.freestanding,
            assembler: lang == Lang::AsmCpp,
            char_signed: o.char_signed,
            stack_protector: o.stack_protector,
            m16: o.m16,
            no_sse: o.no_sse,
            general_regs_only: o.general_regs_only,
            code_model: o.code_model.clone(),
            pthread: o.pthread,
            unwind_tables: self.unwind_tables(),
            fast_math: o.fast_math,
            short_wchar: o.short_wchar,
            macro_prefix_map: o.macro_prefix_map.clone(),
            source_date_epoch: std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse().ok()),
            stdc_predef: !o.nostdinc && !o.freestanding,
            track_markers: (o.stage == Stage::Preprocess || o.save_temps) && !o.no_line_markers,
            preprocessed: lang == Lang::CPreprocessed,
        }
    }

    fn unwind_tables(&self) -> bool {
        self.opts.unwind_tables.unwrap_or(self.tc.target.arch != Arch::Riscv64)
    }

    fn new_diag(&self) -> DiagEngine {
        let mut d = DiagEngine::new();
        d.warnings_enabled = self.opts.warnings;
        d.werror = self.opts.werror;
        d
    }

    /// Run the preprocessor; on success also writes `-MD`/`-M` output.
    fn preprocess(&mut self, path: &str, lang: Lang, diag: &DiagEngine) -> Option<preprocess::PpOutput> {
        if path != "-" && !Path::new(path).exists() {
            error(format!("{path}: No such file or directory"));
            self.failed = true;
            return None;
        }
        let ppo = self.pp_options(lang);
        if self.opts.verbose {
            // The format build systems (CMake, meson) parse to learn the
            // implicit include directories.
            eprintln!("#include \"...\" search starts here:");
            for d in &ppo.quote_dirs {
                eprintln!(" {d}");
            }
            eprintln!("#include <...> search starts here:");
            for d in &ppo.bracket_dirs {
                eprintln!(" {}", d.path);
            }
            eprintln!("End of search list.");
        }
        let pp = Preprocessor::new(diag, &ppo, &self.tc.target);
        let out = self.times.time("preprocess", || pp.run(path));
        if out.is_none() {
            self.failed = true;
        }
        let out = out?;
        if (self.opts.deps.only || self.opts.deps.side) && !self.write_deps(path, &out) {
            self.failed = true;
            return None;
        }
        Some(out)
    }

    fn preprocess_to_text(&mut self, path: &str, lang: Lang) -> Option<String> {
        let diag = self.new_diag();
        if self.opts.dump_macros {
            let ppo = self.pp_options(lang);
            if path != "-" && !Path::new(path).exists() {
                error(format!("{path}: No such file or directory"));
                self.failed = true;
                return None;
            }
            let r = Preprocessor::new(&diag, &ppo, &self.tc.target).run_dump_macros(path);
            if r.is_none() {
                self.failed = true;
            }
            return r;
        }
        let out = self.preprocess(path, lang, &diag)?;
        if self.opts.deps.only {
            return Some(String::new());
        }
        Some(preprocess::print::write_preprocessed(&out, &diag, !self.opts.no_line_markers))
    }

    /// Write the make rule for `-M`/`-MD`. Returns false on error.
    fn write_deps(&self, input: &str, out: &preprocess::PpOutput) -> bool {
        let d = &self.opts.deps;
        let stem = Path::new(input).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a".into());
        let obj = match (&self.opts.output, self.opts.stage) {
            (Some(o), Stage::Object) => o.clone(),
            _ => format!("{stem}.o"),
        };
        let targets = if d.targets.is_empty() { vec![preprocess::deps::quote_target(&obj)] } else { d.targets.clone() };
        let files: Vec<String> = out.deps.iter().filter(|x| !(d.no_system && x.system)).map(|x| x.path.clone()).collect();
        let rule = preprocess::deps::make_rule(&targets, &files, d.phony);
        let dest = match (&d.file, d.only) {
            (Some(f), _) => f.clone(),
            (None, true) => self.opts.output.clone().unwrap_or_else(|| "-".into()),
            (None, false) => match &self.opts.output {
                Some(o) if self.opts.stage == Stage::Object => {
                    let p = Path::new(o);
                    p.with_extension("d").to_string_lossy().into_owned()
                }
                _ => format!("{stem}.d"),
            },
        };
        match output::write_output(&dest, rule.as_bytes()) {
            Ok(()) => true,
            Err(e) => {
                fatal_error(e);
                false
            }
        }
    }

    // ---- compiling and assembling ----

    fn output_for(&self, path: &str, ext: &str) -> String {
        if let Some(o) = &self.opts.output {
            return o.clone();
        }
        let stem = Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a".into());
        format!("{stem}.{ext}")
    }

    /// Take one input to the requested stage. Returns the object file for
    /// the link (a temporary or the final `-c` output).
    fn compile_input(&mut self, path: &str, lang: Lang) -> Option<String> {
        let stage = self.opts.stage;
        let asm_text: Option<String> = match lang {
            Lang::C | Lang::CPreprocessed => Some(self.compile_c(path, lang)?),
            Lang::AsmCpp => {
                let diag = self.new_diag();
                let out = self.preprocess(path, lang, &diag)?;
                Some(preprocess::print::write_preprocessed(&out, &diag, false))
            }
            Lang::Asm => None,
            Lang::Linker => return Some(path.to_string()),
        };
        if stage == Stage::Assembly {
            let dest = self.output_for(path, "s");
            match &asm_text {
                Some(t) => {
                    if let Err(e) = output::write_output(&dest, t.as_bytes()) {
                        fatal_error(e);
                        return None;
                    }
                }
                None => {} // .s with -S: nothing to do (as GCC)
            }
            return Some(dest);
        }
        // Assemble.
        let integrated = self.opts.integrated_as.unwrap_or(matches!(lang, Lang::C | Lang::CPreprocessed));
        if integrated && matches!(self.tc.target.arch, Arch::X86_64 | Arch::I386 | Arch::Aarch64 | Arch::Riscv64) {
            return self.assemble_in_process(path, asm_text, stage);
        }
        let asm_path = match asm_text {
            Some(t) => {
                let p = if self.opts.save_temps {
                    let stem = Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a".into());
                    std::path::PathBuf::from(format!("{stem}.s"))
                } else {
                    output::temp_path(".s")
                };
                if !self.opts.dry_run {
                    if let Err(e) = std::fs::write(&p, t) {
                        fatal_error(format!("cannot write '{}': {e}", p.display()));
                        return None;
                    }
                }
                p.to_string_lossy().into_owned()
            }
            None => path.to_string(),
        };
        let (obj, staged) = if stage == Stage::Object {
            let dest = self.output_for(path, "o");
            let (target, staged) = output::output_target(&dest);
            (dest, staged.then_some(target))
        } else {
            (output::temp_path(".o").to_string_lossy().into_owned(), None)
        };
        let as_out = staged.as_ref().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| obj.clone());
        let mut cmd = vec![self.tc.find_program("as")];
        cmd.extend(self.tc.as_machine_args());
        if matches!(self.tc.target.arch, ccc_ir::Arch::Riscv64 | ccc_ir::Arch::Aarch64) {
            cmd.extend(self.opts.machine_as_flags.iter().cloned());
        }
        cmd.extend(self.opts.assembler_args.iter().cloned());
        cmd.push("-o".into());
        cmd.push(as_out);
        cmd.push(asm_path);
        if !self.run_command(&cmd) {
            return None;
        }
        if let Some(s) = staged {
            if !self.opts.dry_run {
                if let Err(e) = output::commit(&s, &obj) {
                    fatal_error(e);
                    return None;
                }
            }
        }
        Some(obj)
    }

    /// `-fintegrated-as`: assemble with ccc-asm, no temporary `.s` file, no GNU `as`.
    fn assemble_in_process(&mut self, path: &str, asm_text: Option<String>, stage: Stage) -> Option<String> {
        let text = match asm_text {
            Some(t) => {
                if self.opts.save_temps && !self.opts.dry_run {
                    // -save-temps keeps the assembly, as with GNU as.
                    let stem = Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a".into());
                    if let Err(e) = std::fs::write(format!("{stem}.s"), &t) {
                        fatal_error(format!("cannot write '{stem}.s': {e}"));
                        return None;
                    }
                }
                t
            }
            None => match std::fs::read(path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    fatal_error(format!("cannot read '{path}': {e}"));
                    return None;
                }
            },
        };
        let obj = if stage == Stage::Object { self.output_for(path, "o") } else { output::temp_path(".o").to_string_lossy().into_owned() };
        if self.opts.dry_run {
            return Some(obj);
        }
        // `-march=`/`-mabi=`/`-m[no-]relax` reach the RISC-V assembler as they reach GNU as.
        let mut as_args = Vec::new();
        if self.tc.target.arch == Arch::Riscv64 {
            as_args.extend(self.tc.as_machine_args());
            as_args.extend(self.opts.machine_as_flags.iter().cloned());
        }
        as_args.extend(self.opts.assembler_args.iter().cloned());
        let asm_opts = match ccc_asm::Options::parse(&as_args) {
            Ok(o) => o,
            Err(e) => {
                fatal_error(format!("assembler: {e}"));
                return None;
            }
        };
        let arch_name = match self.tc.target.arch {
            Arch::Aarch64 => "aarch64",
            Arch::Riscv64 => "riscv64",
            // `-m32`/`-m16` code (or `-Wa,--32`) is an i386 object, whatever `.code16` it holds.
            Arch::I386 => "i386",
            _ if asm_opts.x86_32 => "i386",
            _ => "x86_64",
        };
        let arch = ccc_asm::arch_by_name(arch_name)?;
        match self.times.time("assemble", || ccc_asm::assemble_with(arch, &text, path, &asm_opts)) {
            Ok(bytes) => {
                if let Err(e) = output::write_output(&obj, &bytes) {
                    fatal_error(e);
                    return None;
                }
                Some(obj)
            }
            Err(errs) => {
                eprintln!("{path}: Assembler messages:");
                for e in errs {
                    eprintln!("{e}");
                }
                None
            }
        }
    }

    fn compile_c(&mut self, path: &str, lang: Lang) -> Option<String> {
        if self.opts.dry_run {
            let exe = std::env::current_exe().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| "ccc".into());
            eprintln!(" \"{exe}\" \"-cc1\" \"{path}\"");
            return Some(String::new());
        }
        let diag = self.new_diag();
        let pp = self.preprocess(path, lang, &diag)?;
        if self.opts.save_temps && lang == Lang::C {
            // -save-temps: keep the preprocessed source as <stem>.i too.
            let stem = Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a".into());
            let text = preprocess::print::write_preprocessed(&pp, &diag, true);
            if let Err(e) = output::write_output(&format!("{stem}.i"), text.as_bytes()) {
                fatal_error(e);
                return None;
            }
        }
        let o = &self.opts;
        let front = ccc_front::FrontOptions {
            std: o.std,
            gnu: o.gnu,
            fcommon: o.fcommon,
            gnu89_inline: o.gnu89_inline,
            signed_char: o.char_signed,
            short_wchar: o.short_wchar,
            opt_level: o.opt_level,
            libc_builtins: !o.no_builtin && !o.freestanding,
            instrument_functions: o.instrument_functions,
            source_name: path.to_string(),
        };
        self.tc.target.enter();
        let target = &self.tc.target;
        let unit = self.times.time("parse", || ccc_front::parse::Parser::new(pp.tokens, &diag, target, &front).parse_translation_unit());
        let module = match unit {
            Ok(unit) if !diag.has_errors() => {
                let module = self.times.time("lower", || ccc_front::lower::lower_unit(&unit, &diag, target, &front));
                // Freeing an AST node by node costs a twentieth of a kernel file's
                // compile; the memory goes back with the process instead.
                std::mem::forget(unit);
                module
            }
            _ => None,
        };
        let mut module = match module {
            Some(m) if !diag.has_errors() => m,
            _ => {
                self.failed = true;
                return None;
            }
        };
        let pie = o.pic == 0 && o.pie.unwrap_or(2) > 0;
        let cg = CodegenOptions {
            opt_level: o.opt_level,
            optimize_size: o.optimize_size,
            pic: o.pic > 0,
            pie,
            no_plt: o.no_plt,
            code_model: o.code_model.clone(),
            red_zone: o.red_zone,
            general_regs_only: o.general_regs_only || o.no_sse,
            function_sections: o.function_sections,
            data_sections: o.data_sections,
            frame_pointer: o.frame_pointer,
            debug_info: o.debug,
            unwind_tables: self.unwind_tables(),
            code16: o.m16,
            regparm: o.regparm,
            march: o.machine_as_flags.iter().rev().find_map(|f| f.strip_prefix("-march=")).unwrap_or("").to_string(),
        };
        if let Err(e) = self.times.time("optimize", || ccc_opt::optimize_module(&mut module, &cg)) {
            error(format!("{path}: {e}"));
            self.failed = true;
            return None;
        }
        // A developer aid: the optimised IR, as the code generator receives it.
        if std::env::var_os("CCC_DUMP_IR").is_some() {
            for f in &module.functions {
                eprintln!("{}", ccc_ir::print::print_function(f));
            }
        }
        let asm = self.times.time("codegen", || ccc_target::emit_assembly(&module, &self.tc.target, &cg));
        std::mem::forget(module); // as the AST above
        match asm {
            Ok(s) => Some(s),
            Err(e) => {
                error(format!("{path}: {e}"));
                self.failed = true;
                None
            }
        }
    }

    fn link(&mut self, inputs: &[String], out: &str) -> bool {
        let (staged, is_staged) = output::output_target(out);
        let staged_s = staged.to_string_lossy().into_owned();
        let args = link::ld_args(&self.opts, &self.tc, inputs, &staged_s);
        // ccc's own linker, in-process: the default (x86-64, AArch64, RISC-V 64; i386 goes
        // to GNU ld); `-fuse-ld=bfd` (or gold, lld, mold, a path) runs that linker instead,
        // and so does an `ld` in a `-B` directory, as with GCC (nixpkgs' cc-wrapper puts its
        // ld wrapper there).
        let own = match self.opts.fuse_ld.as_deref() {
            Some("ccc") => true,
            None => self.tc.find_in_b_prefixes("ld").is_none(),
            Some(_) => false,
        } && self.tc.target.arch != Arch::I386; // ccc-ld's i386 target links static code only (no GOT/PLT yet)
        let linked = if own {
            self.link_in_process(&args)
        } else {
            let ld = match &self.opts.fuse_ld {
                Some(name) if name.contains('/') => name.clone(),
                Some(name) if name != "ccc" => self.tc.find_program(&format!("ld.{name}")),
                _ => self.tc.find_program("ld"),
            };
            let mut cmd = vec![ld];
            cmd.extend(args);
            self.run_command(&cmd)
        };
        if !linked {
            return false;
        }
        if self.opts.dry_run || !is_staged {
            return true;
        }
        match output::commit(&staged, out) {
            Ok(()) => true,
            Err(e) => {
                fatal_error(e);
                false
            }
        }
    }

    /// Prints a command for `-v` (quoted for `-###`); true when it must not run (`-###`).
    fn echo_command(&self, program: &str, args: &[String]) -> bool {
        if self.opts.verbose {
            let quote = |a: &str| if self.opts.dry_run { format!("\"{a}\"") } else { a.to_string() };
            let line: Vec<String> = std::iter::once(program).chain(args.iter().map(String::as_str)).map(quote).collect();
            eprintln!(" {}", line.join(" "));
        }
        self.opts.dry_run
    }

    /// Link with ccc-ld inside this process (printed as `ccc-ld ...` for `-###`/`-v`).
    fn link_in_process(&mut self, args: &[String]) -> bool {
        if self.echo_command("ccc-ld", args) {
            return true;
        }
        match ccc_ld::main_with_args(args) {
            0 => true,
            code => {
                error(format!("ld returned {code} exit status"));
                self.failed = true;
                false
            }
        }
    }

    /// Run an external tool (or print it for `-###`/`-v`).
    fn run_command(&mut self, cmd: &[String]) -> bool {
        if self.echo_command(&cmd[0], &cmd[1..]) {
            return true;
        }
        match Command::new(&cmd[0]).args(&cmd[1..]).status() {
            Ok(s) if s.success() => true,
            Ok(s) => {
                let name = Path::new(&cmd[0]).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if name.ends_with("ld") {
                    error("ld returned 1 exit status".replace('1', &s.code().unwrap_or(1).to_string()));
                }
                self.failed = true;
                false
            }
            Err(e) => {
                fatal_error(format!("cannot execute '{}': {e}", cmd[0]));
                self.failed = true;
                false
            }
        }
    }
}
