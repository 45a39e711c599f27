use super::execute::parse_datetime;
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
    let q = parse(
        "SELECT App, Sub, COUNT(Id), MAX(T) FROM Thing WHERE T = LAST_N_DAYS:90 GROUP BY App, Sub",
    )
    .unwrap();
    assert!(q.is_aggregate());
    let (n, rows) = execute(&q, &o, "", now()).unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        rows[0],
        json!({"attributes": {"type": "AggregateResult"}, "App": "A", "Sub": "OauthWebServer", "expr0": 2, "expr1": "2026-11-03T10:00:00.000+0000"})
    );
    assert_eq!(rows[1]["Sub"], Value::Null);
    let q = parse("SELECT COUNT(Id) total, MAX(T) FROM Thing").unwrap();
    let (_, rows) = execute(&q, &o, "", now()).unwrap();
    assert_eq!(rows[0]["total"], 4);
    assert_eq!(rows[0]["expr0"], "2026-11-03T10:00:00.000+0000");
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
    let q =
        parse("select id, name, user.username from thing where N = 3 and Name = 'ALPHA'").unwrap();
    let (n, rows) = execute(&q, &o, "/services/data/v66.0", now()).unwrap();
    assert_eq!(n, 1);
    assert_eq!(rows[0]["Id"], "a1");
    assert_eq!(rows[0]["User"]["Username"], "u1@x");
    assert_eq!(
        rows[0]["attributes"]["url"],
        "/services/data/v66.0/sobjects/Thing/a1"
    );
    let q = parse("SELECT Name FROM Thing LIMIT 1 OFFSET 1").unwrap();
    let (_, rows) = execute(&q, &o, "", now()).unwrap();
    assert_eq!(
        rows,
        [json!({"attributes": {"type": "Thing", "url": "/sobjects/Thing/a2"}, "Name": "beta"})]
    );
    let q = parse("SELECT Id FROM Thing WHERE User = null").unwrap();
    assert_eq!(execute(&q, &o, "", now()).unwrap().0, 1);
    let q = parse("SELECT COUNT() FROM Thing WHERE CreatedDate = LAST_N_DAYS:30").unwrap();
    assert_eq!(
        execute(&q, &o, "", now()).unwrap(),
        (0, vec![]),
        "January is not in the last 30 days"
    );
    let q = parse("SELECT COUNT() FROM Thing WHERE CreatedDate = LAST_N_DAYS:400").unwrap();
    assert_eq!(execute(&q, &o, "", now()).unwrap(), (1, vec![]));
}

/// What no client sends is refused, never answered as if it had been applied.
#[test]
fn refuses_what_no_client_sends() {
    for soql in [
        "SELECT Id FROM X WHERE N > 1",
        "SELECT Id FROM X WHERE Name LIKE 'a%'",
        "SELECT Id FROM X WHERE Name IN ('a')",
        "SELECT Id FROM X WHERE (N = 1 OR N = 2)",
        "SELECT Id FROM X WHERE N = 1 OR N = 2",
        "SELECT Id FROM X WHERE T = TODAY",
        "SELECT Id FROM X ORDER BY Id",
        "SELECT MIN(N) FROM X",
    ] {
        let e = parse(soql).unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY", "{soql}");
        assert!(e.message.contains("not supported"), "{soql}: {}", e.message);
    }
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
