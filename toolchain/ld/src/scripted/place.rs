//! Input sections into the script's output sections: the first input description that
//! matches a section takes it; what no description matches is an orphan, placed the way
//! GNU ld does (into a same-named output section, else after the last one of its kind).

use crate::elf::*;
use crate::image::{Image, OutSec};
use crate::object::NO_OUT;
use crate::resolve::Linker;
use crate::script::ast::*;

use super::glob;

/// One thing inside an output section, in layout order.
#[derive(Clone, Debug)]
pub enum Item {
    Assign(Assign),
    Assert(Expr, String, Loc),
    Data(u8, Expr),
    Fill(Expr),
    /// An input section (object, section).
    Input(usize, usize),
    /// A linker-made section (`img.secs` index) laid out inside this one.
    Synth(usize),
}

#[derive(Clone, Debug)]
pub struct SecPlan {
    /// Index in `img.secs`.
    pub out: usize,
    pub desc: OutputSection,
    pub items: Vec<Item>,
    pub orphan: bool,
}

#[derive(Clone, Debug)]
pub enum Step {
    Assign(Assign),
    Assert(Expr, String, Loc),
    Section(SecPlan),
}

/// `-r` under a script (see `relocatable_plan`).
#[derive(Default)]
pub struct RelocPlan {
    pub steps: Vec<RelocStep>,
    pub discarded: Vec<(usize, usize)>,
}

/// The script's statements as a relocatable link follows them: GNU ld lays the output
/// sections out at addresses from 0, and `.` inside them is an address.
#[derive(Clone, Debug)]
pub enum RelocStep {
    /// A statement between output sections (`. = ALIGN(n);`, `sym = .;`).
    Assign(Assign),
    /// An output section: its address if the script gives one, and its contents in
    /// order (inputs, assignments, data).
    Section { name: String, addr: Option<Expr>, items: Vec<Item> },
}

fn collect_specs(script: &Script) -> Vec<Spec<'_>> {
    let mut specs = vec![];
    for (ci, cmd) in script.sections.iter().enumerate() {
        if let SecCmd::Output(os) = cmd {
            for (ii, it) in os.items.iter().enumerate() {
                if let OutItem::Input(sp) = it {
                    specs.push(Spec { cmd: ci, item: ii, spec: sp, discard: os.name == "/DISCARD/" });
                }
            }
        }
    }
    specs
}

/// An input candidate: an object's section or a linker-made one.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Cand {
    Obj(usize, usize),
    Synth(usize),
}

struct Spec<'a> {
    cmd: usize,
    item: usize,
    spec: &'a InputSpec,
    discard: bool,
}

fn file_matches(pat: &str, file: &str) -> bool {
    if pat == "*" {
        return true;
    }
    // Archive members are `lib.a(member.o)`: patterns may name the member or the archive.
    let (archive, member) = match file.strip_suffix(')').and_then(|f| f.split_once('(')) {
        Some((a, m)) => (a, m),
        None => ("", file),
    };
    if let Some((ap, mp)) = pat.split_once(':') {
        return (ap.is_empty() || glob::matches(ap, archive) || glob::matches(ap, base(archive))) && (mp.is_empty() || glob::matches(mp, member));
    }
    glob::matches(pat, member) || glob::matches(pat, file) || (!glob::is_wild(pat) && base(member) == pat)
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// `.init_array.NNNNN` / `.ctors.NNNNN` priority (GNU: ctors count down).
fn init_priority(name: &str) -> u64 {
    let n = name.rsplit_once('.').and_then(|(_, n)| n.parse::<u64>().ok());
    match n {
        Some(n) if name.starts_with(".ctors") || name.starts_with(".dtors") => 65535u64.saturating_sub(n),
        Some(n) => n,
        None => u64::MAX,
    }
}

impl Linker {
    fn cand_name<'a>(&'a self, img: &'a Image, c: Cand) -> &'a str {
        match c {
            Cand::Obj(o, s) => &self.objs[o].sections[s].name,
            Cand::Synth(i) => &img.secs[i].name,
        }
    }

    fn cand_file(&self, c: Cand) -> &str {
        match c {
            Cand::Obj(o, _) => &self.objs[o].name,
            Cand::Synth(_) => "",
        }
    }

    fn spec_matches(&self, img: &Image, sp: &InputSpec, c: Cand) -> Option<usize> {
        let file = self.cand_file(c);
        if !file_matches(&sp.file, file) || sp.exclude_files.iter().any(|x| file_matches(x, file)) {
            return None;
        }
        let name = self.cand_name(img, c);
        sp.sections.iter().position(|p| glob::matches(&p.glob, name) && !p.exclude_files.iter().any(|x| file_matches(x, file)))
    }

    /// First matching description wins; remember which of its patterns matched.
    fn assign_inputs(&self, img: &Image, specs: &[Spec], cands: &[Cand]) -> (Vec<Vec<(Cand, usize)>>, Vec<Cand>) {
        let mut taken: Vec<Vec<(Cand, usize)>> = vec![vec![]; specs.len()];
        let mut orphans: Vec<Cand> = vec![];
        for &c in cands {
            let hit = specs.iter().enumerate().find_map(|(k, sp)| self.spec_matches(img, sp.spec, c).map(|p| (k, p)));
            match hit {
                Some((k, p)) => taken[k].push((c, p)),
                None => orphans.push(c),
            }
        }
        (taken, orphans)
    }

    /// `-r` under a script: what each output section holds (its inputs in order, with
    /// the assignments and data between them), and which inputs are discarded; the rest
    /// keep their own names.
    pub fn relocatable_plan(&self, script: &Script) -> RelocPlan {
        let img = Image::new(crate::args::OutputKind::Exec);
        let mut cands = vec![];
        for (oi, o) in self.objs.iter().enumerate() {
            for (si, s) in o.sections.iter().enumerate() {
                if si > 0 && !s.discarded && !matches!(s.kind, SHT_GROUP | SHT_RELA | SHT_REL | SHT_SYMTAB | SHT_STRTAB | SHT_SYMTAB_SHNDX | SHT_NULL) {
                    cands.push(Cand::Obj(oi, si));
                }
            }
        }
        let specs = collect_specs(script);
        let (mut taken, _) = self.assign_inputs(&img, &specs, &cands);
        let mut plan = RelocPlan::default();
        let mut spec_at = std::collections::HashMap::new();
        for (k, sp) in specs.iter().enumerate() {
            self.sort_taken(&img, sp.spec, &mut taken[k]);
            spec_at.insert((sp.cmd, sp.item), k);
        }
        let inputs = |k: usize| taken[k].iter().filter_map(|&(c, _)| if let Cand::Obj(o, s) = c { Some((o, s)) } else { None });
        for (ci, cmd) in script.sections.iter().enumerate() {
            let os = match cmd {
                SecCmd::Output(os) => os,
                SecCmd::Assign(a) => {
                    plan.steps.push(RelocStep::Assign(a.clone()));
                    continue;
                }
                SecCmd::Assert(..) => continue, // checked where addresses exist: the final link
            };
            let discard = os.name == "/DISCARD/";
            let mut items = vec![];
            for (ii, it) in os.items.iter().enumerate() {
                match it {
                    OutItem::Input(_) => {
                        let Some(&k) = spec_at.get(&(ci, ii)) else { continue };
                        if discard {
                            plan.discarded.extend(inputs(k));
                        } else {
                            items.extend(inputs(k).map(|(o, s)| Item::Input(o, s)));
                        }
                    }
                    OutItem::Assign(a) => items.push(Item::Assign(a.clone())),
                    OutItem::Data(n, e) => items.push(Item::Data(*n, e.clone())),
                    OutItem::Fill(e) => items.push(Item::Fill(e.clone())),
                    OutItem::Assert(e, msg, loc) => items.push(Item::Assert(e.clone(), msg.clone(), loc.clone())),
                }
            }
            // GNU ld drops an output section that would be empty and defines nothing.
            let wanted = items.iter().any(|i| matches!(i, Item::Input(..) | Item::Data(..)) || matches!(i, Item::Assign(a) if a.name != "."));
            if discard || !wanted {
                continue;
            }
            let same = plan.steps.iter_mut().find_map(|st| match st {
                RelocStep::Section { name, items, .. } if name == &os.name => Some(items),
                _ => None,
            });
            match same {
                Some(v) => v.extend(items),
                None => plan.steps.push(RelocStep::Section { name: os.name.clone(), addr: os.addr.clone(), items }),
            }
        }
        plan
    }

    /// Input sections whose first matching description is inside KEEP (gc roots).
    pub fn keep_roots(&self, img: &Image, script: &Script) -> Vec<(usize, usize)> {
        let specs: Vec<&InputSpec> = script
            .sections
            .iter()
            .filter_map(|c| if let SecCmd::Output(o) = c { Some(o) } else { None })
            .flat_map(|o| o.items.iter().filter_map(|it| if let OutItem::Input(sp) = it { Some(sp) } else { None }))
            .collect();
        let mut roots = vec![];
        for (oi, o) in self.objs.iter().enumerate() {
            for (si, s) in o.sections.iter().enumerate() {
                if !s.live {
                    continue;
                }
                let first = specs.iter().find(|sp| self.spec_matches(img, sp, Cand::Obj(oi, si)).is_some());
                if first.is_some_and(|sp| sp.keep) {
                    roots.push((oi, si));
                }
            }
        }
        roots
    }

    /// Builds `img.secs` for the script's output sections and the steps layout runs.
    pub fn place_scripted(&mut self, img: &mut Image, script: &Script) -> crate::error::Result<Vec<Step>> {
        let synth_count = img.secs.len();
        let mut cands: Vec<Cand> = (0..synth_count).map(Cand::Synth).collect();
        for (oi, o) in self.objs.iter().enumerate() {
            for (si, s) in o.sections.iter().enumerate() {
                if s.live {
                    cands.push(Cand::Obj(oi, si));
                }
            }
        }
        let specs = collect_specs(script);
        let (mut taken, orphans) = self.assign_inputs(img, &specs, &cands);
        for (k, sp) in specs.iter().enumerate() {
            if sp.discard {
                for &(c, _) in &taken[k] {
                    match c {
                        Cand::Obj(o, s) => {
                            let sec = &mut self.objs[o].sections[s];
                            sec.live = false;
                            sec.out = NO_OUT;
                        }
                        // A discarded linker-made table is not made at all (no PT_DYNAMIC...).
                        Cand::Synth(i) => {
                            if let Some(kind) = img.secs[i].synth {
                                img.synth_idx.remove(&kind);
                            }
                        }
                    }
                }
                continue;
            }
            self.sort_taken(img, sp.spec, &mut taken[k]);
        }
        // Output sections in script order.
        let mut steps = vec![];
        let mut spec_at = 0;
        for (ci, cmd) in script.sections.iter().enumerate() {
            match cmd {
                SecCmd::Assign(a) => steps.push(Step::Assign(a.clone())),
                SecCmd::Assert(e, m, l) => steps.push(Step::Assert(e.clone(), m.clone(), l.clone())),
                SecCmd::Output(os) if os.name == "/DISCARD/" => {
                    while spec_at < specs.len() && specs[spec_at].cmd == ci {
                        spec_at += 1;
                    }
                }
                SecCmd::Output(os) => {
                    let mut items = vec![];
                    for (ii, it) in os.items.iter().enumerate() {
                        match it {
                            OutItem::Assign(a) => items.push(Item::Assign(a.clone())),
                            OutItem::Assert(e, m, l) => items.push(Item::Assert(e.clone(), m.clone(), l.clone())),
                            OutItem::Data(n, e) => items.push(Item::Data(*n, e.clone())),
                            OutItem::Fill(e) => items.push(Item::Fill(e.clone())),
                            OutItem::Input(_) => {
                                debug_assert!(specs[spec_at].cmd == ci && specs[spec_at].item == ii);
                                for &(c, _) in &taken[spec_at] {
                                    items.push(match c {
                                        Cand::Obj(o, s) => Item::Input(o, s),
                                        Cand::Synth(i) => Item::Synth(i),
                                    });
                                }
                                spec_at += 1;
                            }
                        }
                    }
                    let mut desc = os.clone();
                    desc.items.clear();
                    let plan = SecPlan { out: usize::MAX, desc, items, orphan: false };
                    if let Some(keep) = self.only_if_holds(img, &plan) {
                        if !keep {
                            continue;
                        }
                    }
                    steps.push(Step::Section(plan));
                }
            }
        }
        self.place_orphans(img, &mut steps, &orphans);
        // Output sections exist for what has content or assignments.
        for st in steps.iter_mut() {
            if let Step::Section(p) = st {
                p.out = self.make_out_sec(img, p);
            }
        }
        Ok(steps)
    }

    /// `ONLY_IF_RO`/`ONLY_IF_RW`: Some(false) drops the section.
    fn only_if_holds(&self, img: &Image, p: &SecPlan) -> Option<bool> {
        let want_rw = p.desc.only_if?;
        let flags = self.item_flags(img, &p.items);
        Some((flags & SHF_WRITE != 0) == want_rw)
    }

    fn item_flags(&self, img: &Image, items: &[Item]) -> u64 {
        let mut f = 0;
        for it in items {
            f |= match *it {
                Item::Input(o, s) => self.objs[o].sections[s].flags,
                Item::Synth(i) => img.secs[i].flags,
                _ => 0,
            };
        }
        f
    }

    fn sort_taken(&self, img: &Image, sp: &InputSpec, taken: &mut [(Cand, usize)]) {
        if sp.sort_files {
            taken.sort_by(|&(a, _), &(b, _)| self.cand_file(a).cmp(self.cand_file(b)));
        }
        if sp.sections.iter().all(|p| p.sort == Sort::None) {
            return;
        }
        let align = |c: Cand| match c {
            Cand::Obj(o, s) => self.objs[o].sections[s].align,
            Cand::Synth(i) => img.secs[i].align,
        };
        // Grouped by pattern, each group in its own order (stable: file order otherwise).
        taken.sort_by(|&(a, pa), &(b, pb)| {
            if pa != pb {
                return pa.cmp(&pb);
            }
            let (na, nb) = (self.cand_name(img, a), self.cand_name(img, b));
            match sp.sections[pa].sort {
                Sort::None => std::cmp::Ordering::Equal,
                Sort::Name => na.cmp(nb),
                Sort::Alignment => align(b).cmp(&align(a)),
                Sort::NameAlignment => na.cmp(nb).then(align(b).cmp(&align(a))),
                Sort::AlignmentName => align(b).cmp(&align(a)).then(na.cmp(nb)),
                Sort::InitPriority => init_priority(na).cmp(&init_priority(nb)),
            }
        });
    }

    /// GNU's orphan rules, condensed: a same-named output section takes it; otherwise a new
    /// output section follows the last one with the same kind of contents.
    fn place_orphans(&mut self, img: &Image, steps: &mut Vec<Step>, orphans: &[Cand]) {
        let warn = self.opts.orphan_handling.as_deref();
        for &c in orphans {
            let name = self.cand_name(img, c).to_string();
            let (flags, kind) = match c {
                Cand::Obj(o, s) => (self.objs[o].sections[s].flags, self.objs[o].sections[s].kind),
                Cand::Synth(i) => (img.secs[i].flags, img.secs[i].kind),
            };
            let item = match c {
                Cand::Obj(o, s) => Item::Input(o, s),
                Cand::Synth(i) => Item::Synth(i),
            };
            if let Cand::Obj(o, si) = c {
                match warn {
                    Some("warn") => eprintln!("ld: warning: orphan section `{}' from `{}' being placed in section `{}'", name, self.cand_file(c), name),
                    Some("error") => {
                        self.errors.push(format!("error: unplaced orphan section `{}' from `{}'", name, self.cand_file(c)));
                        continue;
                    }
                    Some("discard") => {
                        self.objs[o].sections[si].live = false;
                        self.objs[o].sections[si].out = NO_OUT;
                        continue;
                    }
                    _ => {}
                }
            }
            let same = steps.iter_mut().find_map(|s| match s {
                Step::Section(p) if p.desc.name == name => Some(p),
                _ => None,
            });
            if let Some(p) = same {
                p.items.push(item);
                continue;
            }
            let class = orphan_class(flags, kind);
            // After the last section of the same kind, or the section GNU names for the
            // kind (`.rodata` for read-only data...) even when that one is empty.
            let canonical = [".text", ".rodata", ".tdata", ".data", ".bss", ".note", ""][class as usize];
            let after = steps.iter().rposition(|s| match s {
                Step::Section(p) => {
                    let f = self.item_flags(img, &p.items);
                    let k = self.item_kind(img, &p.items);
                    let has_inputs = p.items.iter().any(|i| matches!(i, Item::Input(..)));
                    ((has_inputs || p.orphan) && orphan_class(f, k) == class) || (!canonical.is_empty() && p.desc.name == canonical)
                }
                _ => false,
            });
            let desc = OutputSection {
                name: name.clone(),
                addr: None,
                kind: OutKind::Normal,
                lma: None,
                align: None,
                subalign: None,
                only_if: None,
                items: vec![],
                region: None,
                lma_region: None,
                phdrs: vec![],
                fill: None,
                loc: Loc { file: String::new(), line: 0 },
            };
            let plan = Step::Section(SecPlan { out: usize::MAX, desc, items: vec![item], orphan: true });
            // Notes with no kin go first (after .interp when there is one), other
            // allocated orphans with no kin and non-alloc ones last.
            let first_alloc = || steps.iter().position(|s| matches!(s, Step::Section(p) if p.desc.name == ".interp" || (p.desc.kind != OutKind::NotAlloc && !p.items.is_empty() && !is_debug(&p.desc.name))));
            let at = match after {
                Some(i) if flags & SHF_ALLOC != 0 => i + 1,
                None if class == 5 => first_alloc().map_or(steps.len(), |i| if matches!(&steps[i], Step::Section(p) if p.desc.name == ".interp") { i + 1 } else { i }),
                _ => steps.len(),
            };
            steps.insert(at, plan);
        }
    }

    fn item_kind(&self, img: &Image, items: &[Item]) -> u32 {
        let mut nobits = true;
        for it in items {
            let k = match *it {
                Item::Input(o, s) => self.objs[o].sections[s].kind,
                Item::Synth(i) => img.secs[i].kind,
                Item::Data(..) => SHT_PROGBITS,
                _ => continue,
            };
            nobits &= k == SHT_NOBITS;
        }
        if nobits && items.iter().any(|i| matches!(i, Item::Input(..) | Item::Synth(_))) {
            SHT_NOBITS
        } else {
            SHT_PROGBITS
        }
    }

    /// The `img.secs` entry of a planned section (a new one; linker-made sections that are
    /// orphans on their own keep theirs).
    fn make_out_sec(&mut self, img: &mut Image, p: &SecPlan) -> usize {
        // A linker-made table alone in its output section (`.dynsym : { *(.dynsym) }`) is
        // that section: it keeps its type, link and entry size.
        let mut content = p.items.iter().filter(|i| matches!(i, Item::Input(..) | Item::Synth(_) | Item::Data(..)));
        if let (Some(&Item::Synth(i)), None) = (content.next(), content.next()) {
            if p.orphan || img.secs[i].name == p.desc.name {
                img.secs[i].keep = p.items.iter().any(|i| matches!(i, Item::Assign(a) if a.name == "."));
                return i;
            }
        }
        let mut flags = self.item_flags(img, &p.items) & (SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR | SHF_TLS);
        let has_content = p.items.iter().any(|i| matches!(i, Item::Input(..) | Item::Synth(_) | Item::Data(..)));
        if !has_content {
            flags |= SHF_ALLOC;
        }
        if p.items.iter().any(|i| matches!(i, Item::Data(..))) && flags & SHF_ALLOC == 0 && !p.items.iter().any(|i| matches!(i, Item::Input(..))) {
            flags |= SHF_ALLOC;
        }
        let mut kind = self.item_kind(img, &p.items);
        // A single-kind section keeps its input type (notes, init arrays).
        let kinds: Vec<u32> = p.items.iter().filter_map(|i| match *i {
            Item::Input(o, s) => Some(self.objs[o].sections[s].kind),
            Item::Synth(i) => Some(img.secs[i].kind),
            _ => None,
        }).collect();
        if let Some(&k0) = kinds.first() {
            if kinds.iter().all(|&k| k == k0) && k0 != SHT_NOBITS && !p.items.iter().any(|i| matches!(i, Item::Data(..))) {
                kind = if k0 == SHT_X86_64_UNWIND { SHT_PROGBITS } else { k0 };
            }
        }
        if p.desc.kind == OutKind::NoLoad {
            kind = SHT_NOBITS;
        }
        if p.desc.kind == OutKind::NotAlloc {
            flags &= !SHF_ALLOC;
        }
        let align = p.items.iter().filter_map(|i| match *i {
            Item::Input(o, s) => Some(self.objs[o].sections[s].align),
            Item::Synth(i) => Some(img.secs[i].align),
            _ => None,
        }).max().unwrap_or(1);
        let mut o = OutSec::new(&p.desc.name, kind, flags, align, None, (0, 0));
        // GNU keeps an empty output section that moves `.` (or has data); symbol
        // assignments alone do not keep it.
        o.keep = p.items.iter().any(|i| matches!(i, Item::Assign(a) if a.name == "." && !keeps_nothing(&a.expr)) || matches!(i, Item::Data(..)));
        img.secs.push(o);
        let idx = img.secs.len() - 1;
        for it in &p.items {
            match *it {
                Item::Input(oi, si) => {
                    img.secs[idx].members.push((oi, si));
                    self.objs[oi].sections[si].out = idx;
                }
                Item::Synth(i) => img.secs[i].parent = Some(idx),
                _ => {}
            }
        }
        idx
    }
}

/// Assignments to `.` that do not keep an empty section (GNU's list): `. = 0`,
/// `. = . + 0` and `. = ALIGN(. != 0 ? X : 1)`.
fn keeps_nothing(e: &Expr) -> bool {
    match e {
        Expr::Num(0) => true,
        Expr::Binary("+", a, b) => **a == Expr::Dot && **b == Expr::Num(0),
        Expr::Call(n, args) if n == "ALIGN" && args.len() == 1 => {
            matches!(&args[0], Expr::Cond(c, _, one) if **one == Expr::Num(1) && **c == Expr::Binary("!=", Box::new(Expr::Dot), Box::new(Expr::Num(0))))
        }
        _ => false,
    }
}

fn is_debug(name: &str) -> bool {
    name.starts_with(".debug") || name == ".comment" || name.starts_with(".stab")
}

/// Orphan kinds: 0 code, 1 read-only data, 2 TLS, 3 data, 4 bss, 5 notes, 6 not loaded.
fn orphan_class(flags: u64, kind: u32) -> u8 {
    if flags & SHF_ALLOC == 0 {
        6
    } else if kind == SHT_NOTE {
        5
    } else if flags & SHF_EXECINSTR != 0 {
        0
    } else if flags & SHF_TLS != 0 {
        2
    } else if flags & SHF_WRITE == 0 {
        1
    } else if kind == SHT_NOBITS {
        4
    } else {
        3
    }
}
