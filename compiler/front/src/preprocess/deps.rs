//! Make-style dependency output for `-M`, `-MM`, `-MD`, `-MMD`.

/// Escape a file name for a make rule, as GCC does.
fn make_escape(s: &str, target: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' | '\t' => o.push('\\'),
            '$' => o.push('$'),
            '#' => o.push('\\'),
            ':' if target => {}
            _ => {}
        }
        o.push(c);
    }
    o
}

/// A make rule `targets: deps`, wrapped like GCC's (lines up to ~76
/// columns, continued with ` \`), plus an empty rule per dependency after
/// the first when `phony` (`-MP`). `targets` are already quoted for `-MQ`.
pub fn make_rule(targets: &[String], deps: &[String], phony: bool) -> String {
    let mut out = String::new();
    let mut col = 0;
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(t);
        col += t.len();
    }
    out.push(':');
    col += 1;
    for d in deps {
        let d = make_escape(d, false);
        if col + 1 + d.len() > 76 && col > 1 {
            out.push_str(" \\\n");
            col = 0;
        }
        out.push(' ');
        out.push_str(&d);
        col += 1 + d.len();
    }
    out.push('\n');
    if phony {
        for d in deps.iter().skip(1) {
            out.push('\n');
            out.push_str(&make_escape(d, false));
            out.push_str(":\n");
        }
    }
    out
}

/// Quote a target name for `-MQ` (and the default target).
pub fn quote_target(t: &str) -> String {
    make_escape(t, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_wraps_and_phony() {
        let deps: Vec<String> = vec!["a.c".into(), "some/long/path/header_one.h".into(), "another/long/path/header_two.h".into(), "x y.h".into(), "zz.h".into()];
        let r = make_rule(&["a.o".into()], &deps, true);
        assert_eq!(
            r,
            "a.o: a.c some/long/path/header_one.h another/long/path/header_two.h x\\ y.h \\\n zz.h\n\nsome/long/path/header_one.h:\n\nanother/long/path/header_two.h:\n\nx\\ y.h:\n\nzz.h:\n"
        );
        assert_eq!(quote_target("$(x).o"), "$$(x).o");
    }
}
