//! Masking what may be a secret in text rotdoctor repeats: log lines above all.
//!
//! The AWS templates never log a password, but a custom function may, in
//! any form: `password=...`, `"password": "..."`, `{'pwd': '...'}`, `with
//! password ...`, `postgres://user:...@host`, `?token=...`. After a
//! password-like key the value is masked through its end as its format
//! delimits it: the closing quote of a quoted value, else the end of the
//! white-space-delimited token, else the rest of the line. Masking too much
//! is preferred to masking too little. A second line of defence masks every
//! exact occurrence of a secret value rotdoctor read in the same run.

/// What a masked value reads as.
pub const MASK: &str = "***";

/// Key names after which a value is masked, matched anywhere in a key
/// (`db_password`, `SecretString`, `X-Amz-Security-Token`), in any case.
const KEYWORDS: [&str; 6] = [
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "credentials",
];
/// Keywords that also take their value after a plain space ("with password
/// abc"); the others need `=` or `:`, or every "secret arn ..." line would lose
/// its ARN.
const SPACED_KEYWORDS: [&str; 3] = ["password", "passwd", "pwd"];

/// Masks password-like values and URL user-info passwords in `line`.
pub fn redact(line: &str) -> String {
    mask_keyed_values(&mask_url_passwords(line))
}

/// Masks every occurrence of each of `values` (secret values read this run).
pub fn mask_exact(line: &str, values: &[String]) -> String {
    let mut line = line.to_string();
    // Longest first, so a value containing another is masked whole.
    let mut values = values.iter().filter(|v| !v.is_empty()).collect::<Vec<_>>();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values {
        if line.contains(value.as_str()) {
            line = line.replace(value.as_str(), MASK);
        }
    }
    line
}

/// `scheme://user:password@host`: everything between the user's colon and
/// the last `@` of the URL is masked, so a password holding `/`, `@` or `:`
/// is masked whole.
fn mask_url_passwords(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let url = &tail[..end];
        match (url.find(':'), url.rfind('@')) {
            (Some(colon), Some(at_sign)) if colon < at_sign => {
                out.push_str(&url[..=colon]);
                out.push_str(MASK);
                out.push_str(&url[at_sign..]);
            }
            _ => out.push_str(url),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the value after each password-like key.
fn mask_keyed_values(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(value_start) = next_keyed_value(rest) {
        let value = &rest[value_start..];
        let (mask_start, mask_end) = value_span(value);
        out.push_str(&rest[..value_start + mask_start]);
        out.push_str(MASK);
        // A quoted value keeps its quotes, so the line still parses.
        rest = &value[mask_end..];
    }
    out.push_str(rest);
    out
}

/// Keys that hold a keyword but name no secret value: the Secrets Manager
/// service prefix of actions and ARNs, and the rotation steps' log prefixes
/// (`setSecret: ...`), which the log's reading needs.
const NOT_KEYS: [&str; 5] = [
    "secretsmanager",
    "createsecret",
    "setsecret",
    "testsecret",
    "finishsecret",
];

/// Where the value after the next password-like key in `text` starts
/// (after the separator and white space).
fn next_keyed_value(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let (at, keyword) = KEYWORDS
            .iter()
            .filter_map(|k| lower[from..].find(k).map(|i| (from + i, *k)))
            .min_by_key(|(i, _)| *i)?;
        from = at + keyword.len();
        // The whole key: letters, digits, `_` and `-` around the keyword.
        let is_key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let key_start = lower[..at]
            .rfind(|c: char| !is_key_char(c))
            .map_or(0, |i| i + 1);
        let key_end = lower[at..]
            .find(|c: char| !is_key_char(c))
            .map_or(lower.len(), |i| at + i);
        from = from.max(key_end);
        // An ARN segment (`...:secret:prod/db`) names a secret, not its value.
        if lower[..key_start].ends_with(':') || NOT_KEYS.contains(&&lower[key_start..key_end]) {
            continue;
        }
        let after_key = &text[key_end..];
        // A closing quote of a quoted key, then the separator.
        let after_quote = after_key.trim_start_matches(['"', '\'', '\\']);
        let spaced = after_quote.trim_start_matches([' ', '\t']);
        let separator = if spaced.starts_with(['=', ':']) {
            Some(&spaced[1..])
        } else if SPACED_KEYWORDS.contains(&keyword)
            && spaced.len() < after_quote.len()
            && after_quote.len() == after_key.len()
            && !spaced.is_empty()
        {
            Some(spaced)
        } else {
            None
        };
        let Some(value) = separator else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']);
        if value.is_empty() {
            continue;
        }
        return Some(text.len() - value.len());
    }
}

/// The part of `value` to mask: inside its quotes when it is quoted, else
/// up to white space; an unclosed quote, or an object or list, runs to the
/// end of the line.
fn value_span(value: &str) -> (usize, usize) {
    for quote in ["\\\"", "\"", "'"] {
        if let Some(inner) = value.strip_prefix(quote) {
            return match find_closing(inner, quote) {
                Some(close) => (quote.len(), quote.len() + close),
                None => (0, value.len()),
            };
        }
    }
    if value.starts_with(['{', '[']) {
        return (0, value.len());
    }
    (0, value.find(char::is_whitespace).unwrap_or(value.len()))
}

/// The closing `quote` in `inner`, skipping escaped ones (`\"` inside `"..."`).
fn find_closing(inner: &str, quote: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = inner[from..].find(quote) {
        let at = from + found;
        let escaped =
            quote != "\\\"" && inner[..at].ends_with('\\') && !inner[..at].ends_with("\\\\");
        if !escaped {
            return Some(at);
        }
        from = at + quote.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Cx7,q;w}e&r SECRET";

    #[test]
    fn values_after_a_key_are_masked_through_their_end() {
        let cases = [
            (
                r#"{"username": "app", "password": "ab,SECRET"}"#,
                r#"{"username": "app", "password": "***"}"#,
            ),
            (
                "{'user': 'app', 'pwd': 'ab;c}d&e f'}",
                "{'user': 'app', 'pwd': '***'}",
            ),
            (
                "connecting with password=s3cr3t;host=db x",
                "connecting with password=*** x",
            ),
            ("PASSWORD: abc def", "PASSWORD: *** def"),
            (
                "login with password hunter2 for app",
                "login with password *** for app",
            ),
            (
                "GET /x?user=a&token=abc&next=1 HTTP/1.1",
                "GET /x?user=a&token=*** HTTP/1.1",
            ),
            (
                r#"{"SecretString": "{\"password\":\"p,w\"}"}"#,
                r#"{"SecretString": "***"}"#,
            ),
            (r#"secret=\"a b\" rest"#, r#"secret=\"***\" rest"#),
            ("db_passwd:x,y,z", "db_passwd:***"),
            ("Credentials: {\"a\": 1, \"b\": 2}", "Credentials: ***"),
            ("password: \"unclosed, to the end", "password: ***"),
        ];
        for (line, masked) in cases {
            assert_eq!(redact(line), masked, "{line}");
        }
    }

    #[test]
    fn template_lines_keep_their_meaning() {
        for line in [
            "setSecret: Unable to log into database with previous, current, or pending secret of secret arn arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbC",
            "createSecret: Successfully put secret for ARN arn:aws:secretsmanager:us-east-1:1:secret:x",
            "see https://example.com/x",
        ] {
            assert_eq!(redact(line), line);
        }
    }

    #[test]
    fn url_passwords_are_masked_whole() {
        assert_eq!(
            redact("connecting to postgres://app:s3/cr@3t@db.internal:5432/orders now"),
            "connecting to postgres://app:***@db.internal:5432/orders now"
        );
    }

    #[test]
    fn exact_values_are_masked_wherever_they_stand() {
        let masked = mask_exact(
            &format!("oops {CANARY}! and again:{CANARY}"),
            &[CANARY.to_string()],
        );
        assert_eq!(masked, "oops ***! and again:***");
    }

    /// A canary wrapped in random delimiters and quoting never survives
    /// behind a password-like key. A fixed-seed generator keeps it repeatable.
    #[test]
    fn a_canary_in_any_delimiters_is_masked() {
        let mut seed: u64 = 0x5eed_cafe;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let keys = [
            "password",
            "Password",
            "PWD",
            "passwd",
            "secret",
            "token",
            "db_password",
            "credentials",
            "client_secret",
        ];
        let separators = ["=", ": ", ":", " = ", "\": ", "': ", "\":\"", "=\""];
        let quotes = ["\"", "'", "", "\\\""];
        let fillers = [
            ",", ";", "}", "&", ")", "]", "|", "#", "%", "?", "/", "@", ":",
        ];
        for _ in 0..2000 {
            let key = keys[next(keys.len())];
            let separator = separators[next(separators.len())];
            let quote = if separator.ends_with('"') {
                ""
            } else {
                quotes[next(quotes.len())]
            };
            let closing = if separator.ends_with('"') {
                "\""
            } else {
                quote
            };
            let canary = format!(
                "{}Zq{}Canary{}",
                fillers[next(fillers.len())],
                fillers[next(fillers.len())],
                fillers[next(fillers.len())]
            );
            let line = format!("[INFO] x {key}{separator}{quote}{canary}{closing} tail");
            let masked = redact(&line);
            assert!(!masked.contains("Canary"), "{line} -> {masked}");
        }
    }
}
