//! `--version-script`: which symbols a shared object exports, and under which version.

use crate::error::Result;
use crate::bail;

#[derive(Debug, Default, Clone)]
pub struct VerNode {
    /// None for the anonymous `{ ... };` form (no version, only visibility).
    pub name: Option<String>,
    pub global: Vec<String>,
    pub local: Vec<String>,
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = vec![];
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if "{};:".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if c == '"' {
            let s = i + 1;
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += 1;
            }
            out.push(b[s..i.min(b.len())].iter().collect());
            i += 1;
        } else {
            let s = i;
            while i < b.len() && !b[i].is_whitespace() && !"{};:\"".contains(b[i]) {
                i += 1;
            }
            out.push(b[s..i].iter().collect());
        }
    }
    out
}

pub fn parse(name: &str, text: &str) -> Result<Vec<VerNode>> {
    let t = tokens(text);
    let mut nodes = vec![];
    let mut i = 0;
    while i < t.len() {
        let mut node = VerNode::default();
        if t[i] != "{" {
            node.name = Some(t[i].clone());
            i += 1;
        }
        if t.get(i).map(String::as_str) != Some("{") {
            bail!("{}: syntax error in version script", name);
        }
        i += 1;
        let mut local = false;
        let mut depth = 1;
        while i < t.len() && depth > 0 {
            match t[i].as_str() {
                "}" => depth -= 1,
                "{" => depth += 1,
                ";" | "extern" | "C" | "C++" => {}
                "global" if t.get(i + 1).map(String::as_str) == Some(":") => {
                    local = false;
                    i += 1;
                }
                "local" if t.get(i + 1).map(String::as_str) == Some(":") => {
                    local = true;
                    i += 1;
                }
                p => {
                    if local {
                        node.local.push(p.to_string())
                    } else {
                        node.global.push(p.to_string())
                    }
                }
            }
            i += 1;
        }
        // Dependencies (`} PARENT;`) are not recorded.
        while i < t.len() && t[i] != ";" {
            i += 1;
        }
        i += 1;
        nodes.push(node);
    }
    Ok(nodes)
}

/// Shell-style glob with `*` and `?`.
pub fn glob(pat: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// What the script says of a symbol: Some(Some(node)) exported under node, Some(None)
/// local, None unmentioned. Exact names win over wildcards, as in GNU ld.
pub fn classify(nodes: &[VerNode], sym: &str) -> Option<Option<usize>> {
    let wild = |p: &String| p.contains(['*', '?', '[']);
    for exact in [true, false] {
        for (i, n) in nodes.iter().enumerate() {
            if n.global.iter().any(|p| wild(p) != exact && if exact { p == sym } else { glob(p, sym) }) {
                return Some(Some(i));
            }
        }
        for n in nodes {
            if n.local.iter().any(|p| wild(p) != exact && if exact { p == sym } else { glob(p, sym) }) {
                return Some(None);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_classifies() {
        let n = parse("v", "VERS_1 { global: foo; bar*; local: *; };\nVERS_2 { global: baz; } VERS_1;").unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(classify(&n, "foo"), Some(Some(0)));
        assert_eq!(classify(&n, "barx"), Some(Some(0)));
        assert_eq!(classify(&n, "baz"), Some(Some(1)));
        assert_eq!(classify(&n, "other"), Some(None));
        assert!(glob("a*c?", "abbbcd") && !glob("a*c", "abd"));
    }
}
