use super::*;

const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/broken");

/// A small clinical-style table: every type, quoted names and
/// categories, comments, missing values, odd spacing and a CRLF line.
const CLINICAL: &str = "% Synthetic ward admissions, written for this test.\n\
    @RELATION admissions\n\
    \n\
    @attribute age NUMERIC\n\
    @attribute 'systolic bp' real   % mmHg\n\
    @Attribute sex {female, male}\n\
    @attribute \"smoking status\" {never, 'ex smoker', 'current, daily'}\n\
    @attribute note string\n\
    @attribute admitted date \"yyyy-MM-dd\"\n\
    @attribute outcome {0,1}\n\
    @DATA\n\
    % first patient\n\
    54, 132.5, female, never, 'chest pain, mild', 2021-03-04, 0\n\
    71,?,male,'ex smoker',\"fall at home\",2021-03-05,1\r\n\
    \n\
    ?, 118 , ?, 'current, daily', 'says \\'fine\\'', ?, 0 % trailing comment\n";

fn parse(text: &str) -> Result<RawTable, TableError> {
    parse_arff(text, Path::new("ward.arff"))
}

fn error(text: &str) -> String {
    parse(text).expect_err("should fail").to_string()
}

#[test]
fn reads_every_attribute_type() {
    let table = parse(CLINICAL).expect("valid ARFF");
    assert_eq!(table.names(), vec!["age", "systolic bp", "sex", "smoking status", "note", "admitted", "outcome"]);
    assert_eq!(table.n_rows(), 3);
    let column = |name: &str| table.column(name).expect("column exists");
    assert_eq!(column("age").data, ColumnData::Numeric(vec![Some(54.0), Some(71.0), None]));
    assert_eq!(column("systolic bp").data, ColumnData::Numeric(vec![Some(132.5), None, Some(118.0)]));
    let text = |v: &[Option<&str>]| ColumnData::Text(v.iter().map(|c| c.map(str::to_string)).collect());
    assert_eq!(column("sex").data, text(&[Some("female"), Some("male"), None]));
    assert_eq!(column("sex").categories, vec!["female", "male"]);
    assert_eq!(column("smoking status").data, text(&[Some("never"), Some("ex smoker"), Some("current, daily")]));
    assert_eq!(column("smoking status").categories, vec!["never", "ex smoker", "current, daily"]);
    assert_eq!(column("note").data, text(&[Some("chest pain, mild"), Some("fall at home"), Some("says 'fine'")]));
    assert!(column("note").categories.is_empty());
    assert_eq!(column("admitted").data, text(&[Some("2021-03-04"), Some("2021-03-05"), None]));
    assert_eq!(column("outcome").categories, vec!["0", "1"]);
    assert_eq!(column("outcome").data, text(&[Some("0"), Some("1"), Some("0")]));
}

#[test]
fn header_only_gives_empty_columns_and_quoted_question_mark_is_text() {
    let table = parse("@relation r\n@attribute a numeric\n@attribute b string\n@data\n").expect("valid");
    assert_eq!(table.n_rows(), 0);
    assert_eq!(table.names(), vec!["a", "b"]);
    let table = parse("@attribute b string\n@data\n'?'\n?\n").expect("valid");
    assert_eq!(table.columns[0].data, ColumnData::Text(vec![Some("?".into()), None]));
}

#[test]
fn value_splitter_handles_quotes_escapes_and_spaces() {
    let tokens = split_values(r#" 1 , 'a, b' ,"c\"d", \x ,'' "#).expect("valid");
    let texts: Vec<(&str, bool)> = tokens.iter().map(|t| (t.text.as_str(), t.quoted)).collect();
    assert_eq!(texts, vec![("1", false), ("a, b", true), ("c\"d", true), ("\\x", false), ("", true)]);
    assert_eq!(strip_comment("1, '50% off', 2 % note"), "1, '50% off', 2 ");
    assert!(split_values("'open, 1").is_err());
    assert!(split_values("'a' b, 1").is_err());
}

#[test]
fn wrong_row_length_says_expected_and_found() {
    let message = error("@attribute a numeric\n@attribute b numeric\n@data\n1,2\n1,2,3\n");
    assert_eq!(message, "ward.arff: line 5: expected 2 values (one per @attribute), found 3");
}

#[test]
fn bad_cells_name_the_attribute_but_not_the_value() {
    let message = error("@attribute age numeric\n@data\n40\n4O\n");
    assert_eq!(message, "ward.arff: line 4: value 1 of 1, attribute \"age\" (numeric): the value is not a number");
    let message = error("@attribute sex {female, male}\n@data\nfemale\nMale\n");
    assert!(message.starts_with("ward.arff: line 4: "), "{message}");
    assert!(message.contains("attribute \"sex\" (nominal)"), "{message}");
    assert!(message.contains("not one of the 2 declared categories"), "{message}");
    assert!(!message.contains("Male"), "{message}");
    let message = error("@attribute lactate numeric\n@data\nNaN\n");
    assert!(message.contains("not a finite number"), "{message}");
    assert!(!message.contains("NaN"), "{message}");
    let message = error("@attribute a numeric\n@attribute b numeric\n@data\n1,\n");
    assert!(message.contains("value 2 of 2") && message.contains("empty"), "{message}");
    let message = error("@attribute a string\n@data\n'Jane Doe\n");
    assert!(message.contains("line 3") && message.contains("not closed"), "{message}");
    assert!(!message.contains("Jane"), "{message}");
}

#[test]
fn header_errors() {
    // Rows without their `@data` line.
    assert_eq!(
        error("@attribute a numeric\n@attribute b numeric\n1,2\n"),
        "ward.arff: line 3: expected @relation, @attribute or @data; \
         rows must follow a line `@data`"
    );
    let message = error("@relation r\n@attribute a numeric\n% no data\n");
    assert!(message.starts_with("ward.arff: no @data line"), "{message}");
    let message = error("@attribute a numeric\n@attribute A real\n@attribute a integer\n@data\n");
    assert_eq!(message, "ward.arff: line 3: attribute \"a\" is declared twice; attribute names must be unique");
    let message = error("@attribute a numeric\n@attribute b blob\n@data\n");
    assert!(message.starts_with("ward.arff: line 2: attribute \"b\" has unknown type \"blob\""));
    assert!(error("@attribute r relational\n@data\n").contains("relational"));
    assert!(error("@attribute c {}\n@data\n").contains("declares no categories"));
    assert!(error("@attribute c {a, b\n@data\n").contains("no closing }"));
    assert!(error("@attribute c {a, a}\n@data\n").contains("listed twice"));
    assert!(error("@attribute c\n@data\n").contains("has no type"));
    assert!(error("@attribute 'c d numeric\n@data\n").contains("not closed"));
    assert!(error("@data\n1\n").contains("line 1: @data comes before any @attribute"));
}

#[test]
fn empty_input_and_sparse_rows_are_refused() {
    assert_eq!(error(""), "ward.arff: the file is empty; expected @attribute lines, then @data and the rows");
    assert!(error(" \n\n").contains("the file is empty"));
    let message = error("@attribute a numeric\n@attribute b numeric\n@data\n{0 1.5, 1 2}\n");
    assert!(message.starts_with("ward.arff: line 4: sparse ARFF rows"), "{message}");
}

#[test]
fn reads_a_file_and_refuses_non_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.arff");
    std::fs::write(&good, CLINICAL).expect("write");
    assert_eq!(read_arff(&good).expect("valid").n_rows(), 3);

    let latin1 = dir.path().join("latin1.arff");
    std::fs::write(&latin1, b"@attribute name string\n@data\n'Jos\xe9'\n").expect("write");
    let message = read_arff(&latin1).expect_err("not UTF-8").to_string();
    assert!(message.contains("latin1.arff: line 3: the file is not valid UTF-8"), "{message}");

    let missing = dir.path().join("absent.arff");
    assert!(matches!(read_arff(&missing), Err(TableError::Io { .. })));
    let bom = dir.path().join("bom.arff");
    std::fs::write(&bom, "\u{feff}@attribute a numeric\n@data\n1\n").expect("write");
    assert_eq!(read_arff(&bom).expect("BOM is fine").n_rows(), 1);
}

#[test]
fn broken_fixtures_fail_with_file_and_line() {
    let read = |name: &str| {
        let path = Path::new(BROKEN).join(name);
        read_arff(&path).expect_err("broken fixture").to_string()
    };
    let message = read("arff_bad_row_length.arff");
    assert!(message.contains("arff_bad_row_length.arff: line 12: expected 4 values"), "{message}");
    assert!(message.ends_with("found 3"), "{message}");
    let message = read("arff_non_numeric.arff");
    assert!(
        message.ends_with("arff_non_numeric.arff: line 13: value 2 of 4, attribute \"creatinine\" (numeric): the value is not a number"),
        "{message}"
    );
    assert!(!message.contains("1.2mg"), "{message}");
    let message = read("arff_no_data.arff");
    assert!(message.contains("arff_no_data.arff: no @data line after the 4 @attribute line(s)"), "{message}");
}
