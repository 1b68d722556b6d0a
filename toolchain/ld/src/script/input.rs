//! GNU ld scripts given as inputs (glibc's `libc.so`): GROUP, INPUT, AS_NEEDED and friends.

use crate::error::Result;
use crate::bail;

#[derive(Debug, Clone)]
pub struct ScriptInput {
    pub name: String,
    pub as_needed: bool,
    /// `-lfoo` written inside the script.
    pub is_lib: bool,
}

#[derive(Debug, Default)]
pub struct InputScript {
    /// Each GROUP/INPUT command, in order; GROUP members are searched repeatedly.
    pub groups: Vec<(bool, Vec<ScriptInput>)>,
    pub search_dirs: Vec<String>,
    pub entry: Option<String>,
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for c in chars.by_ref() {
                if prev == '*' && c == '/' {
                    break;
                }
                prev = c;
            }
            continue;
        }
        if c.is_whitespace() || c == '(' || c == ')' || c == ',' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c == '(' || c == ')' {
                out.push(c.to_string());
            }
            continue;
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn looks_like_script(data: &[u8]) -> bool {
    std::str::from_utf8(data).is_ok()
}

pub fn parse(name: &str, text: &str) -> Result<InputScript> {
    let t = tokens(text);
    let mut s = InputScript::default();
    let mut i = 0;
    let expect_open = |i: usize| -> Result<()> {
        if t.get(i).map(String::as_str) != Some("(") {
            bail!("{}: syntax error in linker script near '{}'", name, t.get(i.saturating_sub(1)).cloned().unwrap_or_default());
        }
        Ok(())
    };
    while i < t.len() {
        let cmd = t[i].as_str();
        match cmd {
            "GROUP" | "INPUT" => {
                expect_open(i + 1)?;
                i += 2;
                let mut list = vec![];
                let mut as_needed = false;
                while i < t.len() && t[i] != ")" {
                    if t[i] == "AS_NEEDED" {
                        expect_open(i + 1)?;
                        as_needed = true;
                        i += 2;
                        continue;
                    }
                    let tok = &t[i];
                    let (is_lib, n) = match tok.strip_prefix("-l") {
                        Some(n) => (true, n.to_string()),
                        None => (false, tok.clone()),
                    };
                    list.push(ScriptInput { name: n, as_needed, is_lib });
                    i += 1;
                    // `)` closing AS_NEEDED.
                    if as_needed && t.get(i).map(String::as_str) == Some(")") {
                        as_needed = false;
                        i += 1;
                    }
                }
                s.groups.push((cmd == "GROUP", list));
                i += 1;
            }
            "OUTPUT_FORMAT" | "OUTPUT_ARCH" | "SEARCH_DIR" | "ENTRY" | "TARGET" => {
                expect_open(i + 1)?;
                let close = t[i..].iter().position(|x| x == ")").map(|p| p + i);
                let Some(close) = close else { bail!("{}: unterminated {} in linker script", name, cmd) };
                let arg = t.get(i + 2).filter(|_| i + 2 < close).cloned();
                match (cmd, arg) {
                    ("SEARCH_DIR", Some(a)) => s.search_dirs.push(a.trim_start_matches('=').to_string()),
                    ("ENTRY", Some(a)) => s.entry = Some(a),
                    _ => {}
                }
                i = close + 1;
            }
            ";" => i += 1,
            _ => bail!("{}: linker script command '{}' is not supported yet", name, cmd),
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_libc_so() {
        let s = parse("libc.so", "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n").unwrap();
        assert_eq!(s.groups.len(), 1);
        let (is_group, list) = &s.groups[0];
        assert!(*is_group);
        let flags: Vec<(&str, bool)> = list.iter().map(|i| (i.name.as_str(), i.as_needed)).collect();
        assert_eq!(flags, [("/lib/x86_64-linux-gnu/libc.so.6", false), ("/usr/lib/x86_64-linux-gnu/libc_nonshared.a", false), ("/lib64/ld-linux-x86-64.so.2", true)]);
    }

    #[test]
    fn libs_and_errors() {
        let s = parse("x", "INPUT(-lfoo bar.o)").unwrap();
        assert!(s.groups[0].1[0].is_lib && s.groups[0].1[0].name == "foo");
        assert!(parse("x", "SECTIONS { }").is_err());
        assert!(parse("x", "GROUP foo").is_err());
    }
}
