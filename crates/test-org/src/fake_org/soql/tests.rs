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
        unfilterable: Vec::new(),
    }
}

fn now() -> Clock {
    Clock::utc(parse_datetime("2026-11-21T00:00:00Z").unwrap())
}

#[test]
fn aggregates_group_and_name_columns_expr_n() {
    let o = obj(vec![
        json!({"Id": "1", "App": "A", "Sub": "OauthWebServer", "LoginTime": "2026-11-01T10:00:00.000+0000"}),
        json!({"Id": "2", "App": "A", "Sub": "OauthWebServer", "LoginTime": "2026-11-03T10:00:00.000+0000"}),
        json!({"Id": "3", "App": "B", "Sub": null, "LoginTime": "2026-11-02T10:00:00.000+0000"}),
        json!({"Id": "4", "App": "A", "Sub": "OauthWebServer", "LoginTime": "2026-01-02T10:00:00.000+0000"}),
    ]);
    let q = parse(
        "SELECT App, Sub, COUNT(Id), MAX(LoginTime) FROM Thing WHERE LoginTime = LAST_N_DAYS:90 GROUP BY App, Sub",
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
    let q = parse("SELECT COUNT(Id) total, MAX(LoginTime) FROM Thing").unwrap();
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
        "SELECT Id FROM X WHERE N != 1",
        "SELECT Id FROM X WHERE LoginTime >= 2026-12-01",
        "SELECT Id FROM X WHERE Name LIKE 'a%'",
        "SELECT Id FROM X WHERE Name IN ('a')",
        "SELECT Id FROM X WHERE (N = 1 OR N = 2)",
        "SELECT Id FROM X WHERE N = 1 OR N = 2",
        "SELECT Id FROM X WHERE LoginTime = THIS_FISCAL_YEAR",
        "SELECT Id FROM X ORDER BY Id",
        "SELECT SUM(N) FROM X",
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

fn logins() -> SObject {
    obj(vec![
        json!({"Id": "1", "App": "A", "Status": "Success", "LoginTime": "2026-11-20T08:59:59.000+0000"}),
        json!({"Id": "2", "App": "A", "Status": "Success", "LoginTime": "2026-11-20T09:00:00.000+0000"}),
        json!({"Id": "3", "App": "A", "Status": "Failed: Invalid Code Verifier", "LoginTime": "2026-11-20T11:30:00.000+0100"}),
        json!({"Id": "4", "App": "A", "Status": "Success", "LoginTime": "2026-11-20T12:00:00.000+0000"}),
        json!({"Id": "5", "App": "B", "Status": "Success", "LoginTime": "2026-11-10T12:00:00.000+0000"}),
    ])
}

fn ids(soql: &str, o: &SObject) -> Vec<String> {
    let (_, rows) = execute(&parse(soql).unwrap(), o, "", now()).unwrap();
    rows.iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn datetime_comparisons_are_half_open_windows() {
    let o = logins();
    let w = "SELECT Id FROM Thing WHERE LoginTime >= 2026-11-20T09:00:00Z AND LoginTime < 2026-11-20T12:00:00Z";
    // Row 3 is 10:30 UTC written with a +0100 offset.
    assert_eq!(ids(w, &o), ["2", "3"]);
    assert_eq!(ids("SELECT Id FROM Thing WHERE LoginTime > 2026-11-20T09:00:00Z AND LoginTime <= 2026-11-20T12:00:00.000+0000", &o), ["3", "4"]);
    assert_eq!(
        ids(
            "SELECT Id FROM Thing WHERE LoginTime = 2026-11-20T11:00:00+02:00",
            &o
        ),
        ["2"]
    );
    // Date literal ranges: `=` and `>=` inside or after the start, `<` before it.
    assert_eq!(
        ids("SELECT Id FROM Thing WHERE LoginTime >= LAST_N_DAYS:1", &o),
        ["1", "2", "3", "4"]
    );
    assert_eq!(
        ids("SELECT Id FROM Thing WHERE LoginTime < LAST_N_DAYS:1", &o),
        ["5"]
    );
    assert_eq!(
        ids("SELECT Id FROM Thing WHERE LoginTime <= LAST_N_DAYS:1", &o).len(),
        5
    );
    assert!(
        ids("SELECT Id FROM Thing WHERE LoginTime > LAST_N_DAYS:1", &o).is_empty(),
        "today is inside"
    );
    assert_eq!(
        parse("SELECT Id FROM X WHERE LoginTime >= 2026-13-01T00:00:00Z")
            .unwrap_err()
            .code,
        "MALFORMED_QUERY"
    );
}

#[test]
fn min_and_max_of_datetimes_by_instant() {
    let q = parse("SELECT App, Status, COUNT(Id), MIN(LoginTime), MAX(LoginTime) FROM Thing WHERE LoginTime >= 2026-11-20T00:00:00Z GROUP BY App, Status").unwrap();
    let (n, rows) = execute(&q, &logins(), "", now()).unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        rows[0],
        json!({"attributes": {"type": "AggregateResult"}, "App": "A", "Status": "Success", "expr0": 3,
               "expr1": "2026-11-20T08:59:59.000+0000", "expr2": "2026-11-20T12:00:00.000+0000"})
    );
    assert_eq!(rows[1]["expr1"], "2026-11-20T11:30:00.000+0100");
}

#[test]
fn unfilterable_fields_are_refused_but_grouped() {
    let mut o = logins();
    o.unfilterable = vec!["Status".into()];
    let e = execute(
        &parse("SELECT Id FROM Thing WHERE App = 'A' AND Status = 'Success'").unwrap(),
        &o,
        "",
        now(),
    )
    .unwrap_err();
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(
        e.message
            .contains("field 'Status' can not be filtered in query call"),
        "{}",
        e.message
    );
    assert!(e.message.contains("Column:42"), "{}", e.message);
    let q = parse("SELECT Status, COUNT(Id) FROM Thing GROUP BY Status").unwrap();
    assert_eq!(execute(&q, &o, "", now()).unwrap().0, 2);
}

#[test]
fn aggregates_stop_at_one_batch() {
    let rows = (0..=AGGREGATE_BATCH)
        .map(|i| json!({"Id": i.to_string(), "K": i}))
        .collect();
    let o = obj(rows);
    let q = parse("SELECT K, COUNT(Id) FROM Thing GROUP BY K").unwrap();
    let e = execute(&q, &o, "", now()).unwrap_err();
    assert_eq!(e.code, "EXCEEDED_ID_LIMIT");
    assert!(e
        .message
        .starts_with("Aggregate query does not support queryMore()"));
    let q = parse("SELECT K, COUNT(Id) FROM Thing GROUP BY K LIMIT 2000").unwrap();
    assert_eq!(execute(&q, &o, "", now()).unwrap().0, AGGREGATE_BATCH);
    // Rows are not groups: many rows in few groups is fine.
    let q = parse("SELECT COUNT(Id) FROM Thing").unwrap();
    assert_eq!(
        execute(&q, &o, "", now()).unwrap().1[0]["expr0"],
        AGGREGATE_BATCH + 1
    );
}

#[test]
fn quoted_datetimes_are_refused() {
    let o = obj(vec![
        json!({"Id": "1", "LoginTime": "2026-11-20T09:00:00.000+0000"}),
    ]);
    let q = parse("SELECT Id FROM Thing WHERE LoginTime = '2026-11-20T09:00:00.000+0000'").unwrap();
    let e = execute(&q, &o, "", now()).unwrap_err();
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(e.message.contains("value of filter criterion for field 'LoginTime' must be of type dateTime and should not be enclosed in quotes"), "{}", e.message);
    let q = parse("SELECT Id FROM Thing WHERE LoginTime >= '2026-11-20'").unwrap();
    assert_eq!(
        execute(&q, &o, "", now()).unwrap_err().code,
        "INVALID_FIELD"
    );
    let q = parse("SELECT Id FROM Thing WHERE Id > 'a'").unwrap();
    let e = execute(&q, &o, "", now()).unwrap_err();
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(e.message.contains("not supported"), "{}", e.message);
    let q = parse("SELECT Id FROM Thing WHERE LoginTime = 2026-11-20T09:00:00Z").unwrap();
    assert_eq!(execute(&q, &o, "", now()).unwrap().0, 1);
}

#[test]
fn date_literals_with_every_operator() {
    // now: Saturday 2026-11-21 00:00 GMT. TODAY is the 21st; THIS_WEEK from Sunday the 15th.
    let o = obj(vec![
        json!({"Id": "1", "LoginTime": "2026-11-14T23:59:59.000+0000"}),
        json!({"Id": "2", "LoginTime": "2026-11-15T00:00:00.000+0000"}),
        json!({"Id": "3", "LoginTime": "2026-11-20T12:00:00.000+0000"}),
        json!({"Id": "4", "LoginTime": "2026-11-21T00:00:00.000+0000"}),
        json!({"Id": "5", "LoginTime": "2026-11-22T00:00:00.000+0000"}),
    ]);
    let cases: &[(&str, &[&str])] = &[
        ("= TODAY", &["4"]),
        ("= YESTERDAY", &["3"]),
        ("= TOMORROW", &["5"]),
        ("> TODAY", &["5"]),
        ("< TODAY", &["1", "2", "3"]),
        (">= TODAY", &["4", "5"]),
        ("<= TODAY", &["1", "2", "3", "4"]),
        ("= THIS_WEEK", &["2", "3", "4"]),
        ("< THIS_WEEK", &["1"]),
        ("= LAST_WEEK", &["1"]),
        ("> THIS_WEEK", &["5"]),
        ("= N_DAYS_AGO:1", &["3"]),
        ("= NEXT_N_DAYS:1", &["5"]),
        ("= LAST_N_DAYS:6", &["2", "3", "4"]),
        (">= LAST_N_DAYS:6", &["2", "3", "4", "5"]),
        ("< LAST_N_DAYS:6", &["1"]),
        ("= THIS_MONTH", &["1", "2", "3", "4", "5"]),
        ("= LAST_N_MONTHS:1", &[]),
        ("< THIS_MONTH", &[]),
        ("= last_n_days:0", &["4"]),
    ];
    for (cond, want) in cases {
        assert_eq!(
            ids(&format!("SELECT Id FROM Thing WHERE LoginTime {cond}"), &o),
            *want,
            "{cond}"
        );
    }
    // A user in UTC-8: it is still Friday the 20th there, from 08:00 GMT.
    let tz = Clock {
        offset: chrono::FixedOffset::west_opt(8 * 3600).unwrap(),
        ..now()
    };
    let q = parse("SELECT Id FROM Thing WHERE LoginTime = TODAY").unwrap();
    let (_, rows) = execute(&q, &o, "", tz).unwrap();
    let got: Vec<_> = rows.iter().map(|r| r["Id"].as_str().unwrap()).collect();
    assert_eq!(got, ["3", "4"]);
}

#[test]
fn literals_of_the_wrong_type_are_refused_like_a_real_org() {
    let o = obj(vec![
        json!({"Id": "1", "AppName": "A", "UseCount": 3, "LastUsedDate": "2026-11-20T12:00:00.000+0000"}),
    ]);
    let refused = |soql: &str| {
        execute(&parse(soql).unwrap(), &o, "", now())
            .unwrap_err()
            .message
    };
    assert!(refused("SELECT Id FROM Thing WHERE UseCount = '3'").contains(
        "value of filter criterion for field 'UseCount' must be of type integer and should not be enclosed in quotes"
    ));
    assert!(
        refused("SELECT Id FROM Thing WHERE LastUsedDate >= 'TODAY'")
            .contains("must be of type dateTime and should not be enclosed in quotes")
    );
    assert!(refused("SELECT Id FROM Thing WHERE AppName = TODAY").contains(
        "value of filter criterion for field 'AppName' must be of type string and should be enclosed in quotes"
    ));
    assert!(refused("SELECT Id FROM Thing WHERE AppName = 3")
        .contains("must be of type string and should be enclosed in quotes"));
    assert!(
        refused("SELECT Id FROM Thing WHERE UseCount = LAST_N_DAYS:3")
            .contains("must be of type integer")
    );
    assert_eq!(
        execute(
            &parse("SELECT Id FROM Thing WHERE UseCount = 3 AND AppName = 'a' AND LastUsedDate = YESTERDAY").unwrap(),
            &o,
            "",
            now()
        )
        .unwrap()
        .0,
        1
    );
}

#[test]
fn columns_name_fields_relationships_and_aggregates() {
    let mut o = obj(vec![json!({"Id": null, "AppName": "A", "UseCount": 3,
        "LastUsedDate": "2026-11-20T12:00:00.000+0000",
        "User": {"attributes": {"type": "User"}, "Username": "u@example.com", "Email": "e"}})]);
    o.name = "OauthToken".into();
    let cols = |soql: &str, o: &SObject| column_metadata(&parse(soql).unwrap(), o);
    let c = cols(
        "SELECT appname, UseCount, LastUsedDate, User.Username, User.Email FROM OauthToken",
        &o,
    );
    assert_eq!(c["entityName"], "OauthToken");
    assert_eq!(c["groupBy"], false);
    assert_eq!(c["idSelected"], false);
    assert_eq!(c["keyPrefix"], Value::Null);
    let m = c["columnMetadata"].as_array().unwrap();
    assert_eq!(m.len(), 4, "one column per relationship: {m:?}");
    assert_eq!(
        m[0],
        json!({"aggregate": false, "apexType": "String", "booleanType": false, "columnName": "AppName",
               "custom": false, "displayName": "AppName", "foreignKeyName": null, "insertable": false,
               "joinColumns": [], "numberType": false, "textType": true, "updatable": false})
    );
    assert_eq!(m[1]["apexType"], "Integer");
    assert_eq!(m[1]["numberType"], true);
    assert_eq!(m[2]["apexType"], "Datetime");
    assert_eq!(m[3]["columnName"], "User");
    assert_eq!(m[3]["foreignKeyName"], "UserId");
    assert_eq!(m[3]["apexType"], Value::Null);
    let joined: Vec<_> = m[3]["joinColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["columnName"].as_str().unwrap())
        .collect();
    assert_eq!(joined, ["Username", "Email"]);
    let c = cols(
        "SELECT AppName, COUNT(Id), MAX(LastUsedDate) last FROM OauthToken GROUP BY AppName",
        &o,
    );
    assert_eq!(c["groupBy"], true);
    let m = c["columnMetadata"].as_array().unwrap();
    assert_eq!(
        (
            &m[1]["columnName"],
            &m[1]["displayName"],
            &m[1]["aggregate"],
            &m[1]["numberType"]
        ),
        (
            &json!("expr0"),
            &json!("count(Id)"),
            &json!(true),
            &json!(true)
        )
    );
    assert_eq!(
        (&m[2]["columnName"], &m[2]["displayName"]),
        (&json!("last"), &json!("max(LastUsedDate)"))
    );
    assert_eq!(
        cols("SELECT COUNT() FROM OauthToken", &o)["columnMetadata"],
        json!([])
    );
    o.name = "ConnectedApplication".into();
    let c = cols("SELECT Id, AppName FROM ConnectedApplication", &o);
    assert_eq!(
        (&c["idSelected"], &c["keyPrefix"]),
        (&json!(true), &json!("0H4"))
    );
    assert_eq!(c["columnMetadata"][0]["apexType"], "Id");
}

#[test]
fn groups_of_every_kind_of_value_keep_their_first_appearance() {
    // Texts, nulls and booleans are found by their JSON, numbers by comparison: one
    // order either way, and 1 and "1" stay apart.
    let o = obj(vec![
        json!({"Id": "1", "K": 1}),
        json!({"Id": "2", "K": "1"}),
        json!({"Id": "3", "K": null}),
        json!({"Id": "4", "K": 1}),
        json!({"Id": "5", "K": true}),
        json!({"Id": "6", "K": "1"}),
        json!({"Id": "7", "K": 2.5}),
    ]);
    let q = parse("SELECT K, COUNT(Id) FROM Thing GROUP BY K").unwrap();
    let (_, rows) = execute(&q, &o, "", now()).unwrap();
    let got: Vec<(Value, Value)> = rows
        .iter()
        .map(|r| (r["K"].clone(), r["expr0"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (json!(1), json!(2)),
            (json!("1"), json!(2)),
            (Value::Null, json!(1)),
            (json!(true), json!(1)),
            (json!(2.5), json!(1)),
        ]
    );
}

#[test]
fn the_rest_api_form_reads_as_the_general_parser_reads_it() {
    for s in [
        "2026-11-02T10:15:00.000+0000",
        "2024-02-29T23:59:59.999+0000",
        "2026-13-02T10:15:00.000+0000",
        "2026-02-30T10:15:00.000+0000",
        "2026-11-02T24:00:00.000+0000",
        "2026-11-02T10:15:00.000+0100",
    ] {
        let general = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
            .ok()
            .map(|d| d.with_timezone(&Utc));
        assert_eq!(parse_datetime(s), general, "{s}");
    }
}

#[test]
fn min_and_max_keep_their_picks_among_equal_instants() {
    // The same instant written two ways: MIN answers the first, MAX the last, as
    // comparing the values pairwise does; a value that is no dateTime is compared as text.
    let o = obj(vec![
        json!({"Id": "1", "T": "2026-11-01T10:00:00.000+0000"}),
        json!({"Id": "2", "T": "2026-11-01T10:00:00Z"}),
        json!({"Id": "3", "T": "2026-11-01T11:00:00+01:00"}),
    ]);
    let q = parse("SELECT MIN(T), MAX(T) FROM Thing").unwrap();
    let (_, rows) = execute(&q, &o, "", now()).unwrap();
    assert_eq!(rows[0]["expr0"], "2026-11-01T10:00:00.000+0000");
    assert_eq!(rows[0]["expr1"], "2026-11-01T11:00:00+01:00");
    let mut mixed = o.clone();
    mixed.records.push(json!({"Id": "4", "T": "soon"}));
    let (_, rows) = execute(&q, &mixed, "", now()).unwrap();
    assert_eq!(rows[0]["expr1"], "soon");
}
