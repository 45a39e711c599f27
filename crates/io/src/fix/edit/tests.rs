use super::*;
use crate::fix::order::{
    CONNECTED_APP_OAUTH_CONFIG, EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS, OAUTH_OIDC_SETTINGS,
};

const CA: Target<'static> = Target {
    path: &["oauthConfig"],
    field: "isPkceRequired",
    sequence: CONNECTED_APP_OAUTH_CONFIG,
};
const ORG: Target<'static> = Target {
    path: &[],
    field: "isPkceRequired",
    sequence: OAUTH_OIDC_SETTINGS,
};
const NS: &str = "http://soap.sforce.com/2006/04/metadata";

fn edited(bytes: &str, target: &Target<'_>) -> (String, Action, u32) {
    match require_true(bytes.as_bytes(), target).unwrap() {
        Outcome::Edited {
            bytes,
            action,
            line,
        } => (String::from_utf8(bytes).unwrap(), action, line),
        Outcome::AlreadySet => panic!("expected an edit"),
    }
}

fn app(oauth: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\">\n    <label>A</label>\n    <oauthConfig>\n{oauth}    </oauthConfig>\n</ConnectedApp>\n")
}

#[test]
fn inserts_after_the_last_predecessor_with_its_indentation() {
    let before = app("        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isConsumerSecretOptional>false</isConsumerSecretOptional>\n        <scopes>Api</scopes>\n");
    let (after, action, line) = edited(&before, &CA);
    assert_eq!(action, Action::Inserted);
    assert_eq!(
        after,
        app("        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isConsumerSecretOptional>false</isConsumerSecretOptional>\n        <isPkceRequired>true</isPkceRequired>\n        <scopes>Api</scopes>\n")
    );
    assert_eq!(line, 7);
}

#[test]
fn changes_only_the_value() {
    let before = app("        <callbackUrl>x://cb</callbackUrl>\n        <isPkceRequired>false</isPkceRequired>\n");
    let (after, action, line) = edited(&before, &CA);
    assert_eq!(
        action,
        Action::Changed {
            from: "false".into()
        }
    );
    assert_eq!(
        after,
        before.replace(">false</isPkceRequired>", ">true</isPkceRequired>")
    );
    assert_eq!(line, 6);
    assert_eq!(
        require_true(after.as_bytes(), &CA).unwrap(),
        Outcome::AlreadySet
    );
    let one = before.replace(">false</isPkceRequired>", ">1</isPkceRequired>");
    assert_eq!(
        require_true(one.as_bytes(), &CA).unwrap(),
        Outcome::AlreadySet
    );
}

#[test]
fn crlf_tabs_bom_and_comments_are_kept() {
    let before = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<!-- kept -->\r\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\r\n\t<label>A</label>\r\n\t<oauthConfig>\r\n\t\t<callbackUrl>https://a.example.com/\r\nhttps://b.example.com/</callbackUrl> <!-- after -->\r\n\t\t<scopes>Api</scopes>\r\n\t</oauthConfig>\r\n</ConnectedApp>";
    let (after, _, line) = edited(before, &CA);
    assert_eq!(
        after,
        before.replace(
            "<!-- after -->\r\n",
            "<!-- after -->\r\n\t\t<isPkceRequired>true</isPkceRequired>\r\n"
        )
    );
    assert_eq!(line, 8);
}

#[test]
fn a_one_line_file_stays_on_one_line() {
    let before = format!("<ConnectedApp xmlns=\"{NS}\"><label>A</label><oauthConfig><callbackUrl>x://cb</callbackUrl><scopes>Api</scopes></oauthConfig></ConnectedApp>");
    let (after, _, _) = edited(&before, &CA);
    assert_eq!(
        after,
        before.replace(
            "</callbackUrl>",
            "</callbackUrl><isPkceRequired>true</isPkceRequired>"
        )
    );
}

#[test]
fn org_settings_first_child_empty_and_self_closing_roots() {
    let first = format!("<OauthOidcSettings xmlns=\"{NS}\">\n    <oAuthCdCrdtFlowEnable>true</oAuthCdCrdtFlowEnable>\n</OauthOidcSettings>\n");
    assert_eq!(
        edited(&first, &ORG).0,
        first.replace(
            "    <oAuth",
            "    <isPkceRequired>true</isPkceRequired>\n    <oAuth"
        )
    );
    let empty = format!("<OauthOidcSettings xmlns=\"{NS}\">\n</OauthOidcSettings>\n");
    assert_eq!(
        edited(&empty, &ORG).0,
        format!("<OauthOidcSettings xmlns=\"{NS}\">\n    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>\n")
    );
    let closed = format!("<?xml version=\"1.0\"?>\r\n<OauthOidcSettings xmlns=\"{NS}\" />\r\n");
    let (after, _, line) = edited(&closed, &ORG);
    assert_eq!(
        after,
        format!("<?xml version=\"1.0\"?>\r\n<OauthOidcSettings xmlns=\"{NS}\" >\r\n    <isPkceRequired>true</isPkceRequired>\r\n</OauthOidcSettings>\r\n")
    );
    assert_eq!(line, 3);
    let tight = format!("<OauthOidcSettings xmlns=\"{NS}\"></OauthOidcSettings>");
    assert_eq!(
        edited(&tight, &ORG).0,
        format!("<OauthOidcSettings xmlns=\"{NS}\">\n    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>")
    );
}

#[test]
fn a_nil_value_is_replaced_whole_and_a_prefix_is_kept() {
    let nil = format!("<OauthOidcSettings xmlns=\"{NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n    <isPkceRequired xsi:nil=\"true\"/>\n</OauthOidcSettings>\n");
    let (after, action, _) = edited(&nil, &ORG);
    assert_eq!(action, Action::Changed { from: "nil".into() });
    assert_eq!(
        after,
        nil.replace(
            "<isPkceRequired xsi:nil=\"true\"/>",
            "<isPkceRequired>true</isPkceRequired>"
        )
    );
    let prefixed = format!(
        "<md:OauthOidcSettings xmlns:md=\"{NS}\">\n    <md:blockOAuthUnPwFlow>true</md:blockOAuthUnPwFlow>\n</md:OauthOidcSettings>\n"
    );
    assert!(edited(&prefixed, &ORG)
        .0
        .contains("</md:blockOAuthUnPwFlow>\n    <md:isPkceRequired>true</md:isPkceRequired>\n"));
}

#[test]
fn ambiguous_shapes_are_refused() {
    let two = format!("<ConnectedApp xmlns=\"{NS}\"><oauthConfig><callbackUrl>x://a</callbackUrl></oauthConfig><oauthConfig><callbackUrl>x://b</callbackUrl></oauthConfig></ConnectedApp>");
    let e = require_true(two.as_bytes(), &CA).unwrap_err();
    assert!(e.to_string().contains("<oauthConfig> twice"), "{e}");
    let none = format!("<ConnectedApp xmlns=\"{NS}\"><label>A</label></ConnectedApp>");
    let e = require_true(none.as_bytes(), &CA).unwrap_err();
    assert!(e.to_string().contains("holds no <oauthConfig>"), "{e}");
    let twice = app("        <callbackUrl>x://cb</callbackUrl>\n        <isPkceRequired>false</isPkceRequired>\n        <isPkceRequired>false</isPkceRequired>\n");
    assert!(require_true(twice.as_bytes(), &CA).is_err());
}

#[test]
fn secret_values_are_located() {
    let text = app("        <callbackUrl>x://cb</callbackUrl>\n        <consumerSecret>S3CRET</consumerSecret>\n        <isConsumerSecretOptional>true</isConsumerSecretOptional>\n");
    let spans = secret_values(text.as_bytes());
    assert_eq!(spans.len(), 1);
    assert_eq!(&text[spans[0].0..spans[0].1], "S3CRET");
}

#[test]
fn an_eca_global_settings_file_gets_the_element_before_label() {
    let target = Target {
        path: &[],
        field: "isPkceRequired",
        sequence: EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS,
    };
    let before = format!("<ExtlClntAppGlobalOauthSettings xmlns=\"{NS}\">\n    <callbackUrl>https://a.example.com/cb</callbackUrl>\n    <externalClientApplication>A</externalClientApplication>\n    <isConsumerSecretOptional>false</isConsumerSecretOptional>\n    <label>A</label>\n</ExtlClntAppGlobalOauthSettings>\n");
    let (after, action, line) = edited(&before, &target);
    assert_eq!(action, Action::Inserted);
    assert_eq!(
        after,
        before.replace(
            "    <label>",
            "    <isPkceRequired>true</isPkceRequired>\n    <label>"
        )
    );
    assert_eq!(line, 5);
}

#[test]
fn a_first_child_on_the_opening_line_lends_the_next_siblings_indentation() {
    let before = format!("<ConnectedApp xmlns=\"{NS}\">\n    <oauthConfig><callbackUrl>x://cb</callbackUrl>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n");
    let (after, _, line) = edited(&before, &CA);
    assert_eq!(
        after,
        before.replace(
            "</callbackUrl>\n",
            "</callbackUrl>\n        <isPkceRequired>true</isPkceRequired>\n"
        )
    );
    assert_eq!(line, 3);
}

#[test]
fn a_comment_over_several_lines_after_the_previous_element_stays_before_the_new_one() {
    let before = app("        <callbackUrl>x://cb</callbackUrl> <!-- owned by\n             the web team -->\n        <scopes>Api</scopes>\n");
    let (after, _, _) = edited(&before, &CA);
    assert_eq!(
        after,
        before.replace(
            "web team -->\n",
            "web team -->\n        <isPkceRequired>true</isPkceRequired>\n"
        )
    );
}

#[test]
fn a_comment_inside_the_value_is_kept() {
    let before = app("        <isPkceRequired><!-- was off -->false</isPkceRequired>\n");
    let (after, action, _) = edited(&before, &CA);
    assert_eq!(
        action,
        Action::Changed {
            from: "false".into()
        }
    );
    assert_eq!(after, before.replace("-->false<", "-->true<"));
    let spaced = app("        <isPkceRequired> false <!-- x --> </isPkceRequired>\n");
    assert_eq!(edited(&spaced, &CA).0, spaced.replace(" false ", " true "));
}

/// Step 3 pins a flow the org blocks: `false` is set like `true`, in schema order.
#[test]
fn sets_false_and_inserts_other_settings_fields_in_schema_order() {
    let org = |field: &'static str| Target {
        path: &[],
        field,
        sequence: OAUTH_OIDC_SETTINGS,
    };
    let file = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"{NS}\">\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <isPkceRequired>false</isPkceRequired>\n</OauthOidcSettings>\n");
    let Outcome::Edited {
        bytes,
        action,
        line,
    } = set_bool(file.as_bytes(), &org("oAuthCdCrdtFlowEnable"), false).unwrap()
    else {
        panic!("expected an edit")
    };
    assert_eq!(action, Action::Inserted);
    assert_eq!(line, 5);
    let bytes = String::from_utf8(bytes).unwrap();
    assert_eq!(
        bytes,
        file.replace(
            "</isPkceRequired>\n",
            "</isPkceRequired>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>\n"
        )
    );
    let Outcome::Edited { bytes, .. } =
        set_bool(bytes.as_bytes(), &org("blockOAuthUsrAgtFlow"), true).unwrap()
    else {
        panic!("expected an edit")
    };
    let bytes = String::from_utf8(bytes).unwrap();
    assert!(bytes.contains("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>\n    <isPkceRequired>false"), "{bytes}");
    // A value that is already the one asked for (`0` is `false`) is left alone.
    let zero = file.replace(">true</blockOAuthUnPwFlow>", ">0</blockOAuthUnPwFlow>");
    assert_eq!(
        set_bool(zero.as_bytes(), &org("blockOAuthUnPwFlow"), false).unwrap(),
        Outcome::AlreadySet
    );
    let Outcome::Edited { bytes, action, .. } =
        set_bool(file.as_bytes(), &org("blockOAuthUnPwFlow"), false).unwrap()
    else {
        panic!("expected an edit")
    };
    assert_eq!(
        action,
        Action::Changed {
            from: "true".into()
        }
    );
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        file.replace(">true</blockOAuthUnPwFlow>", ">false</blockOAuthUnPwFlow>")
    );
}

#[test]
fn undo_sets_false_where_named_and_inserts_nothing() {
    let named = app("        <callbackUrl>x://cb</callbackUrl>\n        <isPkceRequired>true</isPkceRequired>\n");
    // Where named, the same edit as setting false.
    let edit = set_bool(named.as_bytes(), &CA, false).unwrap();
    assert!(
        matches!(&edit, Outcome::Edited { bytes, .. } if *bytes == named.replace(">true<", ">false<").into_bytes())
    );
    assert_eq!(undo(named.as_bytes(), &CA).unwrap(), Some(edit));
    let already = named.replace(">true<", ">0<");
    assert_eq!(
        undo(already.as_bytes(), &CA).unwrap(),
        Some(Outcome::AlreadySet)
    );
    let absent = app("        <callbackUrl>x://cb</callbackUrl>\n");
    assert_eq!(undo(absent.as_bytes(), &CA).unwrap(), None);
    // Twice is as ambiguous as for the step itself.
    let twice = app("        <isPkceRequired>true</isPkceRequired>\n        <isPkceRequired>true</isPkceRequired>\n");
    assert!(undo(twice.as_bytes(), &CA).is_err());
}
