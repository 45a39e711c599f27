//! `GET .../query?q=...&columns=true`: the query's columns instead of its rows, which the
//! Salesforce CLI asks for after every `sf data query` that returns rows
//! (@salesforce/plugin-data `retrieveColumns`: `.../query?q=<soql>&columns=true`, then
//! `ensureJsonArray(results.columnMetadata)`). Shape, as plugin-data's own fixtures record
//! a real org's answers (salesforcecli/plugin-data test/test-files/queryFields.exemplars.ts):
//! each column has `aggregate`, `apexType`, `booleanType`, `columnName`, `custom`,
//! `displayName`, `foreignKeyName`, `insertable`, `joinColumns`, `numberType`, `textType`,
//! `updatable`; a relationship path is one column named after the relationship, with its
//! `foreignKeyName` (`OwnerId`) and the related fields in `joinColumns`; an aggregate is
//! `aggregate: true`, `columnName` its alias or `exprN`, `displayName` the lower-cased
//! call (`avg(Amount)`), `apexType: null`. Beside `columnMetadata` the answer names
//! `entityName`, `groupBy`, `idSelected` and `keyPrefix`.
//!
//! Every object the test org serves is read-only (`insertable`/`updatable` false, as the
//! describe says). `SELECT COUNT()` has no columns.

use super::*;

/// One plain column of a field whose describe type is `ty`.
fn column(name: &str, ty: &str) -> Value {
    let apex = match ty {
        "id" | "reference" => "Id",
        "datetime" => "Datetime",
        "date" => "Date",
        "int" => "Integer",
        "double" => "Double",
        "boolean" => "Boolean",
        _ => "String",
    };
    let mut c = flags(name, name, ty);
    c.insert("apexType".into(), Value::String(apex.into()));
    Value::Object(c)
}

/// Every key of a column, `apexType` null, `joinColumns` empty.
fn flags(column_name: &str, display: &str, ty: &str) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("aggregate".into(), Value::Bool(false));
    c.insert("apexType".into(), Value::Null);
    c.insert("booleanType".into(), Value::Bool(ty == "boolean"));
    c.insert("columnName".into(), Value::String(column_name.into()));
    c.insert("custom".into(), Value::Bool(column_name.ends_with("__c")));
    c.insert("displayName".into(), Value::String(display.into()));
    c.insert("foreignKeyName".into(), Value::Null);
    c.insert("insertable".into(), Value::Bool(false));
    c.insert("joinColumns".into(), Value::Array(Vec::new()));
    c.insert(
        "numberType".into(),
        Value::Bool(matches!(ty, "int" | "double")),
    );
    c.insert(
        "textType".into(),
        Value::Bool(matches!(ty, "string" | "picklist" | "url" | "textarea")),
    );
    c.insert("updatable".into(), Value::Bool(false));
    c
}

/// The column of `path` on `object`: a field, or a relationship joining the rest.
fn path_column(object: &str, obj: Option<&SObject>, path: &[String]) -> Value {
    let name = obj
        .and_then(|o| o.field(&path[0]))
        .map_or_else(|| path[0].clone(), String::from);
    if path.len() == 1 {
        return column(&name, super::super::describe::field_type(object, &name).0);
    }
    let mut c = flags(&name, &name, "reference");
    let key = match name.strip_suffix("__r") {
        Some(base) => format!("{base}__c"),
        None => format!("{name}Id"),
    };
    c.insert("foreignKeyName".into(), Value::String(key));
    // The related object is not served: its fields are typed by name alone.
    c.insert(
        "joinColumns".into(),
        Value::Array(vec![path_column("", None, &path[1..])]),
    );
    Value::Object(c)
}

/// Adds `col` to `cols`, merging a relationship into the column already joining it.
fn push(cols: &mut Vec<Value>, col: Value) {
    let joins = |v: &Value| v["joinColumns"].as_array().is_some_and(|j| !j.is_empty());
    if joins(&col) {
        if let Some(Value::Object(prev)) = cols.iter_mut().find(|p| {
            joins(p)
                && p["columnName"]
                    .as_str()
                    .zip(col["columnName"].as_str())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        }) {
            if let (Some(Value::Array(into)), Some(Value::Array(from))) =
                (prev.get_mut("joinColumns"), col.get("joinColumns"))
            {
                for f in from {
                    push(into, f.clone());
                }
            }
            return;
        }
    }
    cols.push(col);
}

/// The `columns=true` answer for a query that `execute` accepted.
pub fn column_metadata(q: &Query, obj: &SObject) -> Value {
    let mut cols = Vec::new();
    if !q.count_only {
        // Fields and aggregates in SELECT order.
        let mut items: Vec<(usize, Value)> = q
            .fields
            .iter()
            .map(|(path, col)| (*col, path_column(&obj.name, Some(obj), path)))
            .collect();
        for a in &q.aggs {
            let func = match a.func {
                AggFn::Count => "count",
                AggFn::Min => "min",
                AggFn::Max => "max",
            };
            let ty = match a.func {
                AggFn::Count => "int",
                AggFn::Min | AggFn::Max if a.path.len() == 1 => {
                    let f = obj.field(&a.path[0]).unwrap_or(&a.path[0]);
                    super::super::describe::field_type(&obj.name, f).0
                }
                AggFn::Min | AggFn::Max => "string",
            };
            let mut c = flags(&a.name, &format!("{func}({})", a.path.join(".")), ty);
            c.insert("aggregate".into(), Value::Bool(true));
            items.push((a.col, Value::Object(c)));
        }
        items.sort_by_key(|(col, _)| *col);
        for (_, c) in items {
            push(&mut cols, c);
        }
    }
    let id_selected = q
        .fields
        .iter()
        .any(|(p, _)| p.len() == 1 && p[0].eq_ignore_ascii_case("Id"));
    serde_json::json!({
        "columnMetadata": cols,
        "entityName": obj.name,
        "groupBy": !q.group_by.is_empty(),
        "idSelected": id_selected,
        "keyPrefix": super::super::describe::key_prefix(&obj.name),
    })
}
