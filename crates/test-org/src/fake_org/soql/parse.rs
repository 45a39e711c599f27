//! The query text: tokens, then the clauses, with the caret errors a real org answers.

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    /// A literal we do not evaluate (dates, datetimes).
    Other(String),
    Comma,
    LParen,
    RParen,
    Op(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 1-based column.
    col: usize,
    text: String,
}

fn tokenize(text: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let malformed = |col: usize, what: String| caret_error("MALFORMED_QUERY", text, col, &what);
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            // Date literals with a parameter: LAST_N_DAYS:30.
            if i < chars.len() && chars[i] == ':' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Other(chars[start..i].iter().collect())
            } else {
                Tok::Ident(chars[start..i].iter().collect())
            }
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | ':' | '+' | '-'))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            match s.parse::<f64>() {
                Ok(n) => Tok::Num(n),
                Err(_) => Tok::Other(s),
            }
        } else if c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(malformed(col, "unterminated string literal".into())),
                    Some('\\') => {
                        let e = chars.get(i + 1).copied().unwrap_or('\\');
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        });
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            Tok::Str(s)
        } else {
            i += 1;
            match c {
                ',' => Tok::Comma,
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '=' => Tok::Op("=".into()),
                '!' if chars.get(i) == Some(&'=') => {
                    i += 1;
                    Tok::Op("!=".into())
                }
                '<' | '>' => {
                    let mut op = c.to_string();
                    if let Some(&n) = chars.get(i) {
                        if n == '=' || (c == '<' && n == '>') {
                            op.push(n);
                            i += 1;
                        }
                    }
                    Tok::Op(op)
                }
                other => return Err(malformed(col, format!("unexpected token: '{other}'"))),
            }
        };
        out.push(Token {
            tok,
            col,
            text: chars[start..i].iter().collect(),
        });
    }
    Ok(out)
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
}

const CLAUSE_KEYWORDS: &[&str] = &[
    "WHERE", "WITH", "GROUP", "ORDER", "LIMIT", "OFFSET", "FOR", "HAVING",
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(s), .. }) if s.eq_ignore_ascii_case(kw))
    }

    fn end_col(&self) -> usize {
        self.text.chars().count() + 1
    }

    fn unexpected(&self) -> SoqlError {
        match self.peek() {
            Some(t) => caret_error(
                "MALFORMED_QUERY",
                self.text,
                t.col,
                &format!("unexpected token: {}", t.text),
            ),
            None => caret_error(
                "MALFORMED_QUERY",
                self.text,
                self.end_col(),
                "unexpected token: <EOF>",
            ),
        }
    }

    fn unsupported(&self, what: &str) -> SoqlError {
        let col = self.peek().map_or(self.end_col(), |t| t.col);
        caret_error(
            "MALFORMED_QUERY",
            self.text,
            col,
            &format!("{what} is not supported by the fake org"),
        )
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.is_kw(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn ident(&mut self) -> Result<(String, usize), SoqlError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ident(s),
                col,
                ..
            }) if !CLAUSE_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
                && !s.eq_ignore_ascii_case("FROM") =>
            {
                let r = (s.clone(), *col);
                self.pos += 1;
                Ok(r)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn path(&mut self) -> Result<(Vec<String>, usize), SoqlError> {
        let (s, col) = self.ident()?;
        if s.split('.').any(str::is_empty) {
            return Err(caret_error(
                "MALFORMED_QUERY",
                self.text,
                col,
                &format!("unexpected token: {s}"),
            ));
        }
        Ok((s.split('.').map(String::from).collect(), col))
    }

    fn number(&mut self) -> Result<usize, SoqlError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Num(n), ..
            }) if *n >= 0.0 && n.fract() == 0.0 => {
                let n = *n as usize;
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self) -> Result<Lit, SoqlError> {
        let t = self.peek().ok_or_else(|| self.unexpected())?.clone();
        let lit = match &t.tok {
            Tok::Str(s) => Lit::Str(s.clone()),
            Tok::Num(n) => Lit::Num(*n),
            // Unquoted dateTime (a bare date stays unsupported: no date fields here).
            Tok::Other(s) if s.contains('T') && s.starts_with(|c: char| c.is_ascii_digit()) => {
                match datetime_literal(s) {
                    Some(t) => Lit::DateTime(t),
                    None => return Err(self.unexpected()),
                }
            }
            Tok::Other(s) => match s.split_once(':') {
                Some((name, n)) => {
                    let n: u32 = n.parse().map_err(|_| self.unexpected())?;
                    self.date_literal(name, Some(n), s)?
                }
                None => return Err(self.unsupported(s)),
            },
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Lit::Null,
            Tok::Ident(s) => self.date_literal(s, None, s)?,
            _ => return Err(self.unexpected()),
        };
        self.pos += 1;
        Ok(lit)
    }

    /// A date literal by name; a real one the test org does not answer (fiscal) is refused
    /// as unsupported, anything else as the unexpected token it is.
    fn date_literal(&self, name: &str, n: Option<u32>, text: &str) -> Result<Lit, SoqlError> {
        match dates::lookup(name, n) {
            dates::Lookup::Literal(d) => Ok(Lit::Date(d)),
            dates::Lookup::Unsupported => Err(self.unsupported(text)),
            dates::Lookup::Unknown => Err(self.unexpected()),
        }
    }

    /// `path op literal`: `=` on any literal; `<`, `<=`, `>`, `>=` on numbers, dateTimes
    /// and date literals, the comparisons the tool and the real clients send.
    fn condition(&mut self) -> Result<Cond, SoqlError> {
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::LParen)) {
            return Err(self.unsupported("a parenthesised condition"));
        }
        let (path, col) = self.path()?;
        let op = match self.peek().map(|t| &t.tok) {
            Some(Tok::Op(op)) => match op.as_str() {
                "=" => Op::Eq,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                _ => return Err(self.unsupported(&format!("the comparison {op}"))),
            },
            Some(_) => return Err(self.unsupported("a comparison other than =, <, <=, >, >=")),
            None => return Err(self.unexpected()),
        };
        self.pos += 1;
        let value = self.literal()?;
        // Strings are left to `execute`, which knows the field's type.
        if op != Op::Eq
            && !matches!(
                value,
                Lit::Num(_) | Lit::DateTime(_) | Lit::Date(_) | Lit::Str(_)
            )
        {
            self.pos -= 1;
            return Err(self.unsupported("an ordering comparison on this literal"));
        }
        Ok(Cond {
            path,
            col,
            op,
            value,
        })
    }

    /// WHERE: `path op literal [AND path op literal ...]` up to the next clause; OR, NOT,
    /// parentheses and other comparisons are refused (not sent by any client).
    fn where_clause(&mut self) -> Result<Vec<Cond>, SoqlError> {
        let mut conds = vec![self.condition()?];
        while self.is_kw("AND") {
            self.pos += 1;
            conds.push(self.condition()?);
        }
        let at_clause_end = self.peek().is_none()
            || CLAUSE_KEYWORDS
                .iter()
                .any(|k| k != &"WHERE" && self.is_kw(k));
        if !at_clause_end {
            return Err(self.unsupported("a WHERE other than `field op value AND ...`"));
        }
        Ok(conds)
    }
}

pub fn parse(text: &str) -> Result<Query, SoqlError> {
    let toks = tokenize(text)?;
    let mut p = Parser { text, toks, pos: 0 };
    p.expect_kw("SELECT")?;
    let mut fields = Vec::new();
    let mut count_only = false;
    let mut aggs: Vec<Agg> = Vec::new();
    let mut unaliased = 0;
    loop {
        if matches!(p.peek().map(|t| &t.tok), Some(Tok::LParen)) {
            return Err(p.unsupported("a relationship subquery"));
        }
        let (name, col) = p.ident()?;
        if matches!(p.peek().map(|t| &t.tok), Some(Tok::LParen)) {
            let is_count = name.eq_ignore_ascii_case("COUNT")
                && matches!(p.toks.get(p.pos + 1).map(|t| &t.tok), Some(Tok::RParen));
            if is_count {
                p.pos += 2;
                count_only = true;
            } else {
                let func = match name.to_ascii_uppercase().as_str() {
                    "COUNT" => AggFn::Count,
                    "MIN" => AggFn::Min,
                    "MAX" => AggFn::Max,
                    _ => {
                        p.pos -= 1;
                        return Err(p.unsupported(&format!("{name}()")));
                    }
                };
                p.pos += 1;
                let (path, _) = p.path()?;
                if p.peek().map(|t| &t.tok) != Some(&Tok::RParen) {
                    return Err(p.unexpected());
                }
                p.pos += 1;
                // An alias is an identifier that is neither a comma nor FROM.
                let alias = match p.peek() {
                    Some(Token {
                        tok: Tok::Ident(a), ..
                    }) if !a.eq_ignore_ascii_case("FROM") => {
                        let a = a.clone();
                        p.pos += 1;
                        Some(a)
                    }
                    _ => None,
                };
                let name = alias.unwrap_or_else(|| {
                    unaliased += 1;
                    format!("expr{}", unaliased - 1)
                });
                aggs.push(Agg {
                    func,
                    path,
                    col,
                    name,
                });
            }
        } else {
            if name.split('.').any(str::is_empty) {
                return Err(caret_error(
                    "MALFORMED_QUERY",
                    text,
                    col,
                    &format!("unexpected token: {name}"),
                ));
            }
            fields.push((name.split('.').map(String::from).collect(), col));
        }
        if matches!(p.peek().map(|t| &t.tok), Some(Tok::Comma)) {
            p.pos += 1;
            continue;
        }
        break;
    }
    if count_only && (!fields.is_empty() || !aggs.is_empty()) {
        let col = fields.first().map_or_else(|| aggs[0].col, |f| f.1);
        return Err(caret_error(
            "MALFORMED_QUERY",
            text,
            col,
            "COUNT() must be the only element in the SELECT list",
        ));
    }
    p.expect_kw("FROM")?;
    let (object, object_col) = p.ident()?;
    if object.contains('.') {
        return Err(caret_error(
            "MALFORMED_QUERY",
            text,
            object_col,
            &format!("unexpected token: {object}"),
        ));
    }
    let mut q = Query {
        text: text.to_string(),
        fields,
        count_only,
        aggs,
        group_by: Vec::new(),
        object,
        conditions: Vec::new(),
        limit: None,
        offset: None,
    };
    if p.is_kw("WHERE") {
        p.pos += 1;
        q.conditions = p.where_clause()?;
    }
    if p.is_kw("WITH") {
        return Err(p.unsupported("WITH"));
    }
    if p.is_kw("GROUP") {
        p.pos += 1;
        p.expect_kw("BY")?;
        loop {
            q.group_by.push(p.path()?);
            if matches!(p.peek().map(|t| &t.tok), Some(Tok::Comma)) {
                p.pos += 1;
                continue;
            }
            break;
        }
    }
    if p.is_kw("HAVING") {
        return Err(p.unsupported("HAVING"));
    }
    if p.is_kw("ORDER") {
        return Err(p.unsupported("ORDER BY"));
    }
    if p.is_kw("LIMIT") {
        p.pos += 1;
        q.limit = Some(p.number()?);
    }
    if p.is_kw("OFFSET") {
        p.pos += 1;
        q.offset = Some(p.number()?);
    }
    if p.peek().is_some() {
        return Err(p.unexpected());
    }
    Ok(q)
}

/// SOQL dateTime literal forms: `YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm|-hh:mm|+hhmm)`.
fn datetime_literal(s: &str) -> Option<DateTime<Utc>> {
    let d = chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()?;
    Some(d.with_timezone(&Utc))
}
