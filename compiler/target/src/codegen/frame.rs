//! Frame layout: fixed-size slots (IR stack slots, spill slots, ABI
//! temporaries) placed below the frame pointer, under the callee-saved
//! register area, with the outgoing-argument area at the stack pointer.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSlot {
    pub size: u64,
    pub align: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Frame {
    pub slots: Vec<FrameSlot>,
    /// Bytes needed at the stack pointer for arguments of calls.
    pub outgoing_args: u64,
    /// Filled in by [`Frame::layout`]: frame-pointer-relative offset of each slot.
    pub offsets: Vec<i64>,
    /// Bytes the prologue subtracts from the stack pointer after saving registers.
    pub alloc_size: u64,
}

fn align_up(x: u64, a: u64) -> u64 {
    let a = a.max(1);
    x.div_ceil(a) * a
}

impl Frame {
    /// One frame slot per IR stack slot, in order (frame slot `i` is IR slot `i`).
    /// Slots no instruction refers to any more (promoted to registers) take no
    /// space; over-aligned ones get room to be aligned at run time (the frame
    /// itself is only 16-aligned).
    pub fn place_ir_slots(&mut self, f: &ccc_ir::Function) {
        let mut referenced = vec![false; f.slots.len()];
        for &b in &f.layout {
            for inst in &f.blocks[b.index()].insts {
                if let ccc_ir::InstKind::SlotAddr { slot } = inst.kind {
                    if let Some(r) = referenced.get_mut(slot.index()) {
                        *r = true;
                    }
                }
            }
        }
        for (i, s) in f.slots.iter().enumerate() {
            if !referenced[i] {
                self.new_slot(0, 1);
            } else if s.align > 16 {
                self.new_slot(s.size + s.align as u64, 16);
            } else {
                self.new_slot(s.size, s.align);
            }
        }
    }

    pub fn new_slot(&mut self, size: u64, align: u32) -> u32 {
        self.slots.push(FrameSlot { size, align: align.max(1) });
        (self.slots.len() - 1) as u32
    }

    pub fn need_outgoing(&mut self, bytes: u64) {
        self.outgoing_args = self.outgoing_args.max(bytes);
    }

    /// Place the slots. `saved_bytes` is the space between the frame pointer
    /// and the first slot (callee-saved registers pushed after it);
    /// `fp_bias` is the distance from the frame pointer down to a
    /// `stack_align`-aligned address (e.g. 0 for x86-64: rbp is 16-aligned).
    /// Large-alignment slots are handled by aligning their offset; slots
    /// aligned beyond `stack_align` need a realigned frame, which the
    /// target asks for through [`Frame::max_align`].
    pub fn layout(&mut self, saved_bytes: u64, stack_align: u64) {
        let mut cur = saved_bytes;
        self.offsets = Vec::with_capacity(self.slots.len());
        for s in &self.slots {
            if s.size == 0 {
                self.offsets.push(-(cur as i64));
                continue;
            }
            cur = align_up(cur + s.size, s.align.min(stack_align as u32) as u64);
            self.offsets.push(-(cur as i64));
        }
        let total = align_up(cur + self.outgoing_args, stack_align);
        self.alloc_size = total - saved_bytes;
    }

    pub fn max_align(&self) -> u32 {
        self.slots.iter().map(|s| s.align).max().unwrap_or(1)
    }
}
