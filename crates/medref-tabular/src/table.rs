//! The in-memory table every tabular reader produces.
//!
//! Readers (polars for CSV/Parquet, our own for ARFF) all hand back a
//! [`RawTable`], so preprocessing, splitting and the training code never see
//! which format a table came from.

/// One column's cells. A missing cell (empty CSV field, `?` in ARFF, null in
/// Parquet) is `None`; numbers are always `f64` so that integer-coded
/// columns and measurements share one path.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Measurements and integer codes.
    Numeric(Vec<Option<f64>>),
    /// Categories and free text (ids, SMILES, class names).
    Text(Vec<Option<String>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Text(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell at `row` as text (numbers printed the shortest way that
    /// round-trips), for ids, group keys and class labels.
    pub fn text_at(&self, row: usize) -> Option<String> {
        match self {
            ColumnData::Numeric(v) => v[row].map(format_number),
            ColumnData::Text(v) => v[row].clone(),
        }
    }
}

/// `3.0` prints as `3`, so an integer-coded label reads the same whether a
/// reader typed it as a number or as text.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header name, as written in the file.
    pub name: String,
    /// The cells, top to bottom.
    pub data: ColumnData,
    /// For ARFF nominal attributes, the declared categories in declaration
    /// order (so one-hot columns keep the author's order); empty otherwise.
    pub categories: Vec<String>,
}

/// Columns of equal length, in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTable {
    /// The columns; every one has [`RawTable::n_rows`] cells.
    pub columns: Vec<Column>,
}

impl RawTable {
    /// Number of rows (0 for a table without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}
