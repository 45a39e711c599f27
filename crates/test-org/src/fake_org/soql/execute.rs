//! A parsed query run over an object's records: WHERE, LIMIT and OFFSET, the selected
//! fields, and GROUP BY with the aggregates.

use super::*;
use std::collections::HashMap;

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

fn lit_eq(lit: &Lit, v: &Value) -> bool {
    match (lit, v) {
        (Lit::Null, v) => v.is_null(),
        (_, Value::Null) => false,
        (Lit::Str(s), Value::String(t)) => s.eq_ignore_ascii_case(t),
        (Lit::Num(n), Value::Number(m)) => m.as_f64() == Some(*n),
        (Lit::Bool(b), Value::Bool(c)) => b == c,
        (Lit::Str(s), other) => s.eq_ignore_ascii_case(&other.to_string()),
        _ => false,
    }
}

/// `value op literal`. A date literal is a range: `=` is inside it, `<` before its start,
/// `>` after its end, `<=` up to its end, `>=` from its start (SOQL and SOSL Reference,
/// Date Formats and Date Literals; see [`super::dates`]). A null never compares.
fn matches(c: &Cond, v: &Value, clock: Clock) -> bool {
    let ord = |o: Ordering| match c.op {
        Op::Eq => o == Ordering::Equal,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
    };
    match (&c.value, v) {
        (Lit::Date(d), v) => {
            let Some(t) = v.as_str().and_then(parse_datetime) else {
                return false;
            };
            let (start, end) = d.range(clock);
            match c.op {
                Op::Eq => t >= start && t < end,
                Op::Lt => t < start,
                Op::Le => t < end,
                Op::Gt => t >= end,
                Op::Ge => t >= start,
            }
        }
        (Lit::DateTime(lit), v) => v
            .as_str()
            .and_then(parse_datetime)
            .is_some_and(|t| ord(t.cmp(lit))),
        (Lit::Num(n), Value::Number(m)) if c.op != Op::Eq => {
            m.as_f64().and_then(|m| m.partial_cmp(n)).is_some_and(ord)
        }
        (lit, v) => c.op == Op::Eq && lit_eq(lit, v),
    }
}

/// A Salesforce dateTime (`2026-11-02T10:15:00.000+0000`), RFC 3339, or a date.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    // The form every stored record uses, read without the general parser: a
    // LoginHistory aggregate compares each row's time several times.
    if let Some(d) = rest_datetime(s) {
        return Some(d);
    }
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

/// `2026-11-02T10:15:00.000+0000` exactly (the REST API's form, UTC); anything else,
/// or a field out of range, is left to the general parser.
fn rest_datetime(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 28 || !s.ends_with("+0000") {
        return None;
    }
    let shape = b"dddd-dd-ddTdd:dd:dd.ddd";
    let fits = shape.iter().zip(b).all(|(want, got)| match want {
        b'd' => got.is_ascii_digit(),
        other => other == got,
    });
    if !fits {
        return None;
    }
    let n = |from: usize, to: usize| s[from..to].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(5, 7)?, n(8, 10)?)?;
    let time =
        chrono::NaiveTime::from_hms_milli_opt(n(11, 13)?, n(14, 16)?, n(17, 19)?, n(20, 23)?)?;
    Some(date.and_time(time).and_utc())
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        // dateTimes by instant, whatever offset each is written with.
        (Value::String(x), Value::String(y))
            if parse_datetime(x).is_some() && parse_datetime(y).is_some() =>
        {
            parse_datetime(x).cmp(&parse_datetime(y))
        }
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

/// A field's type: the describe's, or, for a name the describe only knows as text, what
/// the records hold (objects given through `Config::sobjects` name their own fields).
fn field_kind(obj: &SObject, field: &str) -> &'static str {
    let ty = super::super::describe::field_type(&obj.name, field).0;
    if ty != "string" {
        return ty;
    }
    let held = obj
        .records
        .iter()
        .map(|r| value_at(r, std::slice::from_ref(&field.to_string())).clone())
        .find(|v| !v.is_null());
    match held {
        Some(Value::Number(_)) => "double",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::String(s)) if s.contains('T') && parse_datetime(&s).is_some() => "datetime",
        _ => ty,
    }
}

/// A literal of the wrong type for its field, answered as a real org answers it: a quoted
/// dateTime or number is a string (the text as clients quote dates: jpmonette/q#25,
/// django-salesforce#10), and an unquoted value against a text field is not one. Only for
/// fields the object declares (the served evidence objects).
fn type_check(q: &Query, obj: &SObject, c: &Cond) -> Result<(), SoqlError> {
    let Some(field) = obj.field(&c.path[0]).filter(|_| c.path.len() == 1) else {
        return Ok(());
    };
    let ty = field_kind(obj, field);
    // (the type's name in the message, whether a literal of it is quoted)
    let (want, quoted) = match ty {
        "datetime" => ("dateTime", false),
        "date" => ("date", false),
        "int" => ("integer", false),
        "double" => ("double", false),
        "boolean" => ("boolean", false),
        _ => ("string", true),
    };
    let fits = match &c.value {
        Lit::Null => true,
        Lit::Str(_) => quoted,
        Lit::Num(_) => matches!(want, "integer" | "double"),
        Lit::Bool(_) => want == "boolean",
        Lit::DateTime(_) | Lit::Date(_) => want == "dateTime" || want == "date",
    };
    if fits {
        return Ok(());
    }
    let should = if quoted { "should" } else { "should not" };
    Err(caret_error(
        "INVALID_FIELD",
        &q.text,
        c.col,
        &format!("value of filter criterion for field '{field}' must be of type {want} and {should} be enclosed in quotes"),
    ))
}

/// Runs a parsed query over an object. `api_base` is `/services/data/vNN.0` (or
/// `.../tooling`) for the records' `attributes.url`; `clock` is the org's clock and the
/// user's time zone, for date literals. Returns all rows (paging is the caller's job) and, for `COUNT()`, no
/// rows and the count.
pub fn execute(
    q: &Query,
    obj: &SObject,
    api_base: &str,
    clock: Clock,
) -> Result<(usize, Vec<Value>), SoqlError> {
    for (path, col) in q.fields.iter().chain(&q.group_by) {
        check_field(q, obj, path, *col)?;
    }
    for a in &q.aggs {
        check_field(q, obj, &a.path, a.col)?;
    }
    for c in &q.conditions {
        check_field(q, obj, &c.path, c.col)?;
        if let Some(f) = obj
            .unfilterable
            .iter()
            .find(|f| c.path.len() == 1 && f.eq_ignore_ascii_case(&c.path[0]))
        {
            // The answer a real org gives for a field that is not filterable.
            return Err(caret_error(
                "INVALID_FIELD",
                &q.text,
                c.col,
                &format!("field '{f}' can not be filtered in query call"),
            ));
        }
        type_check(q, obj, c)?;
        if c.op != Op::Eq && matches!(c.value, Lit::Str(_)) {
            return Err(caret_error(
                "MALFORMED_QUERY",
                &q.text,
                c.col,
                "an ordering comparison on a string is not supported by the fake org",
            ));
        }
    }
    let rows: Vec<&Value> = obj
        .records
        .iter()
        .filter(|r| {
            q.conditions
                .iter()
                .all(|c| matches(c, value_at(r, &c.path), clock))
        })
        .collect();
    if q.is_aggregate() {
        return aggregate(q, obj, &rows);
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
    // Keys of texts, nulls and booleans are hashed (the same equality); any other key
    // is compared with each group, as before.
    let mut index: HashMap<Vec<Plain>, usize> = HashMap::new();
    for r in rows {
        let key: Vec<&Value> = q.group_by.iter().map(|(g, _)| value_at(r, g)).collect();
        let plain: Option<Vec<Plain>> = key.iter().map(|v| Plain::of(v)).collect();
        let found = match &plain {
            Some(p) => index.get(p).copied(),
            None => groups
                .iter()
                .position(|(k, _)| k.iter().eq(key.iter().copied())),
        };
        match found {
            Some(i) => groups[i].1.push(r),
            None => {
                if let Some(p) = plain {
                    index.insert(p, groups.len());
                }
                groups.push((key.into_iter().cloned().collect(), vec![r]));
            }
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
                let times = match a.func {
                    AggFn::Count => None,
                    AggFn::Min | AggFn::Max => datetimes(&values),
                };
                // With dateTimes only, the same pick as `cmp_values` makes (the first
                // least, the last greatest), each parsed once.
                let at = |i: Option<usize>| i.map_or(Value::Null, |i| values[i].clone());
                let v = match (a.func, times) {
                    (AggFn::Count, _) => Value::from(values.len()),
                    (AggFn::Min, Some(t)) => at((0..t.len()).min_by_key(|&i| t[i])),
                    (AggFn::Max, Some(t)) => at((0..t.len()).max_by_key(|&i| t[i])),
                    (AggFn::Min, None) => values
                        .iter()
                        .min_by(|a, b| cmp_values(a, b))
                        .map_or(Value::Null, |v| (*v).clone()),
                    (AggFn::Max, None) => values
                        .iter()
                        .max_by(|a, b| cmp_values(a, b))
                        .map_or(Value::Null, |v| (*v).clone()),
                };
                m.insert(a.name.clone(), v);
            }
            Value::Object(m)
        })
        .collect();
    if out.len() > AGGREGATE_BATCH {
        return Err(SoqlError {
            code: "EXCEEDED_ID_LIMIT",
            message: "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch".into(),
        });
    }
    Ok((out.len(), out))
}

/// A grouped value that can be hashed: equal exactly when the JSON values are.
#[derive(PartialEq, Eq, Hash)]
enum Plain<'a> {
    Text(&'a str),
    Null,
    Bool(bool),
}

impl Plain<'_> {
    fn of(v: &Value) -> Option<Plain<'_>> {
        match v {
            Value::String(s) => Some(Plain::Text(s)),
            Value::Null => Some(Plain::Null),
            Value::Bool(b) => Some(Plain::Bool(*b)),
            _ => None,
        }
    }
}

/// Every value as a dateTime, when every one is a text that reads as one.
fn datetimes(values: &[&Value]) -> Option<Vec<DateTime<Utc>>> {
    values
        .iter()
        .map(|v| v.as_str().and_then(parse_datetime))
        .collect()
}

fn eq_path(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}
