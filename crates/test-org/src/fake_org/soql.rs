//! A small SOQL subset:
//! `SELECT f1, rel.f2 | COUNT() | AGG(f) [alias], ... FROM Object [WHERE ...] [GROUP BY f, ...]
//! [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]`.
//!
//! WHERE is evaluated when it is a conjunction (AND) of simple comparisons
//! (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `[NOT] IN (...)`) against string,
//! number, boolean or null literals, and `field = LAST_N_DAYS:n` (or `!=`) against the
//! org's fixed "now". Other comparisons with a date literal, and `INCLUDES`/`EXCLUDES`,
//! count as true; a WHERE with OR, NOT or parentheses is not applied at all.
//!
//! Aggregates: `COUNT(f)`, `COUNT_DISTINCT(f)`, `MAX(f)`, `MIN(f)`, `SUM(f)` with or without
//! GROUP BY, answered as real orgs do: records typed `AggregateResult`, unaliased
//! aggregates named `expr0`, `expr1`, ... in select order. Subqueries, HAVING and WITH are
//! refused as MALFORMED_QUERY (the fake does not support them).

use super::org::SObject;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

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

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// `LAST_N_DAYS:n`: from the start of the day n days before "now" to the end of today.
    LastNDays(u32),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFn {
    Count,
    CountDistinct,
    Max,
    Min,
    Sum,
}

/// One aggregate column of the SELECT list.
#[derive(Debug, Clone)]
pub struct Agg {
    pub func: AggFn,
    pub path: Vec<String>,
    pub col: usize,
    /// The alias, or `exprN` as Salesforce names unaliased aggregates.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    In,
    NotIn,
    Always,
}

#[derive(Debug, Clone)]
pub struct Cond {
    pub path: Vec<String>,
    pub col: usize,
    pub op: CmpOp,
    pub values: Vec<Lit>,
}

#[derive(Debug, Clone)]
pub struct OrderKey {
    pub path: Vec<String>,
    pub col: usize,
    pub asc: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    /// Selected field paths (`rel.Field` split on dots) with their columns.
    pub fields: Vec<(Vec<String>, usize)>,
    pub count_only: bool,
    pub aggs: Vec<Agg>,
    pub group_by: Vec<(Vec<String>, usize)>,
    pub object: String,
    pub object_col: usize,
    /// `None`: no WHERE, or one we do not apply.
    pub conditions: Option<Vec<Cond>>,
    pub order: Vec<OrderKey>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

fn caret_error(code: &'static str, text: &str, col: usize, what: &str) -> SoqlError {
    SoqlError {
        code,
        message: format!(
            "\n{text}\n{}^\nERROR at Row:1:Column:{col}\n{what}",
            " ".repeat(col.saturating_sub(1))
        ),
    }
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
            Tok::Other(s) => match s.split_once(':') {
                Some((lit, n)) if lit.eq_ignore_ascii_case("LAST_N_DAYS") => {
                    n.parse().map(Lit::LastNDays).unwrap_or(Lit::Other)
                }
                _ => Lit::Other,
            },
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Lit::Null,
            // Date literals without parameter: TODAY, YESTERDAY, THIS_MONTH...
            Tok::Ident(s) if s.chars().all(|c| c.is_ascii_uppercase() || c == '_') => Lit::Other,
            _ => return Err(self.unexpected()),
        };
        self.pos += 1;
        Ok(lit)
    }

    fn condition(&mut self) -> Result<Cond, SoqlError> {
        let (path, col) = self.path()?;
        let op = match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Op(op)) => {
                self.pos += 1;
                match op.as_str() {
                    "=" => CmpOp::Eq,
                    "!=" | "<>" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                }
            }
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("LIKE") => {
                self.pos += 1;
                CmpOp::Like
            }
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("IN") => {
                self.pos += 1;
                CmpOp::In
            }
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("NOT") => {
                self.pos += 1;
                self.expect_kw("IN")?;
                CmpOp::NotIn
            }
            Some(Tok::Ident(s))
                if s.eq_ignore_ascii_case("INCLUDES") || s.eq_ignore_ascii_case("EXCLUDES") =>
            {
                self.pos += 1;
                CmpOp::Always
            }
            _ => return Err(self.unexpected()),
        };
        let values = if matches!(op, CmpOp::In | CmpOp::NotIn | CmpOp::Always) {
            if self.peek().map(|t| &t.tok) != Some(&Tok::LParen) {
                return Err(self.unexpected());
            }
            self.pos += 1;
            if matches!(self.peek().map(|t| &t.tok), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("SELECT"))
            {
                return Err(self.unsupported("a semi-join subquery"));
            }
            let mut values = vec![self.literal()?];
            loop {
                match self.peek().map(|t| &t.tok) {
                    Some(Tok::Comma) => {
                        self.pos += 1;
                        values.push(self.literal()?);
                    }
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected()),
                }
            }
            values
        } else {
            vec![self.literal()?]
        };
        Ok(Cond {
            path,
            col,
            op,
            values,
        })
    }

    /// Parses WHERE up to the next clause. Returns `None` when the expression is not a
    /// plain conjunction (it is then skipped, after a syntax check of its parentheses).
    fn where_clause(&mut self) -> Result<Option<Vec<Cond>>, SoqlError> {
        let start = self.pos;
        let mut conds = Vec::new();
        let simple = (|| -> Result<(), SoqlError> {
            loop {
                conds.push(self.condition()?);
                if self.is_kw("AND") {
                    self.pos += 1;
                    continue;
                }
                return Ok(());
            }
        })();
        let at_clause_end = self.peek().is_none()
            || CLAUSE_KEYWORDS
                .iter()
                .any(|k| k != &"WHERE" && self.is_kw(k));
        if simple.is_ok() && at_clause_end {
            return Ok(Some(conds));
        }
        // Not a plain conjunction: skip to the next clause, checking parentheses.
        self.pos = start;
        let mut depth = 0i32;
        let mut any = false;
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth -= 1;
                    if depth < 0 {
                        return Err(self.unexpected());
                    }
                }
                Tok::Ident(s)
                    if depth == 0
                        && CLAUSE_KEYWORDS
                            .iter()
                            .any(|k| *k != "WHERE" && k.eq_ignore_ascii_case(s)) =>
                {
                    break
                }
                _ => {}
            }
            any = true;
            self.pos += 1;
        }
        if depth != 0 || !any {
            return Err(self.unexpected());
        }
        Ok(None)
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
                    "COUNT_DISTINCT" => AggFn::CountDistinct,
                    "MAX" => AggFn::Max,
                    "MIN" => AggFn::Min,
                    "SUM" => AggFn::Sum,
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
        object_col,
        conditions: None,
        order: Vec::new(),
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
        p.pos += 1;
        p.expect_kw("BY")?;
        loop {
            let (path, col) = p.path()?;
            let mut asc = true;
            if p.is_kw("ASC") {
                p.pos += 1;
            } else if p.is_kw("DESC") {
                p.pos += 1;
                asc = false;
            }
            // SOQL default: nulls first ascending, last descending.
            let mut nulls_first = asc;
            if p.is_kw("NULLS") {
                p.pos += 1;
                if p.is_kw("FIRST") {
                    nulls_first = true;
                } else if p.is_kw("LAST") {
                    nulls_first = false;
                } else {
                    return Err(p.unexpected());
                }
                p.pos += 1;
            }
            q.order.push(OrderKey {
                path,
                col,
                asc,
                nulls_first,
            });
            if matches!(p.peek().map(|t| &t.tok), Some(Tok::Comma)) {
                p.pos += 1;
                continue;
            }
            break;
        }
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

/// Case-insensitive key lookup; returns the record's own spelling of the key.
fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<(&'a String, &'a Value)> {
    m.get_key_value(key)
        .or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
}

fn value_at<'a>(record: &'a Value, path: &[String]) -> &'a Value {
    let mut v = record;
    for seg in path {
        match v {
            Value::Object(m) => match get_ci(m, seg) {
                Some((_, next)) => v = next,
                None => return &Value::Null,
            },
            _ => return &Value::Null,
        }
    }
    v
}

fn no_such_column(q: &Query, obj: &SObject, path: &[String], col: usize) -> SoqlError {
    let what = if path.len() > 1 {
        format!(
            "Didn't understand relationship '{}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
            path[0]
        )
    } else {
        format!(
            "No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            path[0], obj.name
        )
    };
    caret_error("INVALID_FIELD", &q.text, col, &what)
}

fn check_field(q: &Query, obj: &SObject, path: &[String], col: usize) -> Result<(), SoqlError> {
    if obj.fields.is_empty() || obj.field(&path[0]).is_some() {
        Ok(())
    } else {
        Err(no_such_column(q, obj, path, col))
    }
}

fn like(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    // dp[j]: pattern[..i] matches value[..j]
    let mut dp = vec![false; v.len() + 1];
    dp[0] = true;
    for pc in &p {
        let mut next = vec![false; v.len() + 1];
        if *pc == '%' {
            let mut any = false;
            for j in 0..=v.len() {
                any |= dp[j];
                next[j] = any;
            }
        } else {
            for j in 1..=v.len() {
                next[j] = dp[j - 1] && (*pc == '_' || *pc == v[j - 1]);
            }
        }
        dp = next;
    }
    dp[v.len()]
}

fn lit_eq(lit: &Lit, v: &Value) -> Option<bool> {
    Some(match (lit, v) {
        (Lit::Other | Lit::LastNDays(_), _) => return None,
        (Lit::Null, v) => v.is_null(),
        (_, Value::Null) => false,
        (Lit::Str(s), Value::String(t)) => s.eq_ignore_ascii_case(t),
        (Lit::Num(n), Value::Number(m)) => m.as_f64() == Some(*n),
        (Lit::Bool(b), Value::Bool(c)) => b == c,
        (Lit::Str(s), other) => s.eq_ignore_ascii_case(&other.to_string()),
        _ => false,
    })
}

fn lit_cmp(lit: &Lit, v: &Value) -> Option<Ordering> {
    match (lit, v) {
        (Lit::Num(n), Value::Number(m)) => m.as_f64()?.partial_cmp(n),
        (Lit::Str(s), Value::String(t)) => Some(t.to_lowercase().cmp(&s.to_lowercase())),
        _ => None,
    }
}

/// A Salesforce dateTime (`2026-11-02T10:15:00.000+0000`), RFC 3339, or a date.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(d.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// `LAST_N_DAYS:n`: from 00:00 n days before today up to the end of today (UTC).
pub fn in_last_n_days(v: &Value, n: u32, now: DateTime<Utc>) -> bool {
    let Some(t) = v.as_str().and_then(parse_datetime) else {
        return false;
    };
    let today = now.date_naive();
    let start = (today - chrono::Days::new(u64::from(n)))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let end = (today + chrono::Days::new(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    t >= start && t < end
}

fn matches(cond: &Cond, record: &Value, now: DateTime<Utc>) -> bool {
    let v = value_at(record, &cond.path);
    let first = &cond.values[0];
    match (cond.op, first) {
        (CmpOp::Eq, Lit::LastNDays(n)) => return in_last_n_days(v, *n, now),
        (CmpOp::Ne, Lit::LastNDays(n)) => return !in_last_n_days(v, *n, now),
        _ => {}
    }
    match cond.op {
        CmpOp::Always => true,
        CmpOp::Eq => lit_eq(first, v).unwrap_or(true),
        CmpOp::Ne => lit_eq(first, v).map(|b| !b).unwrap_or(true),
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
            if matches!(first, Lit::Other | Lit::LastNDays(_)) {
                return true;
            }
            match lit_cmp(first, v) {
                None => false,
                Some(o) => match cond.op {
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                },
            }
        }
        CmpOp::Like => match (first, v) {
            (Lit::Str(p), Value::String(s)) => like(p, s),
            _ => false,
        },
        CmpOp::In => cond.values.iter().any(|l| lit_eq(l, v).unwrap_or(true)),
        CmpOp::NotIn => cond.values.iter().all(|l| lit_eq(l, v) != Some(true)),
    }
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

fn record_url(api_base: &str, object: &str, record: &Map<String, Value>) -> Option<String> {
    match get_ci(record, "Id") {
        Some((_, Value::String(id))) => Some(format!("{api_base}/sobjects/{object}/{id}")),
        _ => None,
    }
}

fn attributes(ty: &str, url: Option<String>) -> Value {
    let mut a = Map::new();
    a.insert("type".into(), Value::String(ty.to_string()));
    if let Some(u) = url {
        a.insert("url".into(), Value::String(u));
    }
    Value::Object(a)
}

/// Builds the selected fields of one record, relationship paths as nested objects.
fn project(q: &Query, obj: &SObject, api_base: &str, record: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        attributes(&obj.name, record_url(api_base, &obj.name, record)),
    );
    for (path, _) in &q.fields {
        insert_path(&mut out, record, path, api_base);
    }
    Value::Object(out)
}

fn insert_path(
    out: &mut Map<String, Value>,
    record: &Map<String, Value>,
    path: &[String],
    api_base: &str,
) {
    let (key, value) = match get_ci(record, &path[0]) {
        Some((k, v)) => (k.clone(), v),
        None => (path[0].clone(), &Value::Null),
    };
    if path.len() == 1 {
        out.insert(key, value.clone());
        return;
    }
    let Value::Object(related) = value else {
        out.insert(key, Value::Null);
        return;
    };
    let entry = out.entry(key.clone()).or_insert_with(|| {
        let ty = related
            .get("attributes")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| match key.strip_suffix("__r") {
                Some(base) => format!("{base}__c"),
                None => key.clone(),
            });
        let mut m = Map::new();
        m.insert(
            "attributes".into(),
            attributes(&ty, record_url(api_base, &ty, related)),
        );
        Value::Object(m)
    });
    if let Value::Object(m) = entry {
        insert_path(m, related, &path[1..], api_base);
    }
}

impl Query {
    /// Uses aggregate functions or GROUP BY (`COUNT()` alone is a plain count query).
    pub fn is_aggregate(&self) -> bool {
        !self.aggs.is_empty() || !self.group_by.is_empty()
    }
}

/// Runs a parsed query over an object. `api_base` is `/services/data/vNN.0` (or
/// `.../tooling`) for the records' `attributes.url`; `now` is the org's clock for
/// `LAST_N_DAYS`. Returns all rows (paging is the caller's job) and, for `COUNT()`, no
/// rows and the count.
pub fn execute(
    q: &Query,
    obj: &SObject,
    api_base: &str,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<Value>), SoqlError> {
    for (path, col) in q.fields.iter().chain(&q.group_by) {
        check_field(q, obj, path, *col)?;
    }
    for a in &q.aggs {
        check_field(q, obj, &a.path, a.col)?;
    }
    for c in q.conditions.iter().flatten() {
        check_field(q, obj, &c.path, c.col)?;
    }
    for o in &q.order {
        check_field(q, obj, &o.path, o.col)?;
    }
    let mut rows: Vec<&Value> = obj
        .records
        .iter()
        .filter(|r| q.conditions.iter().flatten().all(|c| matches(c, r, now)))
        .collect();
    if q.is_aggregate() {
        return aggregate(q, obj, &rows);
    }
    if !q.order.is_empty() {
        rows.sort_by(|a, b| {
            for k in &q.order {
                let (x, y) = (value_at(a, &k.path), value_at(b, &k.path));
                let o = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) if k.nulls_first => Ordering::Less,
                    (true, false) => Ordering::Greater,
                    (false, true) if k.nulls_first => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ if k.asc => cmp_values(x, y),
                    _ => cmp_values(y, x),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let rows: Vec<&Value> = rows
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(q.limit.unwrap_or(usize::MAX))
        .collect();
    if q.count_only {
        return Ok((rows.len(), Vec::new()));
    }
    let out: Vec<Value> = rows
        .into_iter()
        .map(|r| match r {
            Value::Object(m) => project(q, obj, api_base, m),
            _ => Value::Null,
        })
        .collect();
    Ok((out.len(), out))
}

/// GROUP BY and aggregate functions: one `AggregateResult` per group (one in all without
/// GROUP BY), groups in order of first appearance.
fn aggregate(q: &Query, obj: &SObject, rows: &[&Value]) -> Result<(usize, Vec<Value>), SoqlError> {
    // Like a real org: every plain field must be grouped, and the object must allow it.
    for (path, col) in &q.fields {
        if !q.group_by.iter().any(|(g, _)| eq_path(g, path)) {
            return Err(caret_error(
                "MALFORMED_QUERY",
                &q.text,
                *col,
                &format!("Field must be grouped or aggregated: {}", path.join(".")),
            ));
        }
    }
    if !obj.aggregatable {
        let (what, col) = match (q.aggs.first(), q.group_by.first()) {
            (Some(a), _) => (a.path.join("."), a.col),
            (None, Some((g, col))) => (g.join("."), *col),
            _ => unreachable!("an aggregate query has an aggregate or a group"),
        };
        return Err(caret_error(
            "INVALID_FIELD",
            &q.text,
            col,
            &format!("field '{what}' can not be grouped or aggregated in a query call"),
        ));
    }
    let mut groups: Vec<(Vec<Value>, Vec<&Value>)> = Vec::new();
    for r in rows {
        let key: Vec<Value> = q
            .group_by
            .iter()
            .map(|(g, _)| value_at(r, g).clone())
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    if q.group_by.is_empty() && groups.is_empty() {
        groups.push((Vec::new(), Vec::new()));
    }
    let out: Vec<Value> = groups
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(q.limit.unwrap_or(usize::MAX))
        .map(|(key, members)| {
            let mut m = Map::new();
            m.insert("attributes".into(), attributes("AggregateResult", None));
            for ((g, _), v) in q.group_by.iter().zip(key) {
                if q.fields.iter().any(|(f, _)| eq_path(f, g)) {
                    m.insert(g.last().cloned().unwrap_or_default(), v);
                }
            }
            for a in &q.aggs {
                let values: Vec<&Value> = members
                    .iter()
                    .map(|r| value_at(r, &a.path))
                    .filter(|v| !v.is_null())
                    .collect();
                let v = match a.func {
                    AggFn::Count => Value::from(values.len()),
                    AggFn::CountDistinct => {
                        let mut seen: Vec<&Value> = Vec::new();
                        for v in values {
                            if !seen.contains(&v) {
                                seen.push(v);
                            }
                        }
                        Value::from(seen.len())
                    }
                    AggFn::Max => values
                        .into_iter()
                        .max_by(|a, b| cmp_values(a, b))
                        .cloned()
                        .unwrap_or(Value::Null),
                    AggFn::Min => values
                        .into_iter()
                        .min_by(|a, b| cmp_values(a, b))
                        .cloned()
                        .unwrap_or(Value::Null),
                    AggFn::Sum if values.is_empty() => Value::Null,
                    AggFn::Sum => {
                        Value::from(values.iter().filter_map(|v| v.as_f64()).sum::<f64>())
                    }
                };
                m.insert(a.name.clone(), v);
            }
            Value::Object(m)
        })
        .collect();
    Ok((out.len(), out))
}

fn eq_path(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(records: Vec<Value>) -> SObject {
        let mut fields = Vec::new();
        for r in &records {
            for k in r.as_object().unwrap().keys() {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
        }
        SObject {
            name: "Thing".into(),
            fields,
            records,
            tooling_only: false,
            aggregatable: true,
        }
    }

    fn now() -> DateTime<Utc> {
        parse_datetime("2026-11-21T00:00:00Z").unwrap()
    }

    #[test]
    fn aggregates_group_and_name_columns_expr_n() {
        let o = obj(vec![
            json!({"Id": "1", "App": "A", "Sub": "OauthWebServer", "T": "2026-11-01T10:00:00.000+0000"}),
            json!({"Id": "2", "App": "A", "Sub": "OauthWebServer", "T": "2026-11-03T10:00:00.000+0000"}),
            json!({"Id": "3", "App": "B", "Sub": null, "T": "2026-11-02T10:00:00.000+0000"}),
            json!({"Id": "4", "App": "A", "Sub": "OauthWebServer", "T": "2026-01-02T10:00:00.000+0000"}),
        ]);
        let q = parse("SELECT App, Sub, COUNT(Id), MAX(T) FROM Thing WHERE T = LAST_N_DAYS:90 GROUP BY App, Sub").unwrap();
        assert!(q.is_aggregate());
        let (n, rows) = execute(&q, &o, "", now()).unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            rows[0],
            json!({"attributes": {"type": "AggregateResult"}, "App": "A", "Sub": "OauthWebServer", "expr0": 2, "expr1": "2026-11-03T10:00:00.000+0000"})
        );
        assert_eq!(rows[1]["Sub"], Value::Null);
        let q = parse("SELECT COUNT(Id) total, MIN(T) FROM Thing").unwrap();
        let (_, rows) = execute(&q, &o, "", now()).unwrap();
        assert_eq!(rows[0]["total"], 4);
        assert_eq!(rows[0]["expr0"], "2026-01-02T10:00:00.000+0000");
        let e = execute(
            &parse("SELECT App, COUNT(Id) FROM Thing").unwrap(),
            &o,
            "",
            now(),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("Field must be grouped or aggregated: App"),
            "{}",
            e.message
        );
        let mut tokens = obj(vec![json!({"AppName": "A"})]);
        tokens.aggregatable = false;
        let e = execute(
            &parse("SELECT AppName, COUNT(AppName) FROM Thing GROUP BY AppName").unwrap(),
            &tokens,
            "",
            now(),
        )
        .unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
    }

    #[test]
    fn parses_and_filters() {
        let o = obj(vec![
            json!({"Id": "a1", "Name": "Alpha", "N": 3, "User": {"Username": "u1@x"}, "CreatedDate": "2026-01-01T00:00:00.000+0000"}),
            json!({"Id": "a2", "Name": "beta", "N": 1, "User": null}),
            json!({"Id": "a3", "Name": "Gamma", "N": 2, "User": {"Username": "u3@x"}}),
        ]);
        let q = parse("select id, name, user.username from thing where N >= 2 and Name like 'a%' order by N desc").unwrap();
        let (n, rows) = execute(&q, &o, "/services/data/v66.0", now()).unwrap();
        assert_eq!(n, 1);
        assert_eq!(rows[0]["Id"], "a1");
        assert_eq!(rows[0]["User"]["Username"], "u1@x");
        assert_eq!(
            rows[0]["attributes"]["url"],
            "/services/data/v66.0/sobjects/Thing/a1"
        );
        let q = parse(
            "SELECT Name FROM Thing WHERE Name IN ('BETA','gamma') ORDER BY Name LIMIT 1 OFFSET 1",
        )
        .unwrap();
        let (_, rows) = execute(&q, &o, "", now()).unwrap();
        assert_eq!(rows[0]["Name"], "Gamma");
        let q = parse("SELECT COUNT() FROM Thing WHERE CreatedDate = LAST_N_DAYS:30").unwrap();
        assert_eq!(
            execute(&q, &o, "", now()).unwrap(),
            (0, vec![]),
            "January is not in the last 30 days"
        );
        let q = parse("SELECT COUNT() FROM Thing WHERE CreatedDate = LAST_N_DAYS:400").unwrap();
        assert_eq!(execute(&q, &o, "", now()).unwrap(), (1, vec![]));
        let q = parse("SELECT COUNT() FROM Thing WHERE CreatedDate > LAST_N_DAYS:30").unwrap();
        assert_eq!(
            execute(&q, &o, "", now()).unwrap().0,
            3,
            "only = is evaluated"
        );
        let q = parse("SELECT Id FROM Thing WHERE (N = 1 OR N = 2)").unwrap();
        assert_eq!(
            execute(&q, &o, "", now()).unwrap().0,
            3,
            "OR is not applied"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse("SELECT FROM X").unwrap_err().code, "MALFORMED_QUERY");
        assert_eq!(parse("SELECT Id X").unwrap_err().code, "MALFORMED_QUERY");
        assert_eq!(
            parse("SELECT Id FROM X LIMIT").unwrap_err().code,
            "MALFORMED_QUERY"
        );
        assert_eq!(
            parse("SELECT AVG(N) FROM X").unwrap_err().code,
            "MALFORMED_QUERY"
        );
        assert_eq!(
            parse("SELECT Id FROM X GROUP BY Id HAVING COUNT(Id) > 1")
                .unwrap_err()
                .code,
            "MALFORMED_QUERY"
        );
        let o = obj(vec![json!({"Id": "a1"})]);
        let e = execute(&parse("SELECT Id, Nope FROM Thing").unwrap(), &o, "", now()).unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
        assert!(
            e.message
                .contains("No such column 'Nope' on entity 'Thing'"),
            "{}",
            e.message
        );
        assert!(e.message.contains("Column:12"), "{}", e.message);
    }

    #[test]
    fn like_patterns() {
        assert!(like("a%", "Abc"));
        assert!(like("%b_", "abc"));
        assert!(!like("a_", "abc"));
    }
}
