//! Reader for Weka's ARFF, the format many clinical sets (survival studies,
//! UCI and OpenML tables) are still distributed in.
//!
//! ARFF declares its columns before the data, which CSV cannot: which
//! columns are numbers, and for nominal (categorical) columns the complete
//! list of categories in the author's order. We keep that list in
//! [`Column::categories`] so one-hot encodings do not depend on which
//! categories happen to occur in a split.
//!
//! # What is read
//! - `%` starts a comment anywhere outside quotes (as in Weka); blank lines
//!   are skipped. Keywords (`@relation`, `@attribute`, `@data`) and the
//!   type names are case-insensitive; `@relation` is optional and its name
//!   is not kept.
//! - `@attribute NAME TYPE`, where NAME may be quoted (`'...'` or `"..."`,
//!   spaces allowed). `numeric`, `real` and `integer` become
//!   [`ColumnData::Numeric`]; `{a, b, 'c d'}` (nominal) becomes
//!   [`ColumnData::Text`] with the categories in declaration order;
//!   `string` becomes Text. `date [format]` also becomes Text, holding the
//!   date exactly as written: formats vary (Java `SimpleDateFormat`
//!   patterns) and a date is rarely a model input as such, so parsing is
//!   left to the code that needs it.
//! - After `@data`, one row per line: comma-separated values, optionally
//!   quoted with `'` or `"` (commas inside quotes are kept, `\` escapes the
//!   next character, `\n` `\t` `\r` as usual), whitespace around values
//!   ignored, and an unquoted `?` meaning missing. Numbers must be finite:
//!   a `NaN` cell is refused, since missing is spelt `?`.
//!
//! Sparse rows (`{0 1.5, 3 x}`) and `relational` attributes are refused with
//! a message saying so.
//!
//! # Errors
//! Every error names the file and the line. Messages about a cell name the
//! attribute and what was expected but never repeat the cell's content:
//! these files hold patient data, and error messages end up in logs and bug
//! reports.

use std::path::Path;

use crate::error::TableError;
use crate::table::{Column, ColumnData, RawTable};

/// The type of one declared attribute, as far as the reader cares.
#[derive(Debug, Clone, PartialEq)]
enum AttributeKind {
    /// `numeric`, `real` or `integer`.
    Numeric,
    /// `{...}`: the declared categories, in order.
    Nominal(Vec<String>),
    /// `string`.
    String,
    /// `date`, with or without a format; kept as text.
    Date,
}

impl AttributeKind {
    /// The name used in messages.
    fn label(&self) -> &'static str {
        match self {
            AttributeKind::Numeric => "numeric",
            AttributeKind::Nominal(_) => "nominal",
            AttributeKind::String => "string",
            AttributeKind::Date => "date",
        }
    }
}

/// One `@attribute` line.
struct Attribute {
    name: String,
    kind: AttributeKind,
}

/// One value of a row or of a nominal declaration, before typing.
#[derive(Debug, PartialEq)]
struct Token {
    text: String,
    /// Quoted values are never the missing marker `?`.
    quoted: bool,
}

/// Reads the ARFF file at `path` (see the module docs for what is
/// supported).
///
/// The file must be UTF-8 (a leading byte-order mark is allowed); Weka
/// itself writes UTF-8, and guessing another encoding could silently mangle
/// names.
pub fn read_arff(path: &Path) -> Result<RawTable, TableError> {
    let bytes = std::fs::read(path).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count();
        TableError::format(
            path,
            format!("line {line}"),
            "the file is not valid UTF-8; save it as UTF-8 (Weka writes UTF-8)",
        )
    })?;
    parse_arff(&text, path)
}

/// Parses ARFF `text`; `path` is only used in error messages, so tests and
/// callers holding the text in memory get the same messages as
/// [`read_arff`].
pub fn parse_arff(text: &str, path: &Path) -> Result<RawTable, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(TableError::format(
            path,
            "",
            "the file is empty; expected @attribute lines, then @data and the rows",
        ));
    }
    let at = |line: usize| format!("line {line}");
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, strip_comment(line).trim()))
        .filter(|(_, line)| !line.is_empty());

    // Header: everything up to and including `@data`.
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut found_data = false;
    for (number, line) in lines.by_ref() {
        let (keyword, rest) = split_keyword(line);
        match keyword.to_ascii_lowercase().as_str() {
            "@relation" => {}
            "@attribute" => {
                let attribute = parse_attribute(rest).map_err(|detail| TableError::format(path, at(number), detail))?;
                if attributes.iter().any(|a| a.name == attribute.name) {
                    return Err(TableError::format(
                        path,
                        at(number),
                        format!("attribute \"{}\" is declared twice; attribute names must be unique", attribute.name),
                    ));
                }
                attributes.push(attribute);
            }
            "@data" => {
                if attributes.is_empty() {
                    return Err(TableError::format(
                        path,
                        at(number),
                        "@data comes before any @attribute line; declare the columns first",
                    ));
                }
                found_data = true;
                break;
            }
            _ => {
                return Err(TableError::format(
                    path,
                    at(number),
                    "expected @relation, @attribute or @data; rows must follow a line `@data`",
                ))
            }
        }
    }
    if !found_data {
        return Err(TableError::format(
            path,
            "",
            format!(
                "no @data line after the {} @attribute line(s); the rows must follow a line `@data`",
                attributes.len()
            ),
        ));
    }

    let mut cells: Vec<ColumnData> = attributes
        .iter()
        .map(|a| match a.kind {
            AttributeKind::Numeric => ColumnData::Numeric(Vec::new()),
            _ => ColumnData::Text(Vec::new()),
        })
        .collect();
    for (number, line) in lines {
        if line.starts_with('{') {
            return Err(TableError::format(
                path,
                at(number),
                "sparse ARFF rows ({index value, ...}) are not supported; \
                 write the data as dense rows (Weka's SparseToNonSparse filter does this)",
            ));
        }
        let tokens = split_values(line).map_err(|detail| TableError::format(path, at(number), detail))?;
        if tokens.len() != attributes.len() {
            return Err(TableError::format(
                path,
                at(number),
                format!("expected {} values (one per @attribute), found {}", attributes.len(), tokens.len()),
            ));
        }
        for (position, ((attribute, column), token)) in attributes.iter().zip(&mut cells).zip(tokens).enumerate() {
            push_cell(attribute, column, token).map_err(|problem| {
                TableError::format(
                    path,
                    at(number),
                    format!(
                        "value {} of {}, attribute \"{}\" ({}): {problem}",
                        position + 1,
                        attributes.len(),
                        attribute.name,
                        attribute.kind.label()
                    ),
                )
            })?;
        }
    }

    let columns = attributes
        .into_iter()
        .zip(cells)
        .map(|(attribute, data)| Column {
            name: attribute.name,
            data,
            categories: match attribute.kind {
                AttributeKind::Nominal(categories) => categories,
                _ => Vec::new(),
            },
        })
        .collect();
    Ok(RawTable { columns })
}

/// Types one cell and appends it to its column. The error says what was
/// wrong without the cell's content (see the module docs).
fn push_cell(attribute: &Attribute, column: &mut ColumnData, token: Token) -> Result<(), String> {
    if token.text.is_empty() && !token.quoted {
        return Err("the value is empty; write ? for a missing value".into());
    }
    let missing = token.text == "?" && !token.quoted;
    match (column, &attribute.kind) {
        (ColumnData::Numeric(values), _) => {
            if missing {
                values.push(None);
                return Ok(());
            }
            match token.text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => values.push(Some(x)),
                Ok(_) => return Err("the value is not a finite number (write ? if missing)".into()),
                Err(_) => return Err("the value is not a number".into()),
            }
        }
        (ColumnData::Text(values), kind) => {
            if missing {
                values.push(None);
                return Ok(());
            }
            if let AttributeKind::Nominal(categories) = kind {
                if !categories.contains(&token.text) {
                    return Err(format!("the value is not one of the {} declared categories", categories.len()));
                }
            }
            values.push(Some(token.text));
        }
    }
    Ok(())
}

/// Splits a header line into its `@keyword` and the rest.
fn split_keyword(line: &str) -> (&str, &str) {
    match line.find(char::is_whitespace) {
        Some(end) => (&line[..end], line[end..].trim_start()),
        None => (line, ""),
    }
}

/// Parses what follows `@attribute`: a name, then a type.
fn parse_attribute(rest: &str) -> Result<Attribute, String> {
    let (name, type_text) = if rest.starts_with(['\'', '"']) {
        take_quoted(rest).ok_or("the quoted attribute name is not closed")?
    } else {
        let end = rest.find(|c: char| c.is_whitespace() || c == '{').unwrap_or(rest.len());
        (rest[..end].to_string(), &rest[end..])
    };
    if name.is_empty() {
        return Err("@attribute needs a name and a type".into());
    }
    let type_text = type_text.trim();
    if type_text.is_empty() {
        return Err(format!(
            "attribute \"{name}\" has no type; expected numeric, real, integer, string, date or {{category, ...}}"
        ));
    }
    let kind = if let Some(inner) = type_text.strip_prefix('{') {
        AttributeKind::Nominal(parse_categories(&name, inner)?)
    } else {
        let (word, _format) = split_keyword(type_text);
        match word.to_ascii_lowercase().as_str() {
            "numeric" | "real" | "integer" => AttributeKind::Numeric,
            "string" => AttributeKind::String,
            "date" => AttributeKind::Date,
            "relational" => return Err(format!("attribute \"{name}\": relational attributes are not supported")),
            _ => {
                return Err(format!(
                    "attribute \"{name}\" has unknown type \"{word}\"; expected numeric, real, \
                     integer, string, date or {{category, ...}}"
                ))
            }
        }
    };
    Ok(Attribute { name, kind })
}

/// The categories of a nominal declaration, from the text after its `{`.
fn parse_categories(name: &str, inner: &str) -> Result<Vec<String>, String> {
    let inner = inner
        .trim_end()
        .strip_suffix('}')
        .ok_or_else(|| format!("attribute \"{name}\": the category list has no closing }}"))?;
    if inner.trim().is_empty() {
        return Err(format!("attribute \"{name}\" declares no categories"));
    }
    let tokens = split_values(inner).map_err(|e| format!("attribute \"{name}\": {e}"))?;
    let mut categories: Vec<String> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if token.text.is_empty() && !token.quoted {
            return Err(format!("attribute \"{name}\": a category is empty"));
        }
        if categories.contains(&token.text) {
            return Err(format!("attribute \"{name}\": category \"{}\" is listed twice", token.text));
        }
        categories.push(token.text);
    }
    Ok(categories)
}

/// Splits comma-separated values, honouring quotes and backslash escapes.
/// Unquoted values are trimmed; `a,,b` gives an empty middle value, left to
/// the caller to refuse.
fn split_values(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = line.trim_start();
    loop {
        if rest.starts_with(['\'', '"']) {
            let (text, after) = take_quoted(rest).ok_or("a quoted value is not closed; quotes must come in pairs")?;
            tokens.push(Token { text, quoted: true });
            rest = after.trim_start();
            if !rest.is_empty() && !rest.starts_with(',') {
                return Err(format!(
                    "value {} has text after its closing quote; put a comma between values",
                    tokens.len()
                ));
            }
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            tokens.push(Token { text: rest[..end].trim_end().to_string(), quoted: false });
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None => return Ok(tokens),
        }
    }
}

/// Reads the quoted string at the start of `s` (which starts with `'` or
/// `"`), resolving backslash escapes; returns it and the text after the
/// closing quote, or `None` when the quote is never closed.
fn take_quoted(s: &str) -> Option<(String, &str)> {
    let quote = s.chars().next()?;
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            let (_, escaped) = chars.next()?;
            out.push(match escaped {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                other => other,
            });
        } else if c == quote {
            return Some((out, &s[i + c.len_utf8()..]));
        } else {
            out.push(c);
        }
    }
    None
}

/// The line up to its first `%` outside quotes. An unclosed quote keeps the
/// whole line, so the value splitter reports it.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '%' => return &line[..i],
            None => {}
        }
    }
    line
}

#[cfg(test)]
mod tests;
