//! The small CSV files a run directory holds, written and read back
//! without a CSV library: a field is quoted when it holds a comma, a quote or
//! a line break, and a quote inside is doubled (RFC 4180).

/// `s` as one CSV field.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The fields of one line written by [`csv_field`]; `None` when a quote is
/// left open (the field would run on into the next line).
pub fn split_csv_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    (!quoted).then(|| {
        fields.push(field);
        fields
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_quoting() {
        let fields = ["plain", "with, comma", "say \"no\"", "", "a,\"b\",c"];
        let line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
        assert_eq!(line, "plain,\"with, comma\",\"say \"\"no\"\"\",,\"a,\"\"b\"\",c\"");
        assert_eq!(split_csv_line(&line).unwrap(), fields);
        assert_eq!(split_csv_line("a,\"open"), None);
    }
}
